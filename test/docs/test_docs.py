#!/usr/bin/python3
"""
test_docs.py: the docs suite. Documentation that can be checked is checked
against the real programs, so that it cannot drift:

- man pages (their mandoc lint is in make lint, mk/lint/lint.sh): each
  daemon's SYNOPSIS renders exactly as its --usage; its DESCRIPTION lists exactly the options of --help,
  each with the same argument name, default and range; versions match.
- README.md: the option tables name exactly the options of --help; the nginx
  example equals the one in sanctuary(7); every suite of `make check` is
  listed; and every command in it is run here (or, for make check, by .ci/run).
- sanctuary(7): the session under EXAMPLES is replayed against the real relay
  frame by frame; the encryption test vector is recomputed with libsodium and
  with the browser client's own static/crypto.js (tweetnacl).
- install: make install into a temporary DESTDIR gives exactly the expected
  tree, the installed binaries run, the units name the installed paths;
  make uninstall leaves no file.
- systemd units: systemd-analyze verify clean, security exposure <= 2.0, the
  sandbox settings issue 4 asks for, systemctl --root enable/disable; and each
  daemon run under strace uses only system calls of the unit's allow list,
  only the unit's address families and no writable executable memory.
- the command lines in the .env files and in the man pages' EXAMPLES start.

Environment (from mk/docs.mk): B (absolute build directory), MAKE_B (B as
make knows it), CHECKS (the suites of make check). Daemons listen on loopback
only, on ports picked here; every wait is bounded. Needs /usr/bin/python3
(Debian's websockets), mandoc, systemd-analyze, systemctl, strace, man, node.
Ends with "docs: N passed, N failed"; exits 1 on any failure.
"""

import asyncio
import base64
import ctypes
import ctypes.util
import http.client
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

from testlib import Fail, check  # noqa: E402
B = os.path.abspath(os.environ.get("B", os.path.join(ROOT, "build")))
MAKE_B = os.environ.get("MAKE_B", B)
DAEMONS = ("chatroom", "servchat")
PAGES = ("man/sanctuary.7", "man/chatroom.8", "man/servchat.8")
TIMEOUT = 10.0		# bound of any single wait
EXPOSURE_MAX = 2.0
TUNABLES = "glibc.malloc.tcache_count=0:glibc.malloc.perturb=165"

results = [0, 0]
processes = []		# every process started here, for the final cleanup


def test(name, fn, *args):
	try:
		fn(*args)
	except Fail as e:
		results[1] += 1
		print("FAIL %s: %s" % (name, e), flush=True)
	except Exception as e:			# a broken check is a failure too
		results[1] += 1
		print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
	else:
		results[0] += 1
		print("ok   %s" % name, flush=True)


def read(path):
	with open(os.path.join(ROOT, path), encoding="utf-8") as f:
		return f.read()


def run(argv, timeout=60, ok=True, **kw):
	"""Runs argv to completion; with ok, a non-zero status is a failure."""
	kw.setdefault("cwd", ROOT)
	p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
	    **kw)
	if ok and p.returncode != 0:
		raise Fail("%s exited %d: %s" % (" ".join(argv), p.returncode,
		    (p.stderr or p.stdout).strip()[-600:]))
	return p


def make_env():
	"""A sub-make must not inherit this make's jobserver or level."""
	env = dict(os.environ)
	for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
		env.pop(k, None)
	return env


def make(*args, timeout=300, ok=True):
	return run(["make", "--no-print-directory", "B=" + MAKE_B] + list(args),
	    timeout=timeout, ok=ok, env=make_env())


def free_port():
	"""A TCP port free on the IPv4 and the IPv6 wildcard address."""
	for _ in range(50):
		s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
		try:
			s4.bind(("0.0.0.0", 0))
			port = s4.getsockname()[1]
			s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
			s6.bind(("::", port))
			return port
		except OSError:
			continue
		finally:
			s4.close()
			s6.close()
	raise Fail("no free port found")


def version():
	out = run([os.path.join(B, "chatroom"), "--version"]).stdout.strip()
	m = re.fullmatch(r"chatroom \(Sanctuary\) (\S+)", out)
	check(m, "chatroom --version printed %r" % out)
	return m.group(1)


# ---------------------------------------------------------------- man pages

def render(page):
	"""The page as plain text, without overstrike."""
	out = run(["mandoc", "-Tascii", "-Owidth=78", page]).stdout
	return re.sub(r".\x08", "", out)


def section(text, name):
	"""The body of section NAME of a rendered page."""
	m = re.search(r"^%s\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)" % re.escape(name),
	    text, re.M | re.S)
	check(m, "no section %s" % name)
	return m.group(1)


def words(s):
	return " ".join(s.split())


def help_options(daemon):
	"""--help as {frozenset(names): {arg, default, ranges, text}}."""
	out = run([os.path.join(B, daemon), "--help"]).stdout
	opts, cur = {}, None
	pat = re.compile(r"^\s+(?:-(\S), )?--([a-z0-9-]+)(?:[= ]([A-Z]+))?"
	    r"(?:\s{2,}(.*))?$")
	for line in out.splitlines():
		m = pat.match(line)
		if m:
			names = {"--" + m.group(2)}
			if m.group(1):
				names.add("-" + m.group(1))
			cur = {"arg": m.group(3), "text": m.group(4) or ""}
			opts[frozenset(names)] = cur
		elif line.startswith(" " * 8) and cur is not None:
			cur["text"] += " " + line.strip()
		else:
			cur = None
	for o in opts.values():
		d = re.search(r"\(default (\d+)", o["text"])
		o["default"] = d.group(1) if d else None
		o["ranges"] = re.findall(r"\b(\d+)-(\d+)\b", o["text"])
	check(len(opts) > 5, "%s --help: only %d options parsed" % (daemon,
	    len(opts)))
	return opts


def man_options(page):
	"""The DESCRIPTION option list of an mdoc page, as help_options()."""
	src = read(page)
	desc = re.search(r"^\.Sh DESCRIPTION\n(.*?)^\.Sh ", src, re.M | re.S)
	check(desc, "%s: no DESCRIPTION" % page)
	opts, cur = {}, None
	for line in desc.group(1).splitlines():
		if line.startswith(".It Fl "):
			toks = line.split()
			names = set()
			for i, t in enumerate(toks[:-1]):
				if t == "Fl":
					names.add("-" + toks[i + 1].replace("\\&", ""))
			arg = toks[toks.index("Ar") + 1] if "Ar" in toks else None
			cur = {"arg": arg, "text": ""}
			opts[frozenset(names)] = cur
		elif line.startswith((".It", ".El", ".Ss")):
			cur = None
		elif cur is not None:
			cur["text"] += " " + line
	return opts


def check_synopsis(daemon):
	page = "man/%s.8" % daemon
	usage = run([os.path.join(B, daemon), "--usage"]).stdout
	usage = words(usage).removeprefix("Usage: ")
	syn = words(section(render(page), "SYNOPSIS"))
	check(syn == usage, "SYNOPSIS of %s differs from --usage:\n  man:   %s\n"
	    "  usage: %s" % (page, syn, usage))


