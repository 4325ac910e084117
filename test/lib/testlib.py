"""
testlib.py: what the Python suites that start the real daemons share (test/ws
harness.py, test/conformance wslib.py and through it test/abuse): checks,
keys, free loopback ports, a drained output pipe, the client frame encoder,
the opening handshake request and the daemon starter. Run with
/usr/bin/python3.
"""

import base64
import ctypes
import hashlib
import os
import signal
import socket
import struct
import subprocess
import threading
import time

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOOPBACK = {"v4": "127.0.0.1", "v6": "::1"}


class Fail(Exception):
	"""A check failed."""


def check(cond, what):
	if not cond:
		raise Fail(what)


def short(v, n=160):
	r = repr(v)
	return r if len(r) <= n else r[:n] + "...(%d chars)" % len(r)


def eq(got, want, what=""):
	if got != want:
		raise Fail("%sgot %s, want %s" % (what + ": " if what else "",
		    short(got), short(want)))


def room_key():
	"""A fresh canonical room key: base64url of 16 random bytes, 22 chars."""
	return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def ws_key():
	return base64.b64encode(os.urandom(16)).decode()


def ws_accept(key):
	return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID)
	    .digest()).decode()


def free_port(fam):
	af = socket.AF_INET if fam == "v4" else socket.AF_INET6
	s = socket.socket(af, socket.SOCK_STREAM)
	try:
		s.bind((LOOPBACK[fam], 0))
		return s.getsockname()[1]
	finally:
		s.close()


class Pipe:
	"""Drains one of a daemon's output pipes in a thread (a chatty daemon
	must not block on a full pipe) and keeps everything it printed."""

	def __init__(self, f):
		self.data = b""
		self.cond = threading.Condition()
		self.eof = False
		self.thread = threading.Thread(target=self._run, args=(f,),
		    daemon=True)
		self.thread.start()

	def _run(self, f):
		while True:
			b = os.read(f.fileno(), 65536)
			with self.cond:
				if b:
					self.data += b
				else:
					self.eof = True
				self.cond.notify_all()
			if not b:
				return

	def wait_lines(self, n, timeout):
		"""What was printed once it holds n lines, at EOF or at timeout."""
		end = time.monotonic() + timeout
		with self.cond:
			while self.data.count(b"\n") < n and not self.eof:
				left = end - time.monotonic()
				if left <= 0:
					break
				self.cond.wait(left)
			return self.data

	def wait_eof(self, timeout):
		self.thread.join(timeout)
		return self.data


# ---------------------------------------------------------------- frames

