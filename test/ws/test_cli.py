"""test_cli.py: the command line (bad values exit 2, --help, --version)."""

import re
import subprocess

from harness import check, eq, test

OPTIONS = ["-c", "-4", "-6", "--bind", "--max-conns", "--max-per-ip",
    "--max-handshakes", "--max-handshakes-per-ip", "--max-rooms",
    "--max-members", "--max-message", "--max-header-bytes", "--max-queue", "--handshake-timeout",
    "--join-timeout", "--ping-interval", "--pong-timeout", "--flood-rate",
    "--flood-burst", "--origin", "--version", "--help"]


def run(ctx, *args):
	try:
		p = subprocess.run([ctx.binary] + list(args), stdin=subprocess.DEVNULL,
		    capture_output=True, timeout=5)
	except subprocess.TimeoutExpired:
		raise AssertionError("%s: still running after 5s" % (args,))
	return p.returncode, p.stdout.decode(errors="replace"), \
	    p.stderr.decode(errors="replace")


@test(per_family=False)
async def cli_bad_values(ctx):
	cases = [
	    ("-c", "0"), ("-c", "70000"), ("-c", "abc"), ("-c", "-1"),
	    ("-c", ""), ("-c", "80x"),
	    ("--max-message", "x"), ("--max-message", "12k"),
	    ("--max-conns", "0"), ("--max-conns", "-5"),
	    ("--flood-rate", "1.5"), ("--ping-interval", "0"),
	    ("--join-timeout", "99999999999999999999"),
	    ("--no-such-option",), ("-4", "-6"), ("stray",),
	]
	for args in cases:
		# Always loopback: a daemon that wrongly starts must not listen
		# on every interface.
		argv = list(args)
		if "-6" not in argv:
			argv += ["-4", "--bind", "127.0.0.1"]
		rc, out, err = run(ctx, *argv)
		what = " ".join(args)
		eq(rc, 2, "exit status of %r" % what)
		check("ws://" not in out, "%r printed a banner" % what)
		lines = err.split("\n")
		check(lines[0].startswith("chatroom: ") and len(lines[0]) > 10,
		    "%r: first stderr line %r" % (what, lines[0]))
		check(not any(l.startswith("chatroom: ") for l in lines[1:]),
		    "%r: more than one error line: %r" % (what, err))
		check(re.search(r"(?i)usage", err), "%r: no usage in %r" %
		    (what, err))


@test(per_family=False)
async def cli_help(ctx):
	rc, out, err = run(ctx, "--help")
	eq(rc, 0, "exit status of --help")
	for o in OPTIONS:
		pat = r"(^|[\s,])%s([=\s,]|$)" % re.escape(o)
		check(re.search(pat, out, re.M), "--help does not list %s" % o)


@test(per_family=False)
async def cli_version(ctx):
	rc, out, err = run(ctx, "--version")
	eq(rc, 0, "exit status of --version")
	check(re.match(r"^chatroom\b.*\b1\.0\.0\n$", out),
	    "--version printed %r" % out)
	eq(err, "", "stderr of --version")