def check_options(daemon):
	page = "man/%s.8" % daemon
	h, m = help_options(daemon), man_options(page)
	missing = [" ".join(sorted(k)) for k in h if k not in m]
	extra = [" ".join(sorted(k)) for k in m if k not in h]
	check(not missing, "in --help, not in %s: %s" % (page, ", ".join(missing)))
	check(not extra, "in %s, not in --help: %s" % (page, ", ".join(extra)))
	bad = []
	for k, o in h.items():
		name, mo = " ".join(sorted(k)), m[k]
		if o["arg"] != mo["arg"]:
			bad.append("%s: argument %s in --help, %s in the page" % (name,
			    o["arg"], mo["arg"]))
		if o["default"] and not re.search(r"\bdefault: %s\b" % o["default"],
		    mo["text"], re.I):
			bad.append("%s: no 'default: %s'" % (name, o["default"]))
		for lo, hi in o["ranges"]:
			if not re.search(r"\b%s to %s\b" % (lo, hi), mo["text"]):
				bad.append("%s: no range '%s to %s'" % (name, lo, hi))
	check(not bad, "; ".join(bad))


def check_versions():
	v = version()
	for d in DAEMONS:
		out = run([os.path.join(B, d), "--version"]).stdout.strip()
		check(out == "%s (Sanctuary) %s" % (d, v), "%s --version: %r" % (d,
		    out))
	for page in PAGES:
		for found in re.findall(r"(?<![\d.])\d+\.\d+\.\d+(?![\d.])",
		    read(page)):
			check(found == v, "%s mentions version %s, the binaries are %s"
			    % (page, found, v))


# ------------------------------------------------------------------ README

def readme_section(title):
	text = read("README.md")
	m = re.search(r"^(#+) %s\n(.*?)(?=^#{1,%d} |\Z)" % (re.escape(title),
	    3), text, re.M | re.S)
	check(m, "README.md: no section '%s'" % title)
	return m.group(2)


def check_readme_options(daemon):
	text = read("README.md")
	m = re.search(r"^### %s \(.*?\)\n(.*?)(?=^#)" % daemon, text, re.M | re.S)
	check(m, "README.md: no options table for %s" % daemon)
	body = "\n".join(l for l in m.group(1).splitlines() if l.startswith("|"))
	listed = set(re.findall(r"`(--[a-z0-9-]+)", body))
	listed |= set(re.findall(r"`(-[a-zA-Z0-9])`", body))
	want = set()
	for k in help_options(daemon):
		if k & {"--help", "--usage", "--version"}:
			continue
		want |= set(k)
	check(not want - listed, "README %s table lacks %s" % (daemon,
	    ", ".join(sorted(want - listed))))
	check(not listed - want, "README %s table names unknown %s" % (daemon,
	    ", ".join(sorted(listed - want))))


def man_literal_after(page, marker):
	"""The literal display of page that contains marker, or else the first
	one after it; roff escapes undone, comments dropped."""
	src = read(page)
	pos = src.find(marker)
	check(pos >= 0, "%s: no %r" % (page, marker))
	after = None
	for m in re.finditer(r"^\.Bd -literal[^\n]*\n(.*?)^\.Ed", src, re.M | re.S):
		if m.start(1) <= pos < m.end(1):
			after = m
			break
		if after is None and m.start() > pos:
			after = m
	check(after, "%s: no display with %r" % (page, marker))
	lines = [l for l in after.group(1).splitlines()
	    if not l.startswith('.\\"')]
	return "\n".join(lines).replace("\\e", "\\") + "\n"


def check_readme_nginx():
	m = re.search(r"^```nginx\n(.*?)^```", read("README.md"), re.M | re.S)
	check(m, "README.md: no nginx block")
	man = man_literal_after("man/sanctuary.7", "# /etc/nginx/")
	man = man[man.find("# /etc/nginx/"):]
	check(m.group(1) == man, "README nginx block differs from sanctuary(7)")


def check_readme_suites():
	checks = os.environ.get("CHECKS")
	if checks is None:
		db = make("-pnq", "check", ok=False).stdout
		m = re.search(r"^CHECKS [:]?= (.*)$", db, re.M)
		checks = m.group(1) if m else ""
	suites = checks.split()
	check(suites, "no suites known (CHECKS)")
	body = readme_section("Tests")
	missing = [s for s in suites if "`%s`" % s not in body]
	check(not missing, "README Tests section lacks suites: %s" %
	    ", ".join(missing))


def check_quick_start():
	body = readme_section("Quick start")
	m = re.search(r"```sh\n(.*?)```", body, re.S)
	check(m and m.group(1) == "make run\nmake check\n",
	    "Quick start is not exactly `make run` and `make check`")


# ------------------------------------------------------------ daemon runs

def loopback_args(argv, cp, sp):
	"""argv with every port replaced by cp (relay) or sp (page) and a
	loopback --bind: a documented command line, made safe to run here."""
	out, i, seen = [], 0, set()
	portopt = {"-c": cp, "--chatport": cp, "-s": sp, "--servport": sp}
	while i < len(argv):
		a = argv[i]
		name, eq, val = a.partition("=")
		if a in portopt and i + 1 < len(argv):
			out += [a, str(portopt[a])]
			seen.add(portopt[a])
			i += 2
			continue
		if eq and name in portopt:
			out.append("%s=%d" % (name, portopt[name]))
			seen.add(portopt[name])
		elif a == "--bind" and i + 1 < len(argv):
			addr = "::1" if ":" in argv[i + 1] else "127.0.0.1"
			out += [a, addr]
			seen.add("bind")
			i += 2
			continue
		elif name == "--bind" and eq:
			out.append("--bind=" + ("::1" if ":" in val else "127.0.0.1"))
			seen.add("bind")
		elif a == "--static-dir" and i + 1 < len(argv):
			out += [a, os.path.join(ROOT, argv[i + 1])]
			i += 2
			continue
		else:
			out.append(a)
		i += 1
	if "bind" not in seen:
		out += ["--bind", "::1" if "-6" in out else "127.0.0.1"]
	return out, seen


def read_lines(proc, n, timeout=TIMEOUT):
	"""At least n lines of proc's stdout, within timeout."""
	buf, end = b"", time.monotonic() + timeout
	while buf.count(b"\n") < n:
		left = end - time.monotonic()
		if left <= 0 or proc.poll() is not None:
			break
		r, _, _ = select.select([proc.stdout], [], [], left)
		if r:
			d = os.read(proc.stdout.fileno(), 4096)
			if not d:
				break
			buf += d
	return buf.decode(errors="replace")


def start(argv, **kw):
	env = dict(os.environ, GLIBC_TUNABLES=TUNABLES)
	p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
	    cwd=ROOT, env=env, **kw)
	processes.append(p)
	return p


def stop(p, what):
	"""SIGINT, then the exit status must be 0 within TIMEOUT."""
	p.send_signal(signal.SIGINT)
	try:
		rc = p.wait(timeout=TIMEOUT)
	except subprocess.TimeoutExpired:
		p.kill()
		p.wait()
		raise Fail("%s did not stop on SIGINT" % what)
	err = p.stderr.read().decode(errors="replace").strip()
	check(rc == 0, "%s exited %d after SIGINT %s" % (what, rc, err))


