#!/bin/sh
# check.sh SUITE...: runs every suite (a make target) even after a failure, then
# prints the total. Exit 1 if any suite failed.
total_p=0; total_f=0; bad=""
for s in "$@"; do
	echo "=== $s"
	log=$(mktemp); make --no-print-directory "$s" 2>&1 | tee "$log"
	line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -n "$line" ]; then
		p=${line#*: }; p=${p%% passed*}; f=${line#*passed, }; f=${f%% failed*}
		total_p=$((total_p + p)); total_f=$((total_f + f))
	fi
	if [ -z "$line" ] || [ "$f" -gt 0 ]; then bad="$bad $s"; fi
done
echo "=== total"
[ -z "$bad" ] || echo "failed suites:$bad"
echo "$total_p passed, $total_f failed"
[ -z "$bad" ]
