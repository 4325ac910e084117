#!/bin/sh
# suite.sh NAME CMD...: runs each test program, sums their "N passed, N failed"
# lines and ends with one such line for the suite. Exit 1 if anything failed.
name=$1; shift
pass=0; fail=0
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: $t printed no result line (exit $rc)"; fail=$((fail + 1)); continue
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || { echo "$name: $t exited $rc"; fail=$((fail + 1)); }
done
echo "$name: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