def ws_handshake(host, port, origin=None):
	"""The status line of a WebSocket upgrade request."""
	key = base64.b64encode(os.urandom(16)).decode()
	name = "[%s]" % host if ":" in host else host
	req = ("GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n" % (name, port, key))
	if origin:
		req += "Origin: %s\r\n" % origin
	with socket.create_connection((host, port), timeout=TIMEOUT) as s:
		s.sendall((req + "\r\n").encode())
		buf = b""
		while b"\r\n" not in buf:
			d = s.recv(1024)
			if not d:
				break
			buf += d
	return buf.split(b"\r\n")[0].decode(errors="replace")


def http_get(host, port, path, method="GET"):
	c = http.client.HTTPConnection(host, port, timeout=TIMEOUT)
	try:
		c.request(method, path)
		r = c.getresponse()
		return r.status, r.read()
	finally:
		c.close()


def option_value(argv, name):
	for i, a in enumerate(argv):
		if a == name and i + 1 < len(argv):
			return argv[i + 1]
		if a.startswith(name + "="):
			return a.split("=", 1)[1]
	return None


def run_daemon_line(line):
	"""Runs a documented `chatroom ...` or `servchat ...` line on loopback
	ports, checks that it serves, and stops it with SIGINT."""
	argv = shlex.split(line)
	daemon = os.path.basename(argv[0])
	check(daemon in DAEMONS, "not a daemon command: %s" % line)
	cp, sp = free_port(), free_port()
	args, seen = loopback_args(argv[1:], cp, sp)
	if daemon == "chatroom" and cp not in seen:
		args += ["-c", str(cp)]
	if daemon == "servchat" and sp not in seen:
		args += ["-s", str(sp)]
	if daemon == "servchat" and cp not in seen:
		args += ["-c", str(cp)]
	p = start([os.path.join(B, daemon)] + args)
	what = "%s %s" % (daemon, " ".join(args))
	try:
		banner = read_lines(p, 1)
		check(banner.startswith(daemon), "%s printed no banner: %r" % (what,
		    banner))
		host = "::1" if "::1" in args or "--bind=::1" in args else "127.0.0.1"
		if daemon == "chatroom":
			origin = option_value(args, "--origin")
			st = ws_handshake(host, cp, origin)
			check(st.startswith("HTTP/1.1 101"), "%s: handshake got %r" %
			    (what, st))
		else:
			st, _ = http_get(host, sp, "/")
			check(st == 200, "%s: GET / got %d" % (what, st))
			st, body = http_get(host, sp, "/api/config")
			conf = json.loads(body)
			check(conf.get("chatport") == cp and conf.get("relay") ==
			    option_value(args, "--relay"), "%s: /api/config %r" % (what,
			    conf))
	finally:
		if p.poll() is None:
			stop(p, what)


# ------------------------------------------------------------ sanctuary(7)

def transcripts():
	"""Every session between BEGIN and END TRANSCRIPT (version 1, 2)."""
	src = read("man/sanctuary.7")
	found = re.findall(r'^\.\\" BEGIN TRANSCRIPT\n(.*?)^\.\\" END TRANSCRIPT',
	    src, re.M | re.S)
	check(found, "sanctuary.7: no transcript")
	out = []
	for block in found:
		steps = []
		for line in block.splitlines():
			t = re.fullmatch(r"(\w+)([<>])\s+(.*)", line)
			check(t, "transcript line %r" % line)
			steps.append(t.groups())
		out.append(steps)
	return out


async def replay(port, steps):
	conns, tokens = {}, {}
	uri = "ws://127.0.0.1:%d/" % port
	try:
		for n, (who, way, text) in enumerate(steps, 1):
			where = "step %d (%s%s %s)" % (n, who, way, text)
			if way == ">":
				if who not in conns:
					conns[who] = await websockets.connect(uri,
					    compression=None, ping_interval=None,
					    open_timeout=TIMEOUT, close_timeout=1)
				for doc, real in tokens.items():
					text = text.replace(doc, real)
				await conns[who].send(text)
				continue
			check(who in conns, "%s: %s never connected" % (where, who))
			if text.startswith("close "):
				_, code, reason = text.split(" ", 2)
				try:
					got = await asyncio.wait_for(conns[who].recv(), TIMEOUT)
				except websockets.ConnectionClosed as e:
					rc = e.rcvd
					check(rc is not None and (rc.code, rc.reason) ==
					    (int(code), reason), "%s: closed with %s" % (where,
					    (rc.code, rc.reason) if rc else "no close frame"))
					continue
				raise Fail("%s: got %r instead of the close" % (where, got))
			got = await asyncio.wait_for(conns[who].recv(), TIMEOUT)
			want, have = text.split(" "), got.split(" ")
			if want[0] == "welcome" and len(have) > 1:
				check(re.fullmatch(r"[A-Za-z0-9_-]{21}[AQgw]", have[1]),
				    "%s: token %r" % (where, have[1]))
				tokens[want[1]] = have[1]
				want[1] = have[1]
			check(have == want, "%s: got %r" % (where, got))
	finally:
		for c in conns.values():
			await c.close()


def with_relay(fn, *extra):
	port = free_port()
	p = start([os.path.join(B, "chatroom"), "--bind", "127.0.0.1", "-c",
	    str(port)] + list(extra))
	try:
		check(read_lines(p, 1).startswith("chatroom"), "relay did not start")
		fn(port)
	finally:
		if p.poll() is None:
			stop(p, "chatroom")
		else:
			raise Fail("the relay died (exit %d)" % p.returncode)


def check_transcript():
	all_steps = transcripts()
	check(len(all_steps) >= 2, "sanctuary.7: want the version 1 and 2 "
	    "transcripts, found %d" % len(all_steps))
	for steps in all_steps:
		check(len(steps) > 20, "transcript too short")
		with_relay(lambda port: asyncio.run(replay(port, steps)))


def check_websockets_example():
	lit = man_literal_after("man/sanctuary.7", "$ python3 -m websockets")
	lines = lit.splitlines()
	check(lines[0].startswith("$ python3 -m websockets ws://"),
	    "example block: %r" % lines[0])
	check(os.path.exists("/usr/lib/python3/dist-packages/websockets/"
	    "__main__.py"), "python3 -m websockets is not available")
	steps = [("x", ">", lines[1]), ("x", "<", lines[2])]
	with_relay(lambda port: asyncio.run(replay(port, steps)))


def vector():
	lit = man_literal_after("man/sanctuary.7", ".Ss Test vector")
	v, last = {}, None
	for line in lit.splitlines():
		m = re.match(r"(\S+(?: \S+)?)\s{2,}(.*)$", line)
		if m and not line.startswith(" "):
			last = m.group(1)
			v[last] = m.group(2).strip()
		elif last:
			v[last] += line.strip()
	for k in ("room key", "secret", "invite", "K (hex)", "P0", "nonce", "BODY"):
		check(k in v, "test vector lacks %r" % k)
	p0 = re.match(r'"(.*)"', v["P0"])
	check(p0, "P0 %r" % v["P0"])
	v["P0"] = p0.group(1).replace("\\n", "\n")
	return v


