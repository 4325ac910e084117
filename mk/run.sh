#!/bin/sh
# run.sh BUILDDIR: runs both daemons in the foreground, dual stack, on the
# original's ports, and says where to point a browser. Ctrl+C stops both.
B=${1:-build}
SERVPORT=${SERVPORT:-6969}
CHATPORT=${CHATPORT:-9696}
# Freed heap is overwritten and never cached per thread (see FIELD-NOTES).
export GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.perturb=165

"$B/chatroom" -c "$CHATPORT" & chat=$!
"$B/servchat" -s "$SERVPORT" -c "$CHATPORT" & serv=$!
stop() {
	trap - INT TERM
	kill "$chat" "$serv" 2>/dev/null
	wait "$chat" "$serv" 2>/dev/null
	exit 0
}
trap stop INT TERM

sleep 0.3
echo
echo "Sanctuary is running. Open in a browser:"
echo "  on this machine:   http://localhost:$SERVPORT/"
if command -v ip >/dev/null 2>&1; then
	ip -o addr show scope global 2>/dev/null | while read -r _ _ fam addr _; do
		a=${addr%/*}
		case $fam in
		inet)  echo "  on other devices: http://$a:$SERVPORT/" ;;
		inet6) echo "  on other devices: http://[$a]:$SERVPORT/" ;;
		esac
	done
fi
echo "Press Ctrl+C to stop both daemons."
wait "$chat" "$serv"
