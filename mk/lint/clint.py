#!/usr/bin/python3
"""
clint.py RULE FILE...: the C rules of `make lint` (mk/lint/lint.sh). Prints
one line per violation, "file:line: RULE: what", and exits 1 if there is any.

  cols    no line wider than 80 columns, tabs expanded to 8
  output  no call that prints (stdio, perror, syslog, err/warn, write to
          fd 1 or 2): in the daemons only common/log.c prints, and it offers
          just the startup lines and fatal errors (zero logging)
  close   no bare WebSocket close code (1000-1015, 3000-4999) where a close
          code goes: as an argument of a call whose name holds "close" or of
          room_wipe, after `case`, beside == or !=, assigned to a name holding
          "code", or as a #define whose name holds CLOSE or CODE. The codes
          live in one table (chatroom/proto.c) and are named CLOSE_* in
          proto.h. A bare 1000 elsewhere (milliseconds, token units) is not a
          close code and passes.

Comments and string literals are blanked (lengths and newlines kept) before
the output and close rules look, so prose and messages never match.
"""

import re
import sys

COLS = 80

OUTPUT_FUNCS = ("printf fprintf vprintf vfprintf dprintf vdprintf puts fputs "
    "putchar putchar_unlocked fputc putc fwrite fwrite_unlocked perror "
    "psignal psiginfo syslog vsyslog err errx verr verrx warn warnx vwarn "
    "vwarnx error error_at_line").split()
OUTPUT_CALL = re.compile(r"(?<![\w.>])(%s)\s*\(" % "|".join(OUTPUT_FUNCS))
# write/writev/pwrite with fd 1 or 2 as the first argument.
OUTPUT_FD = re.compile(r"(?<![\w.>])(write|writev|pwrite|send)\s*\(\s*"
    r"(1|2|STDOUT_FILENO|STDERR_FILENO)\s*,")
OUTPUT_STREAM = re.compile(r"(?<![\w.>])(stdout|stderr)\b")

CODE_LIT = r"(?:10(?:0[0-9]|1[0-5])|[34][0-9]{3})"
CLOSE_CALLEE = re.compile(r"(?<![\w.>])(\w*close\w*|room_wipe)\s*\(", re.I)
CLOSE_NEAR = [
	(re.compile(r"\bcase\s+(%s)\b" % CODE_LIT), "after case"),
	(re.compile(r"[=!]=\s*\(?\s*(%s)\b" % CODE_LIT), "compared"),
	(re.compile(r"\b(%s)\s*\)?\s*[=!]=" % CODE_LIT), "compared"),
	(re.compile(r"\b\w*code\w*\s*(?:\]\s*)?=\s*(%s)\b" % CODE_LIT, re.I),
	    "assigned to a code"),
	(re.compile(r"#\s*define\s+\w*(?:CLOSE|CODE)\w*\s+\(?\s*(%s)\b" %
	    CODE_LIT, re.I), "defined as a close code"),
]
LIT_IN_ARGS = re.compile(r"(?<![\w.])(%s)(?![\w.])" % CODE_LIT)


def blank(src):
	"""src with comments, string and char literals replaced by spaces
	(newlines kept), so that offsets and line numbers stay."""
	out = []
	i, n = 0, len(src)
	keep = lambda s: re.sub(r"[^\n]", " ", s)
	while i < n:
		c = src[i]
		if src.startswith("/*", i):
			j = src.find("*/", i + 2)
			j = n if j < 0 else j + 2
			out.append(keep(src[i:j]))
			i = j
		elif src.startswith("//", i):
			j = src.find("\n", i)
			j = n if j < 0 else j
			out.append(keep(src[i:j]))
			i = j
		elif c in "\"'":
			j = i + 1
			while j < n and src[j] != c and src[j] != "\n":
				j += 2 if src[j] == "\\" else 1
			j = min(j + 1, n)
			out.append(c + keep(src[i + 1:j - 1]) + c)
			i = j
		else:
			out.append(c)
			i += 1
	return "".join(out)


def line_of(src, off):
	return src.count("\n", 0, off) + 1


def rule_cols(path, src):
	for no, line in enumerate(src.split("\n"), 1):
		w = len(line.expandtabs(8))
		if w > COLS:
			yield no, "%d columns (at most %d, tabs count 8)" % (w, COLS)


def rule_output(path, src):
	code = blank(src)
	for m in OUTPUT_CALL.finditer(code):
		yield line_of(code, m.start()), "%s() prints: only " \
		    "common/log.c prints" % m.group(1)
	for m in OUTPUT_FD.finditer(code):
		yield line_of(code, m.start()), "%s() to fd %s: only " \
		    "common/log.c prints" % (m.group(1), m.group(2))
	for m in OUTPUT_STREAM.finditer(code):
		yield line_of(code, m.start()), "%s used: only common/log.c " \
		    "prints" % m.group(1)


def call_args(code, open_paren):
	"""The span inside the parentheses that open at open_paren."""
	depth = 0
	for j in range(open_paren, len(code)):
		if code[j] == "(":
			depth += 1
		elif code[j] == ")":
			depth -= 1
			if depth == 0:
				return open_paren + 1, j
	return open_paren + 1, len(code)


def rule_close(path, src):
	code = blank(src)
	seen = set()
	for m in CLOSE_CALLEE.finditer(code):
		a, b = call_args(code, m.end() - 1)
		for lit in LIT_IN_ARGS.finditer(code, a, b):
			seen.add((lit.start(), "%s in a call of %s(): use a "
			    "CLOSE_* name (chatroom/proto.h)" % (lit.group(1),
			    m.group(1))))
	for pat, how in CLOSE_NEAR:
		for m in pat.finditer(code):
			seen.add((m.start(1), "%s %s: use a CLOSE_* name "
			    "(chatroom/proto.h)" % (m.group(1), how)))
	for off, what in sorted(seen):
		yield line_of(code, off), what


RULES = {"cols": rule_cols, "output": rule_output, "close": rule_close}


def main(argv):
	if len(argv) < 2 or argv[1] not in RULES:
		sys.stderr.write("usage: clint.py cols|output|close FILE...\n")
		return 2
	rule, bad = argv[1], 0
	for path in argv[2:]:
		with open(path, encoding="utf-8", errors="replace") as f:
			src = f.read()
		for no, what in sorted(RULES[rule](path, src)):
			print("%s:%d: %s: %s" % (path, no, rule, what))
			bad += 1
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