def b64u_decode(s):
	return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u(b):
	return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def check_vector_libsodium():
	v = vector()
	so = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
	check(so.sodium_init() >= 0, "sodium_init")
	rk, sec = b64u_decode(v["room key"]), b64u_decode(v["secret"])
	check(len(rk) == 16 and len(sec) == 32, "key/secret lengths")
	check(v["invite"].endswith("/#%s.%s" % (v["room key"], v["secret"])),
	    "invite %s" % v["invite"])
	h = ctypes.create_string_buffer(64)
	msg = b"sanctuary/1" + rk + sec
	check(so.crypto_hash_sha512(h, msg, ctypes.c_ulonglong(len(msg))) == 0,
	    "crypto_hash_sha512")
	k = h.raw[:32]
	check(k.hex() == v["K (hex)"], "K is %s" % k.hex())
	p0 = v["P0"].encode()
	buf = ctypes.create_string_buffer(p0, 256)
	plen = ctypes.c_size_t()
	check(so.sodium_pad(ctypes.byref(plen), buf, ctypes.c_size_t(len(p0)),
	    ctypes.c_size_t(256), ctypes.c_size_t(256)) == 0, "sodium_pad")
	check(plen.value == 256, "padded length %d" % plen.value)
	nonce = bytes.fromhex(v["nonce"])
	c = ctypes.create_string_buffer(16 + 256)
	check(so.crypto_secretbox_easy(c, buf, ctypes.c_ulonglong(256), nonce,
	    k) == 0, "crypto_secretbox_easy")
	body = b64u(nonce + c.raw)
	check(body == v["BODY"], "libsodium gives BODY %s" % body)
	raw = b64u_decode(v["BODY"])
	m = ctypes.create_string_buffer(len(raw) - 40)
	check(so.crypto_secretbox_open_easy(m, raw[24:],
	    ctypes.c_ulonglong(len(raw) - 24), raw[:24], k) == 0, "open")
	n = ctypes.c_size_t()
	check(so.sodium_unpad(ctypes.byref(n), m, ctypes.c_size_t(len(m.raw)),
	    ctypes.c_size_t(len(m.raw))) == 0 and m.raw[:n.value] == p0,
	    "sodium_unpad")


NODE_CHECK = r"""
import {createRequire} from 'node:module';
const [root, rk, secret, nonceHex, p0, body] = process.argv.slice(1);
const require = createRequire(root + '/');
globalThis.nacl = require(root + '/static/node_modules/tweetnacl/nacl-fast.js');
const C = await import('file://' + root + '/static/crypto.js');
const hex = (u) => Buffer.from(u).toString('hex');
const k = C.deriveKey(rk, C.b64uDecode(secret));
const [kind, alias, ...rest] = p0.split('\n');
const nonce = Uint8Array.from(Buffer.from(nonceHex, 'hex'));
const box = nacl.secretbox(C.pad(C.plainBytes(kind, alias, rest.join('\n'))),
    nonce, k);
const all = new Uint8Array(nonce.length + box.length);
all.set(nonce, 0); all.set(box, nonce.length);
console.log(JSON.stringify({k: hex(k), body: C.b64uEncode(all),
    open: C.open(k, body), bodyLength: C.bodyLength(p0.length),
    maxPlain: C.maxPlainBytes(65536, 'purr '.length + 32 + 1)}));
"""


def check_vector_client():
	v = vector()
	check(shutil.which("node"), "node is not installed")
	p = run(["node", "--input-type=module", "-e", NODE_CHECK, ROOT,
	    v["room key"], v["secret"], v["nonce"], v["P0"], v["BODY"]])
	r = json.loads(p.stdout)
	check(r["k"] == v["K (hex)"], "static/crypto.js derives K %s" % r["k"])
	check(r["body"] == v["BODY"], "static/crypto.js seals %s" % r["body"])
	kind, alias, text = v["P0"].split("\n", 2)
	check(r["open"] == {"kind": kind, "alias": alias, "text": text},
	    "static/crypto.js opens the BODY as %r" % r["open"])
	check(r["bodyLength"] == len(v["BODY"]) == 395, "BODY length %r" %
	    r["bodyLength"])
	page = read("man/sanctuary.7")
	check(r["maxPlain"] == 32767 and "at most 32767 bytes" in page,
	    "largest P0 is %r" % r["maxPlain"])


V2_NAMES = ("KI (hex)", "alice BPK", "alice SPK", "safety", "bob BPK", "EH",
    "M hello", "M msg", "M purr", "hello", "msg", "purr")


def vector2():
	lit = man_literal_after("man/sanctuary.7", ".Ss Version 2 test vector")
	v, last = {}, None
	for line in lit.splitlines():
		if line[:10].strip():
			last = line[:10].strip()
			v[last] = line[10:].strip()
		elif last:
			v[last] += line.strip()
	for k in V2_NAMES:
		check(k in v, "version 2 test vector lacks %r" % k)
	v["KI (hex)"] = v["KI (hex)"].replace(" ", "")
	return v


def v2_plain(v, name):
	"""M from its template line: quoted parts joined with BPK, SPK, EH."""
	out = []
	for quoted, word in re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', v[name]):
		if word:
			check(word in ("BPK", "SPK", "EH"), "%s: %r" % (name, word))
			out.append(v["alice " + word] if word != "EH" else v["EH"])
		else:
			out.append(quoted.replace("\\n", "\n"))
	return "".join(out)


def check_vector2_libsodium():
	"""test/docs/vector2.c computes the vector with libsodium, opens and
	verifies its own output; every field must equal the man page's."""
	v = vector2()
	with tempfile.TemporaryDirectory() as d:
		exe = os.path.join(d, "vector2")
		flags = run(["pkg-config", "--cflags", "--libs", "libsodium"]).stdout
		run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-o",
		    exe, "test/docs/vector2.c"] + flags.split())
		out = run([exe]).stdout
	got = {l[:10].strip(): l[10:] for l in out.splitlines()}
	for k, val in got.items():
		check(v.get(k) == val, "libsodium gives %s %s, the page %s" %
		    (k, val, v.get(k)))
	check(len(got) == len(V2_NAMES) - 3, "vector2 printed %d fields" %
	    len(got))


