#!/bin/sh
# lint.sh: the checks of `make lint` (mk/lint.mk), run from the top of the
# tree. Each check prints its violations as "file:line: RULE: what", then
# "ok   NAME" or "FAIL NAME (N)"; the last line is "lint: N passed, N failed".
# Exit 1 if any check failed. Environment: ESLINT_CMD (see check_eslint),
# LINT_TOOLS (build tools in daemon folders, exempt from the output rule).
cd "$(dirname "$0")/../.." || exit 1
PY=/usr/bin/python3
pass=0
fail=0

# run NAME CMD...: one check; CMD prints violations and fails on any.
run() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		[ -z "$out" ] || printf '%s\n' "$out"
		echo "ok   $name"
		pass=$((pass + 1))
	else
		printf '%s\n' "$out"
		n=$(printf '%s\n' "$out" | grep -c '^[^ :]*:[0-9][0-9]*:')
		echo "FAIL $name ($n)"
		fail=$((fail + 1))
	fi
}

# C sources and headers below the given folders (missing ones skipped).
c_files() {
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -name node_modules -prune -o \
		    -type f -name '*.[ch]' -print
	done | LC_ALL=C sort
}

# Daemon code: what chatroom and servchat are built from, but common/log.c,
# the one file that prints, and build tools that only run at build time.
daemon_files() {
	# shellcheck disable=SC2086 # LINT_TOOLS is a list
	c_files chatroom servchat common |
	    grep -v -x -F "$(printf '%s\n' common/log.c $LINT_TOOLS)"
}

check_mandoc() {
	rc=0
	for p in man/*.7 man/*.8; do
		if ! out=$(mandoc -Tlint -Wwarning "$p" 2>&1) || [ -n "$out" ]
		then
			printf '%s\n' "$out" | sed 's/^mandoc: //
			    s/^\([^:]*:[0-9]*\):[0-9]*: /\1: mandoc: /'
			rc=1
		fi
	done
	return $rc
}

check_shellcheck() {
	command -v shellcheck >/dev/null 2>&1 ||
	    { echo "shellcheck not installed (make deps)"; return 1; }
	out=$(shellcheck -f gcc mk/*.sh mk/lint/*.sh contrib/certbot-deploy-hook \
	    .ci/run 2>&1)
	rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" |
	    sed 's/^\([^:]*:[0-9]*\):[0-9]*: /\1: shellcheck: /'
	return $rc
}

# HOOK for eslint (issue 10, client helper): ESLINT_CMD, if set, is the whole
# command; otherwise `npm --prefix static run lint` once static/package.json
# has a "lint" script. Until then the check is skipped and not counted.
# eslint is pinned by test/eslint's lockfile; installed from npm on first use.
check_eslint() {
	if [ -n "${ESLINT_CMD:-}" ]; then
		sh -c "$ESLINT_CMD"
		return
	fi
	[ -d test/eslint/node_modules ] ||
	    npm --prefix test/eslint ci --ignore-scripts --no-audit --no-fund \
	    --prefer-offline >/dev/null || return 1
	npm --prefix test/eslint run --silent lint
}

# shellcheck disable=SC2046 # the file lists split on purpose (no spaces)
{
run cols $PY mk/lint/clint.py cols $(c_files chatroom common servchat test \
    tools)
run output $PY mk/lint/clint.py output $(daemon_files)
run close $PY mk/lint/clint.py close $(c_files chatroom |
    grep -v -x chatroom/proto.c)
run modcycle $PY mk/lint/modcycle.py chatroom
run mandoc check_mandoc
run shellcheck check_shellcheck
run eslint check_eslint
}
echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
