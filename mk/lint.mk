# mk/lint.mk: make lint, the gate that keeps the tree's habits (mk/lint/):
# C lines of at most 80 columns, no print outside common/log.c in daemon
# code, no bare close code in the relay, no include cycle between the relay's
# modules, mandoc -Tlint, shellcheck, and eslint (pinned in test/eslint).
# Each violation is one line "file:line: RULE: what".
#	make lint ESLINT_CMD='npx eslint .'	another eslint

# Build tools that sit in daemon folders but never run in a daemon: they may
# print. Today none: the build tools live in tools/.
LINT_TOOLS ?=
ESLINT_CMD ?=

lint:
	@LINT_TOOLS='$(LINT_TOOLS)' ESLINT_CMD='$(ESLINT_CMD)' sh mk/lint/lint.sh

.PHONY: lint

# make check runs it.
CHECKS += lint