NODE_CHECK2 = r"""
import {createRequire} from 'node:module';
const [root, vjson] = process.argv.slice(1);
const v = JSON.parse(vjson);
const require = createRequire(root + '/');
globalThis.nacl = require(root + '/static/node_modules/tweetnacl/nacl-fast.js');
const C = await import('file://' + root + '/static/crypto.js');
const V = await import('file://' + root + '/static/crypto2.js');
const hex = (u) => Buffer.from(u).toString('hex');
const run = (first, n) => Uint8Array.from({length: n}, (_, i) => first + i);
const fields = (m) => {
	const p = m.split('\n');
	return {kind: p[0], from: p[1], to: p[2], seq: p[3], epoch: p[4],
	    text: p.slice(5).join('\n')};
};
const alice = V.memberKeys(run(0x60, 32), run(0x80, 32));
const bob = V.memberKeys(run(0xc0, 32));
const e = run(0xa0, 32);
const ki = V.inviteKey(v.roomKey, C.b64uDecode(v.secret));
const r = {
	ki: hex(ki), bpk: C.b64uEncode(alice.box.publicKey),
	spk: C.b64uEncode(alice.sign.publicKey),
	safety: V.safetyCode(alice.box.publicKey, alice.sign.publicKey),
	bobBpk: C.b64uEncode(bob.box.publicKey), eh: V.epochHash(e),
	hello: V.sealRoom(ki, fields(v.mHello), alice.sign.secretKey, run(0x40, 24)),
	msg: V.sealRoom(e, fields(v.mMsg), alice.sign.secretKey, run(0x50, 24)),
	purr: V.sealPurr(bob.box.publicKey, alice.box.secretKey, fields(v.mPurr),
	    alice.sign.secretKey, run(0x70, 24))
};
const opened = [V.openRoom(ki, v.hello), V.openRoom(e, v.msg),
    V.openPurr(alice.box.publicKey, bob.box.secretKey, v.purr)];
r.verified = opened.map((f) => !!f && f.verify(alice.sign.publicKey));
r.texts = opened.map((f) => f && f.text);
r.seqs = opened.map((f) => f && f.seq);
r.forged = [V.openRoom(e, v.msg).verify(bob.box.publicKey),
    V.openRoom(ki, v.msg), V.openPurr(bob.box.publicKey, bob.box.secretKey,
    v.purr)];
const w = new V.SeqWindow();
r.window = [1, 2, 2, 70, 5, 10, 10, 69].map((s) => w.accept(s));
const sealed = V.sealEpochFor(bob.box.publicKey, alice.box.secretKey,
    v.roomKey, C.b64uDecode(v.secret), e);
const back = V.openEpoch(alice.box.publicKey, bob.box.secretKey, sealed);
r.epoch = back && back.roomKey === v.roomKey && hex(back.e) === hex(e);
const keys = V.sealKeys(bob.box.publicKey, alice, fields(v.mMsg));
const k = V.openKeys(bob.box.secretKey, keys);
r.keys = !!k && k.verify(alice.sign.publicKey) &&
    hex(k.fromBpk) === hex(alice.box.publicKey);
console.log(JSON.stringify(r));
"""


def check_vector2_client():
	"""static/crypto2.js (tweetnacl) seals the man page's M lines into the
	man page's BODYs, opens and verifies them, and refuses forgeries."""
	v, v1 = vector2(), vector()
	arg = {"roomKey": v1["room key"], "secret": v1["secret"],
	    "mHello": v2_plain(v, "M hello"), "mMsg": v2_plain(v, "M msg"),
	    "mPurr": v2_plain(v, "M purr"), "hello": v["hello"],
	    "msg": v["msg"], "purr": v["purr"]}
	p = run(["node", "--input-type=module", "-e", NODE_CHECK2, ROOT,
	    json.dumps(arg)])
	r = json.loads(p.stdout)
	want = {"ki": v["KI (hex)"], "bpk": v["alice BPK"],
	    "spk": v["alice SPK"], "safety": v["safety"], "bobBpk": v["bob BPK"],
	    "eh": v["EH"], "hello": v["hello"], "msg": v["msg"],
	    "purr": v["purr"]}
	for k, val in want.items():
		check(r[k] == val, "static/crypto2.js gives %s %s, the page %s" %
		    (k, r[k], val))
	check(r["verified"] == [True, True, True], "verified %r" % r["verified"])
	check(r["texts"] == [arg[m].split("\n", 5)[5] for m in
	    ("mHello", "mMsg", "mPurr")], "texts %r" % r["texts"])
	check(r["seqs"] == [1, 2, 3], "seqs %r" % r["seqs"])
	check(r["forged"] == [False, None, None], "forgeries %r" % r["forged"])
	check(r["window"] == [True, True, False, True, False, True, False, True],
	    "replay window %r" % r["window"])
	check(r["epoch"] and r["keys"], "epoch %r, keys %r" % (r["epoch"],
	    r["keys"]))


# ------------------------------------------------------- install and units

def installed_tree(root):
	return sorted(os.path.relpath(os.path.join(d, f), root)
	    for d, _, fs in os.walk(root) for f in fs) + sorted(
	    os.path.relpath(os.path.join(d, s), root) + "/"
	    for d, ds, _ in os.walk(root) for s in ds
	    if os.path.islink(os.path.join(d, s)))


def expected_tree(prefix, unitdir):
	p = prefix.lstrip("/")
	u = unitdir.lstrip("/")
	return sorted([p + "/bin/chatroom", p + "/bin/servchat",
	    p + "/share/man/man7/sanctuary.7", p + "/share/man/man8/chatroom.8",
	    p + "/share/man/man8/servchat.8", u + "/chatroom.service",
	    u + "/servchat.service", "etc/sanctuary/chatroom.env",
	    "etc/sanctuary/servchat.env",
	    p + "/lib/sanctuary/certbot-deploy-hook"])


def unit_settings(path):
	s = {}
	for line in open(path, encoding="utf-8"):
		line = line.strip()
		if line and not line.startswith(("#", "[")) and "=" in line:
			k, v = line.split("=", 1)
			s.setdefault(k, []).append(v)
	return s


REQUIRED = {
	"DynamicUser": "yes", "ProtectSystem": "strict", "PrivateUsers": "yes",
	"RestrictAddressFamilies": "AF_INET AF_INET6",
	"SystemCallFilter": "@system-service", "MemoryDenyWriteExecute": "yes",
	"LimitCORE": "0", "StandardOutput": "null", "Restart": "on-failure",
	"NoNewPrivileges": "yes", "CapabilityBoundingSet": "",
}


def check_unit(root, bindir, daemon):
	"""One installed unit: paths, settings, verify, security."""
	path = os.path.join(root, "usr/local/lib/systemd/system",
	    daemon + ".service")
	s = unit_settings(path)
	check(not re.search(r"@[A-Z]+@", open(path).read()),
	    "%s: a placeholder is left" % path)
	check(s.get("ExecStart") == ["%s/%s $%s_OPTS" % (bindir, daemon,
	    daemon.upper())], "ExecStart %r" % s.get("ExecStart"))
	check(s.get("EnvironmentFile") == ["-/etc/sanctuary/%s.env" % daemon],
	    "EnvironmentFile %r" % s.get("EnvironmentFile"))
	check(s.get("Environment") == ["GLIBC_TUNABLES=" + TUNABLES],
	    "Environment %r" % s.get("Environment"))
	for k, want in REQUIRED.items():
		check(s.get(k) == [want], "%s: %s=%r, want %r" % (daemon, k,
		    s.get(k), want))
	# verify wants ExecStart to exist: point it into the DESTDIR copy.
	with tempfile.TemporaryDirectory() as d:
		text = open(path).read().replace("ExecStart=" + bindir,
		    "ExecStart=" + root + bindir)
		copy = os.path.join(d, daemon + ".service")
		with open(copy, "w") as f:
			f.write(text)
		p = run(["systemd-analyze", "verify", "--man=no", copy], ok=False)
		check(p.returncode == 0 and not p.stdout.strip() and
		    not p.stderr.strip(), "systemd-analyze verify: %s" %
		    (p.stdout + p.stderr).strip())
	return exposure(path, daemon)