def mask_bytes(payload, key):
	"""payload XOR the 4-byte key repeated (RFC 6455 5.3)."""
	n = len(payload)
	if n == 0:
		return b""
	k = int.from_bytes((key * ((n + 3) // 4))[:n], "big")
	return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")


def frame(op, payload=b"", fin=True, rsv=0, mask=True, length=None,
    declared=None):
	"""One client frame. length: None (minimal), "16" or "64" forces a length
	form; declared: a payload length to announce instead of the real one."""
	if isinstance(payload, str):
		payload = payload.encode()
	b0 = (0x80 if fin else 0) | (rsv & 7) << 4 | (op & 0xf)
	n = len(payload) if declared is None else declared
	mbit = 0x80 if mask else 0
	if length == "64" or (length is None and n > 0xffff):
		head = struct.pack("!BBQ", b0, mbit | 127, n)
	elif length == "16" or (length is None and n > 125):
		head = struct.pack("!BBH", b0, mbit | 126, n)
	else:
		head = struct.pack("!BB", b0, mbit | n)
	if not mask:
		return head + payload
	k = os.urandom(4)
	return head + k + mask_bytes(payload, k)


def request(hostport, key=None, method="GET", path="/", version="13",
    origin=None, extra=(), omit=(), eol="\r\n"):
	"""An opening handshake request. omit: header names (lowercase) to
	leave out; extra: more "Name: value" lines appended."""
	if key is None:
		key = ws_key()
	hdrs = [("host", "Host: " + hostport),
	    ("upgrade", "Upgrade: websocket"),
	    ("connection", "Connection: Upgrade"),
	    ("sec-websocket-key", "Sec-WebSocket-Key: " + key),
	    ("sec-websocket-version", "Sec-WebSocket-Version: " + version)]
	if origin is not None:
		hdrs.append(("origin", "Origin: " + origin))
	lines = ["%s %s HTTP/1.1" % (method, path)]
	lines += [l for n, l in hdrs if n not in omit]
	lines += list(extra)
	return (eol.join(lines) + eol + eol).encode("latin-1")


# ---------------------------------------------------------------- daemons

def die_with_parent():
	"""In the child: SIGKILL when the test process dies, so that no daemon
	outlives a crashed or killed suite."""
	try:
		ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
	except Exception:
		pass


class Started:
	"""A daemon that printed its banner: proc, out and err (Pipes), port,
	argv and banner (its first stdout line)."""

	def __init__(self, **kw):
		self.__dict__.update(kw)


def start_daemon(argv_for, fam, banner_ok, timeout):
	"""Starts a daemon on a free loopback port of fam. argv_for(port) is its
	command line; banner_ok(line, port) judges its first stdout line. A
	daemon that lost the race for its port ("in use" on stderr) is tried
	again on another, up to 5 times. Returns a Started; raises Fail with
	what it printed otherwise."""
	last = ""
	for _ in range(5):
		port = free_port(fam)
		argv = argv_for(port)
		proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
		    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
		    preexec_fn=die_with_parent)
		out, err = Pipe(proc.stdout), Pipe(proc.stderr)
		data = out.wait_lines(1, timeout)
		line = data.split(b"\n")[0].decode(errors="replace")
		if b"\n" in data and banner_ok(line, port):
			return Started(proc=proc, out=out, err=err, port=port,
			    argv=argv, banner=line)
		# A daemon that fails exits by itself; one that printed a
		# wrong banner is killed.
		try:
			proc.wait(timeout)
		except subprocess.TimeoutExpired:
			proc.kill()
			proc.wait()
		last = "argv %s: stdout %s stderr %s" % (argv, short(data),
		    short(err.wait_eof(1)))
		if b"in use" not in err.data:
			break
	raise Fail("daemon did not start with a banner: " + last)


# A throw-away CA and one server pair for it, made by certtool (Debian's
# gnutls-bin) at test time: for the suites that run a daemon over TLS.
PKI_TEMPLATES = {
	"ca": 'cn = "Sanctuary test CA"\nca\ncert_signing_key\n'
	    'expiration_days = 2\n',
	"srv": 'cn = "sanctuary.test"\ndns_name = "sanctuary.test"\n'
	    'ip_address = "127.0.0.1"\nip_address = "::1"\n'
	    'tls_www_server\nsigning_key\nencryption_key\n'
	    'expiration_days = 2\n',
}


def make_pki(d):
	"""d/ca.pem, d/srv.pem and d/srv.key (ECDSA; names sanctuary.test,
	127.0.0.1 and ::1). Returns (ca, cert, key) paths."""
	p = lambda n: os.path.join(d, n)  # noqa: E731

	def certtool(*args):
		subprocess.run(["certtool"] + list(args), check=True,
		    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	for name, t in PKI_TEMPLATES.items():
		with open(p(name + ".tmpl"), "w") as f:
			f.write(t)
		certtool("--generate-privkey", "--key-type", "ecdsa",
		    "--outfile", p(name + ".key"))
	certtool("--generate-self-signed", "--load-privkey", p("ca.key"),
	    "--template", p("ca.tmpl"), "--outfile", p("ca.pem"))
	certtool("--generate-certificate", "--load-privkey", p("srv.key"),
	    "--load-ca-certificate", p("ca.pem"), "--load-ca-privkey",
	    p("ca.key"), "--template", p("srv.tmpl"), "--outfile", p("srv.pem"))
	return p("ca.pem"), p("srv.pem"), p("srv.key")
