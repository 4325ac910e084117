#!/bin/sh
# cross-launchers.sh B SYSROOT QEMU CPU NAME...: writes B/run/NAME, a script
# that runs B/NAME under QEMU (on core CPU, if not empty) with SYSROOT as its
# root. qemu is called
# through a link named NAME (B/qemu/NAME), so the process is called NAME, as
# pgrep and /proc/PID/comm expect of the native binary.
set -eu
b=$1; root=$2; qemu=$(command -v "$3"); cpu=${4:+-cpu $4}; shift 4
for name in "$@"; do
	mkdir -p "$(dirname "$b/run/$name")" "$(dirname "$b/qemu/$name")"
	ln -sfn "$qemu" "$b/qemu/$name"
	cat > "$b/run/$name.tmp" <<LAUNCH
#!/bin/sh
exec "$b/qemu/$name" $cpu -L "$root" "$b/$name" "\$@"
LAUNCH
	chmod 755 "$b/run/$name.tmp"; mv -f "$b/run/$name.tmp" "$b/run/$name"
done