def exposure(path, daemon):
	p = run(["systemd-analyze", "security", "--offline=true", path], ok=False)
	m = re.search(r"Overall exposure level for %s\.service: (\d+\.\d)" %
	    daemon, p.stdout)
	check(m, "systemd-analyze security: %s" % (p.stdout + p.stderr)[-400:])
	e = float(m.group(1))
	check(e <= EXPOSURE_MAX, "%s.service exposure %.1f > %.1f" % (daemon, e,
	    EXPOSURE_MAX))
	return e


def check_install():
	root = tempfile.mkdtemp(prefix="sanctuary-destdir-")
	try:
		make("install", "DESTDIR=" + root)
		tree = installed_tree(root)
		want = expected_tree("/usr/local", "/usr/local/lib/systemd/system")
		check(tree == want, "installed tree %s" % tree)
		for f in want:
			mode = os.stat(os.path.join(root, f)).st_mode & 0o777
			check(mode == (0o755 if "/bin/" in f or
			    f.endswith("-hook") else 0o644),
			    "%s has mode %o" % (f, mode))
		v = version()
		for d in DAEMONS:
			out = run([os.path.join(root, "usr/local/bin", d), "--version"])
			check(out.stdout.strip() == "%s (Sanctuary) %s" % (d, v),
			    "installed %s --version: %r" % (d, out.stdout))
			check(run(["cmp", os.path.join(root, "etc/sanctuary", d + ".env"),
			    "%s/%s.env" % (d, d)], ok=False).returncode == 0,
			    "%s.env differs from the shipped one" % d)
		exp = [check_unit(root, "/usr/local/bin", d) for d in DAEMONS]
		claimed = re.search(r"rates both units at (\d\.\d)", read("README.md"))
		check(claimed and all(float(claimed.group(1)) == e for e in exp),
		    "README claims exposure %s, units score %s" % (claimed and
		    claimed.group(1), exp))
		# README: systemctl enable --now / disable --now (offline: no PID 1).
		run(["systemctl", "--root=" + root, "enable", "chatroom", "servchat"])
		wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants")
		check(sorted(os.listdir(wants)) == ["chatroom.service",
		    "servchat.service"], "enable made %s" % os.listdir(wants))
		run(["systemctl", "--root=" + root, "disable", "chatroom", "servchat"])
		left = os.listdir(wants) if os.path.isdir(wants) else []
		check(not left, "disable left %s" % left)
		shutil.rmtree(os.path.join(root, "etc/systemd"), ignore_errors=True)
		# An edited .env survives install and uninstall.
		env = os.path.join(root, "etc/sanctuary/chatroom.env")
		with open(env, "a") as f:
			f.write("# edited\n")
		make("install", "DESTDIR=" + root)
		check(open(env).read().endswith("# edited\n"),
		    "install overwrote an edited .env")
		make("uninstall", "DESTDIR=" + root)
		check(installed_tree(root) == ["etc/sanctuary/chatroom.env"],
		    "uninstall with an edited .env left %s" % installed_tree(root))
		os.unlink(env)
		make("install", "DESTDIR=" + root)
		make("uninstall", "DESTDIR=" + root)
		left = installed_tree(root)
		check(not left, "uninstall left %s" % left)
		check(not os.path.exists(os.path.join(root, "etc/sanctuary")),
		    "uninstall left etc/sanctuary/")
	finally:
		shutil.rmtree(root, ignore_errors=True)


def check_install_prefix():
	"""README: sudo make install PREFIX=/usr."""
	root = tempfile.mkdtemp(prefix="sanctuary-destdir-")
	try:
		make("install", "PREFIX=/usr", "DESTDIR=" + root)
		tree = installed_tree(root)
		check(tree == expected_tree("/usr", "/usr/lib/systemd/system"),
		    "installed tree %s" % tree)
		s = unit_settings(os.path.join(root,
		    "usr/lib/systemd/system/chatroom.service"))
		check(s.get("ExecStart") == ["/usr/bin/chatroom $CHATROOM_OPTS"],
		    "ExecStart %r" % s.get("ExecStart"))
		make("uninstall", "PREFIX=/usr", "DESTDIR=" + root)
		check(not installed_tree(root), "uninstall left %s" %
		    installed_tree(root))
	finally:
		shutil.rmtree(root, ignore_errors=True)


def syscall_groups():
	out = run(["systemd-analyze", "syscall-filter"]).stdout
	groups, cur = {}, None
	for line in out.splitlines():
		if line.startswith("@"):
			cur = groups.setdefault(line.strip(), set())
		elif cur is not None and line.strip() and not line.strip().startswith(
		    "#"):
			cur.add(line.strip())
	return groups


def expand(name, groups, seen=None):
	seen = set() if seen is None else seen
	if not name.startswith("@"):
		return {name}
	if name in seen:
		return set()
	seen.add(name)
	out = set()
	for m in groups.get(name, ()):
		out |= expand(m, groups, seen)
	return out


def exercise(daemon, port):
	if daemon == "chatroom":
		async def session():
			async with websockets.connect("ws://127.0.0.1:%d/" % port,
			    compression=None, open_timeout=TIMEOUT) as a, \
			    websockets.connect("ws://127.0.0.1:%d/" % port,
			    compression=None, open_timeout=TIMEOUT) as b:
				key = b64u(os.urandom(16))
				await a.send("create 1 %s a owner" % key)
				await asyncio.wait_for(a.recv(), TIMEOUT)
				await b.send("join 1 %s b" % key)
				await asyncio.wait_for(b.recv(), TIMEOUT)
				await a.send("msg QUJD")
				await asyncio.wait_for(b.recv(), TIMEOUT)
				await a.send("exit")
		asyncio.run(session())
		check(ws_handshake("127.0.0.1", port).startswith("HTTP/1.1 101"),
		    "handshake")
	else:
		for path, method in (("/", "GET"), ("/", "HEAD"), ("/api/key", "GET"),
		    ("/api/config", "GET"), ("/nope", "GET"), ("/", "POST")):
			http_get("127.0.0.1", port, path, method)


