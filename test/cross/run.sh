#!/bin/sh
# run.sh NAME ARCH:SUITE...: runs each native suite against ARCH's emulated
# build (make cross-SUITE ARCH=ARCH), names its result line
# cross-ARCH-SUITE, and ends with one "NAME: N passed, N failed" line for all.
# A step that prints no result line counts as one failure.
name=$1; shift
pass=0; fail=0
for step in "$@"; do
	arch=${step%%:*}; suite=${step#*:}
	echo "--- $arch: $suite"
	log=$(mktemp)
	make --no-print-directory "cross-$suite" ARCH="$arch" 2>&1 | tee "$log"
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" |
	    tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "cross-$arch-$suite: printed no result line"
		fail=$((fail + 1)); continue
	fi
	p=${line#*: }; p=${p%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	case $line in
	"cross-$arch-$suite: "*) ;;
	*) echo "cross-$arch-$suite: $p passed, $f failed" ;;
	esac
	pass=$((pass + p)); fail=$((fail + f))
done
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