def check_sandbox(daemon):
	"""The daemon under strace: what the unit's sandbox would refuse."""
	unit = unit_settings("%s/%s.service" % (daemon, daemon))
	allowed = set()
	groups = syscall_groups()
	for f in unit["SystemCallFilter"]:
		for n in f.split():
			allowed |= expand(n, groups)
	families = set(unit["RestrictAddressFamilies"][0].split())
	port = free_port()
	args = ["--bind", "127.0.0.1"] + (["-c", str(port)] if daemon ==
	    "chatroom" else ["-s", str(port), "-c", str(free_port())])
	with tempfile.NamedTemporaryFile(prefix="sanctuary-strace-") as tr:
		p = start(["strace", "-f", "-q", "-o", tr.name, "--",
		    os.path.join(B, daemon)] + args)
		try:
			check(read_lines(p, 1).startswith(daemon), "%s did not start "
			    "under strace: %s" % (daemon, p.stderr.read1(4096) if
			    p.poll() is not None else ""))
			exercise(daemon, port)
		finally:
			kids = run(["pgrep", "-P", str(p.pid)], ok=False).stdout.split()
			for k in kids:
				os.kill(int(k), signal.SIGINT)
			try:
				p.wait(timeout=TIMEOUT)
			except subprocess.TimeoutExpired:
				p.kill()
				p.wait()
		trace = open(tr.name, encoding="utf-8", errors="replace").read()
	used = set(re.findall(r"^\d+\s+(?:<\.\.\. )?([a-z_][a-z0-9_]*)[( ]",
	    trace, re.M))
	check(len(used) > 10, "strace saw %d system calls" % len(used))
	check(not used - allowed, "%s uses system calls outside %s: %s" % (daemon,
	    " ".join(unit["SystemCallFilter"]), " ".join(sorted(used - allowed))))
	fams = set(re.findall(r"\bsocket\((AF_[A-Z0-9]+)", trace))
	check(not fams - families, "%s opens %s sockets" % (daemon,
	    " ".join(sorted(fams - families))))
	wx = re.findall(r"^\d+\s+(?:mmap|mprotect|pkey_mprotect)\(.*PROT_EXEC.*$",
	    trace, re.M)
	bad = [l for l in wx if "mprotect" in l or "PROT_WRITE" in l]
	check(not bad, "MemoryDenyWriteExecute would refuse: %s" % bad[:2])
	check(re.search(r"^\d+\s+\+\+\+ exited with 0 \+\+\+", trace, re.M),
	    "%s did not exit 0 after SIGINT" % daemon)


# ------------------------------------------------------- README commands

def readme_commands():
	"""Every command of README.md: the lines of sh blocks, and inline code
	that starts like a command."""
	text = read("README.md")
	cmds = []
	# Blocks indented inside a list item count too.
	for block in re.findall(r"^ *```sh\n(.*?)^ *```", text, re.M | re.S):
		for line in block.replace("\\\n", " ").splitlines():
			line = re.sub(r"\s+#.*$", "", line).strip().removeprefix("$ ")
			if line and not line.startswith("#") and line not in cmds:
				cmds.append(line)
	starts = ("make", "sudo ", "build/chatroom", "build/servchat", "man ", "systemctl ",
	    "systemd-analyze ", "chatroom ", "servchat ", "python3 ")
	prose = re.sub(r"^ *```.*?^ *```", "", text, flags=re.M | re.S)
	for span in re.findall(r"`([^`\n]+)`", prose):
		if span.startswith(starts) and span not in cmds:
			cmds.append(span)
	return cmds


def cmd_make_run(_):
	"""make run, bounded: wait for the addresses, then Ctrl+C."""
	cp, sp = free_port(), free_port()
	env = dict(make_env(), SERVPORT=str(sp), CHATPORT=str(cp))
	p = subprocess.Popen(["make", "--no-print-directory", "B=" + MAKE_B,
	    "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT, start_new_session=True)
	processes.append(p)
	out, end = "", time.monotonic() + 120
	while "Press Ctrl+C" not in out and time.monotonic() < end:
		r, _, _ = select.select([p.stdout], [], [], 1)
		if r:
			d = os.read(p.stdout.fileno(), 4096)
			if not d:
				break
			out += d.decode(errors="replace")
	try:
		check("Press Ctrl+C" in out, "make run printed %r" % out[-500:])
		check("http://localhost:%d/" % sp in out, "no local address in %r" %
		    out)
		check(re.search(r"^chatroom: .*:%d/$" % cp, out, re.M) and
		    re.search(r"^servchat .*:%d/$" % sp, out, re.M),
		    "daemon banners missing: %r" % out)
	finally:
		os.killpg(p.pid, signal.SIGINT)	# what Ctrl+C does
		try:
			rc = p.wait(timeout=TIMEOUT)
		except subprocess.TimeoutExpired:
			os.killpg(p.pid, signal.SIGKILL)
			p.wait()
			raise Fail("make run did not stop on Ctrl+C")
	# make itself dies of the SIGINT it forwards to nobody; mk/run.sh exits 0.
	check(rc in (0, -signal.SIGINT), "make run exited %d" % rc)
	for _ in range(50):
		if run(["pgrep", "-g", str(p.pid)], ok=False).returncode != 0:
			break
		time.sleep(0.1)
	else:
		raise Fail("processes of make run survived Ctrl+C")


def cmd_run_sh():
	"""mk/run.sh alone, as make run runs it: Ctrl+C gives exit status 0."""
	cp, sp = free_port(), free_port()
	env = dict(os.environ, SERVPORT=str(sp), CHATPORT=str(cp))
	p = subprocess.Popen(["sh", "mk/run.sh", B], cwd=ROOT, env=env,
	    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
	    start_new_session=True)
	processes.append(p)
	out, end = "", time.monotonic() + 30
	while "Press Ctrl+C" not in out and time.monotonic() < end:
		r, _, _ = select.select([p.stdout], [], [], 1)
		if r:
			d = os.read(p.stdout.fileno(), 4096)
			if not d:
				break
			out += d.decode(errors="replace")
	os.killpg(p.pid, signal.SIGINT)
	try:
		rc = p.wait(timeout=TIMEOUT)
	except subprocess.TimeoutExpired:
		os.killpg(p.pid, signal.SIGKILL)
		p.wait()
		raise Fail("mk/run.sh did not stop on Ctrl+C")
	check("Press Ctrl+C" in out, "mk/run.sh printed %r" % out[-500:])
	check(rc == 0, "mk/run.sh exited %d after Ctrl+C" % rc)


def cmd_make_check(_):
	ci = read(".ci/run")
	check(re.search(r"^make check$", ci, re.M), ".ci/run does not run make check")


def cmd_make(_):
	make()


def cmd_make_deps(_):
	# Installs nothing when make check got this far: everything is there.
	make("deps")


def cmd_make_bench(line):
	# Benchmarks take minutes and pass or fail nothing: the target is checked
	# with make -n and its C load generator and driver are built and asked for
	# their usage, so neither rots; the figures come from a run by hand.
	make("-n", *shlex.split(line)[1:])
	make(MAKE_B + "/test/loadgen")
	p = run([os.path.join(ROOT, MAKE_B, "test/loadgen"), "--help"], ok=False)
	check(p.returncode == 0 and "--mode" in p.stdout + p.stderr,
	    "loadgen --help printed %r" % (p.stdout + p.stderr)[:200])
	p = run(["/usr/bin/python3", os.path.join(ROOT, "test/bench/bench.py"),
	    "--help"])
	check("--only" in p.stdout, "bench.py --help printed %r" % p.stdout[:200])


def cmd_make_slow3g(_):
	# A benchmark: the target is checked with make -n, its script parsed.
	p = make("-n", "bench-slow3g")
	check("slow3g.mjs" in p.stdout, "make -n bench-slow3g runs no slow3g.mjs")
	run(["node", "--check", os.path.join(ROOT, "test/bench/slow3g.mjs")])


def cmd_make_nobundle(_):
	# What the build would do from scratch: embed, and no esbuild.
	p = make("-n", "-B", "NOBUNDLE=1", MAKE_B + "/servchat")
	check("bundle.mjs" not in p.stdout and "EMBED" in p.stdout,
	    "make NOBUNDLE=1 still bundles, or embeds nothing")


def cmd_make_suite(_):
	check("make --no-print-directory \"$s\"" in read("mk/check.sh"),
	    "make check no longer runs each suite as make SUITE")


def cmd_help(line):
	argv = shlex.split(line)
	daemon = os.path.basename(argv[0])
	p = run([os.path.join(B, daemon)] + argv[1:])
	check(p.stdout.startswith("Usage: %s" % daemon), "%s printed %r" % (line,
	    p.stdout[:80]))


def cmd_man(line):
	argv = shlex.split(line)
	check(shutil.which("man"), "man is not installed (Debian package man-db)")
	env = dict(os.environ, MANPAGER="cat", MANWIDTH="80")
	p = run(argv, env=env)
	check("NAME" in p.stdout, "%s printed no NAME section" % line)


COMMANDS = [
	(r"make run", cmd_make_run, "run, Ctrl+C after the addresses"),
	(r"make check", cmd_make_check, "run by .ci/run"),
	(r"make", cmd_make, "run"),
	(r"make deps", cmd_make_deps, "run"),
	(r'make bench( BENCH_ARGS="[^"]*")?', cmd_make_bench, "make -n bench, "
	    "and the load generator and driver built and run with --help (a "
	    "benchmark passes or fails nothing; its figures come from a run by "
	    "hand)"),
	(r"make SUITE", cmd_make_suite, "what make check runs for each suite"),
	(r"make bench-slow3g", cmd_make_slow3g, "make -n bench-slow3g and node "
	    "--check of slow3g.mjs (a benchmark passes or fails nothing)"),
	(r"make NOBUNDLE=1", cmd_make_nobundle, "make -n -B NOBUNDLE=1: no "
	    "esbuild in the plan"),
	(r"make clean", None, "by hand (removes build/)"),
	(r"(sudo )?make install( PREFIX=/usr)?", None,
	    "check 'install' / 'install-prefix' (with DESTDIR)"),
	(r"(sudo )?make uninstall", None, "check 'install' (with DESTDIR)"),
	(r"sudo systemctl (enable|disable) --now chatroom servchat", None,
	    "check 'install': systemctl --root enable/disable (no systemd as "
	    "PID 1 here, so no --now)"),
	(r"sudo systemctl restart chatroom servchat", None,
	    "check 'install': systemd-analyze verify (no systemd as PID 1 here)"),
	(r"systemd-analyze security", None, "check 'install'"),
	(r"build/(chatroom|servchat) --(help|usage|version)", cmd_help, "run"),
	(r"man -l man/\S+", cmd_man, "run"),
	(r"make cross( ARCH=(arm64|armhf|armel))?", None, "suite 'cross' "
	    "(make cross ARCH=arm64 and armel inside it)"),
	(r"make cross-check", None, "suite 'cross' and make cross ARCH=armhf"),
	(r"make cross-figures ARCH=\S+", None, "by hand (figures, no verdict)"),
	(r"dpkg-buildpackage -us -uc -b", None, "suite 'deb'"),
	(r"make deb-cross ARCH=(arm64|armhf|armel)", None, "make cross-check "
	    "(dpkg-buildpackage -aARCH and lintian)"),
	(r"sudo apt (install \.\./sanctuary_\S+\.deb|purge sanctuary)", None,
	    "suite 'deb': dpkg --root -i / --purge in a throw-away root"),
	(r"systemctl restart chatroom", None, "suite 'deb': the upgrade "
	    "leaves chatroom running (maintainer scripts)"),
	(r"sudo apt install certbot ssl-cert", None, "by hand (packages)"),
	(r"sudo certbot (certonly|renew) .*", None, "by hand: Let's Encrypt "
	    "needs a public name; suite 'http' (test_tls.py) runs the deploy "
	    "hook and the reload it asks for"),
	(r"sudo systemctl edit (chatroom|servchat)", None, "by hand (an "
	    "editor); the drop-in's options are those of suite 'http'"),
	(r"(build/)?(chatroom|servchat)( .*)?", run_daemon_line,
	    "run on loopback ports, probed, stopped by SIGINT"),
]


def check_readme_commands():
	unknown = []
	for line in readme_commands():
		for pat, fn, how in COMMANDS:
			if re.fullmatch(pat, line):
				print("#    README `%s`: %s" % (line, how), flush=True)
				if fn is None:
					break
				try:
					fn(line)
				except Fail as e:
					raise Fail("%s: %s" % (line, e))
				break
		else:
			unknown.append(line)
	check(not unknown, "README commands no test runs: %s" % unknown)


def check_env_files():
	for d in DAEMONS:
		text = read("%s/%s.env" % (d, d))
		lines = re.findall(r"^#?%s_OPTS=(.*)$" % d.upper(), text, re.M)
		check(len(lines) >= 2, "%s.env: no OPTS lines" % d)
		for opts in lines:
			run_daemon_line(d + " " + opts)


def check_man_examples():
	for d in DAEMONS:
		for page in PAGES:
			src = read(page).replace("\\e\n", " ")
			for m in re.finditer(r"^(?:\.Dl )?\$ (%s .*)$" % d, src, re.M):
				run_daemon_line(" ".join(m.group(1).split()))
			for m in re.finditer(r"^%s_OPTS=(.*)$" % d.upper(), src, re.M):
				run_daemon_line(d + " " + m.group(1))


def main():
	os.chdir(ROOT)
	for d in DAEMONS:
		test("%s: SYNOPSIS equals --usage" % d, check_synopsis, d)
		test("%s: options, arguments, defaults, ranges" % d, check_options, d)
		test("%s: README options table" % d, check_readme_options, d)
	test("versions in man pages", check_versions)
	test("sanctuary.7: session transcript on the real relay", check_transcript)
	test("sanctuary.7: python3 -m websockets example", check_websockets_example)
	test("sanctuary.7: test vector with libsodium", check_vector_libsodium)
	test("sanctuary.7: test vector with static/crypto.js",
	    check_vector_client)
	test("sanctuary.7: version 2 test vector with libsodium",
	    check_vector2_libsodium)
	test("sanctuary.7: version 2 test vector with static/crypto2.js",
	    check_vector2_client)
	test("README: nginx example equals sanctuary.7", check_readme_nginx)
	test("README: quick start", check_quick_start)
	test("README: every suite of make check", check_readme_suites)
	test("install, units, uninstall", check_install)
	test("install-prefix: PREFIX=/usr", check_install_prefix)
	for d in DAEMONS:
		test("%s: runs inside its unit's sandbox (strace)" % d, check_sandbox, d)
	test(".env option lines start", check_env_files)
	test("man page EXAMPLES start", check_man_examples)
	test("mk/run.sh: Ctrl+C exits 0", cmd_run_sh)
	test("README: every command runs", check_readme_commands)
	for p in processes:
		if p.poll() is None:
			p.kill()
			p.wait()
	print("docs: %d passed, %d failed" % tuple(results))
	return 1 if results[1] or not results[0] else 0


if __name__ == "__main__":
	sys.exit(main())
