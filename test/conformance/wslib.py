"""
wslib.py: what the conformance and abuse suites share.

A blocking raw-socket WebSocket client that writes frames of test/lib's
encoder (malformed ones built byte by byte, written whole or in chops), the
real daemons on loopback with ephemeral ports (started by test/lib), and
small helpers. Every wait is bounded by a deadline. Run with /usr/bin/python3
only.
"""

import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))

# room_key, free_port, request and ws_key are not used here: the suites take
# them from wslib.
from testlib import (LOOPBACK, Fail, check, eq, frame,  # noqa: E402,F401
    free_port, make_pki, request, room_key, short, start_daemon, ws_accept,
    ws_key)

TIMEOUT = 5.0		# bound of any single wait for a daemon

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def body(n, tag=""):
	"""n bytes of visible ASCII (0x21..0x7e), starting with tag."""
	alpha = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	t = tag.encode()[:n]
	reps = (n - len(t)) // len(alpha) + 1
	return (t + alpha * reps)[:n].decode()


# ---------------------------------------------------------------- frames

def text(s, fin=True, **kw):
	return frame(OP_TEXT, s, fin=fin, **kw)


def cont(s, fin=True, **kw):
	return frame(OP_CONT, s, fin=fin, **kw)


def close_frame(code=None, reason=b"", **kw):
	if isinstance(reason, str):
		reason = reason.encode()
	p = b"" if code is None else struct.pack("!H", code) + reason
	return frame(OP_CLOSE, p, **kw)


# ---------------------------------------------------------------- client

class Closed(Exception):
	"""The connection ended: kind is "eof" or "reset"."""

	def __init__(self, kind):
		Exception.__init__(self, kind)
		self.kind = kind


class WS:
	"""A raw blocking client. chop: None (write whole) or a write size;
	tls: an ssl.SSLContext for wss (each chop is then one TLS record)."""

	def __init__(self, fam, host, port, name="c", rcvbuf=None, chop=None,
	    src=None, mss=None, tls=None):
		self.name = name
		self.chop = chop
		self.fam = fam
		self.hostport = ("%s:%d" if fam == "v4" else "[%s]:%d") % (host,
		    port)
		af = socket.AF_INET if fam == "v4" else socket.AF_INET6
		self.s = socket.socket(af, socket.SOCK_STREAM)
		if rcvbuf is not None:
			self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
		if mss is not None:
			self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
		self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		if src is not None:
			self.s.bind((src, 0))
		self.s.settimeout(TIMEOUT)
		try:
			self.s.connect((host, port))
		except OSError as e:
			self.s.close()
			raise Fail("%s: connect: %r" % (name, e))
		if tls is not None:
			try:
				self.s = tls.wrap_socket(self.s,
				    server_hostname="sanctuary.test")
			except (OSError, ssl.SSLError) as e:
				self.s.close()
				raise Fail("%s: TLS handshake: %r" % (name, e))
		self.buf = bytearray()
		self.send_failed = None
		self.frag = None
		self.pings = []

	def __repr__(self):
		return self.name

	# -- bytes

	def send(self, data, chop=-1):
		"""Writes data, in writes of chop bytes if set. A send refused
		because the peer closed is recorded, not raised: a failed
		connection is what many cases expect."""
		if chop == -1:
			chop = self.chop
		if self.send_failed is not None:
			return False
		step = len(data) if not chop else chop
		try:
			for i in range(0, len(data), max(step, 1)):
				self.s.sendall(data[i:i + step])
		except (BrokenPipeError, ConnectionResetError, ssl.SSLError) as e:
			self.send_failed = e.__class__.__name__
			return False
		except socket.timeout:
			raise Fail("%s: send timed out" % self.name)
		return True

	def _fill(self, deadline):
		left = deadline - time.monotonic()
		if left <= 0:
			raise Fail("%s: nothing received in time" % self.name)
		self.s.settimeout(left)
		try:
			b = self.s.recv(1 << 16)
		except socket.timeout:
			raise Fail("%s: nothing received in time" % self.name)
		except (ConnectionResetError, ssl.SSLError):
			# Over TLS a record cut short is as good as a reset.
			raise Closed("reset")
		if not b:
			raise Closed("eof")
		self.buf += b

	def _take(self, n, deadline):
		while len(self.buf) < n:
			self._fill(deadline)
		b = bytes(self.buf[:n])
		del self.buf[:n]
		return b

	def read_until(self, sep, timeout=TIMEOUT, limit=65536):
		deadline = time.monotonic() + timeout
		while sep not in self.buf:
			check(len(self.buf) < limit, "%s: no %r in %d bytes" % (
			    self.name, sep, limit))
			self._fill(deadline)
		i = self.buf.index(sep) + len(sep)
		b = bytes(self.buf[:i])
		del self.buf[:i]
		return b

	# -- HTTP

	def handshake(self, path="/", extra=(), expect=101):
		"""Sends the opening handshake; returns (status, headers dict of
		lists). With expect set, the status must be that."""
		key = ws_key()
		self.send(request(self.hostport, key=key, path=path, extra=extra))
		try:
			head = self.read_until(b"\r\n\r\n")
		except Closed as e:
			raise Fail("%s: connection %s before the HTTP response" % (
			    self.name, e.kind))
		lines = head.decode("latin-1").split("\r\n")
		m = re.match(r"^HTTP/1\.1 (\d{3}) ", lines[0] + " ")
		check(m, "%s: bad status line %s" % (self.name, short(lines[0])))
		st = int(m.group(1))
		hdrs = {}
		for l in lines[1:]:
			if l:
				k, _, v = l.partition(":")
				hdrs.setdefault(k.strip().lower(), []).append(v.strip())
		self.status, self.headers = st, hdrs
		if expect is not None:
			eq(st, expect, "%s handshake status" % self.name)
		if st == 101:
			eq(hdrs.get("sec-websocket-accept"), [ws_accept(key)],
			    "%s Sec-WebSocket-Accept" % self.name)
		return st, hdrs

	# -- frames

	def read_frame(self, timeout=TIMEOUT):
		"""(fin, op, payload). Raises Closed at the end of the stream."""
		deadline = time.monotonic() + timeout
		b0, b1 = self._take(2, deadline)
		check(not b1 & 0x80, "%s: server frame is masked" % self.name)
		check(not b0 & 0x70, "%s: server frame has RSV bits" % self.name)
		n = b1 & 0x7f
		if n == 126:
			n = struct.unpack("!H", self._take(2, deadline))[0]
		elif n == 127:
			n = struct.unpack("!Q", self._take(8, deadline))[0]
		return bool(b0 & 0x80), b0 & 0xf, self._take(n, deadline)

	def event(self, timeout=TIMEOUT):
		"""The next event: ("text", str) | ("binary", b) | ("ping", b) |
		("pong", b) | ("close", code or None, reason bytes) | ("eof",) |
		("reset",). Fragmented server messages are reassembled."""
		deadline = time.monotonic() + timeout
		while True:
			try:
				fin, op, p = self.read_frame(max(deadline -
				    time.monotonic(), 0.001))
			except Closed as e:
				return (e.kind,)
			if op == OP_PING:
				self.pings.append(p)
				return ("ping", p)
			if op == OP_PONG:
				return ("pong", p)
			if op == OP_CLOSE:
				if not p:
					return ("close", None, b"")
				check(len(p) >= 2, "%s: 1-byte close payload" %
				    self.name)
				return ("close", struct.unpack("!H", p[:2])[0], p[2:])
			if op in (OP_TEXT, OP_BINARY):
				check(self.frag is None, "%s: server began a message "
				    "inside a fragmented one" % self.name)
				self.frag = (op, p)
			elif op == OP_CONT:
				check(self.frag is not None, "%s: server sent an "
				    "orphan continuation" % self.name)
				self.frag = (self.frag[0], self.frag[1] + p)
			else:
				raise Fail("%s: server sent opcode %d" % (self.name, op))
			if not fin:
				continue
			op, p = self.frag
			self.frag = None
			if op == OP_TEXT:
				try:
					return ("text", p.decode("utf-8"))
				except UnicodeDecodeError:
					raise Fail("%s: server sent invalid UTF-8" %
					    self.name)
			return ("binary", p)

	def recv_text(self, timeout=TIMEOUT, pong=True):
		"""The next text message; pings answered (if pong) and skipped."""
		while True:
			ev = self.event(timeout)
			if ev[0] == "ping":
				if pong:
					self.send(frame(OP_PONG, ev[1]), chop=0)
				continue
			if ev[0] != "text":
				raise Fail("%s: expected a text message, got %s" % (
				    self.name, short(ev)))
			return ev[1]

	def expect(self, want, timeout=TIMEOUT):
		eq(self.recv_text(timeout), want, "%s received" % self.name)

	def send_text(self, s):
		self.send(text(s), chop=0)

	def expect_end(self, timeout=TIMEOUT):
		"""The server ends the connection: EOF or a reset."""
		deadline = time.monotonic() + timeout
		while True:
			try:
				self._fill(deadline)
			except Closed as e:
				return e.kind
			check(False, "%s: data after the close frame: %s" % (
			    self.name, short(bytes(self.buf))))

	def expect_close(self, codes, reason=None, reply=True, timeout=TIMEOUT):
		"""Next event is a close frame with a code in codes (None: no
		status), then the TCP connection ends. reply: answer the close
		as a client should (the server may wait for that answer); off:
		the server must end the connection on its own (after a protocol
		error it stops reading). Returns the code."""
		ev = self.event(timeout)
		check(ev[0] == "close", "%s: expected close %s, got %s" % (
		    self.name, fmt_codes(codes), short(ev)))
		check(ev[1] in codes, "%s: close code %s, want %s" % (self.name,
		    ev[1], fmt_codes(codes)))
		if reason is not None:
			eq(ev[2], reason, "%s close reason" % self.name)
		if reply:
			self.send(close_frame(ev[1]), chop=0)
		self.expect_end(timeout)
		return ev[1]

	def join(self, key, alias, create=False, mode="everyone"):
		"""create or join room key; returns the welcome's member list."""
		if create:
			self.send_text("create 1 %s %s %s" % (key, alias, mode))
		else:
			self.send_text("join 1 %s %s" % (key, alias))
		w = self.recv_text()
		p = w.split(" ")
		check(len(p) >= 5 and p[0] == "welcome", "%s: bad welcome %s" % (
		    self.name, short(w)))
		return p[4:]

	def close(self):
		try:
			self.s.close()
		except OSError:
			pass

	def abort(self):
		"""Ends the connection with a reset."""
		try:
			self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
			    struct.pack("ii", 1, 0))
		except OSError:
			pass
		self.close()


def fmt_codes(codes):
	return "/".join("no status" if c is None else str(c) for c in codes)


# ---------------------------------------------------------------- daemons

class Daemon:
	"""A chatroom (or servchat) on one loopback address, ephemeral port.
	It must print exactly one banner line (with "ws://" or "http://")."""

	def __init__(self, binary, fam="v4", args=(), portopt="-c",
	    scheme="ws://", pki=None):
		"""pki: (ca, cert, key) from testlib.make_pki: the daemon gets
		--tls-cert/--tls-key, its clients trust only ca (wss)."""
		self.fam = fam
		self.host = LOOPBACK[fam]
		self.tls = None
		if pki is not None:
			args = list(args) + ["--tls-cert", pki[1], "--tls-key",
			    pki[2]]
			scheme = scheme.replace("://", "s://")
			self.tls = ssl.create_default_context(cafile=pki[0])
		fl = "-4" if fam == "v4" else "-6"
		st = start_daemon(lambda port: [binary, portopt, str(port), fl,
		    "--bind", self.host] + list(args), fam,
		    lambda line, port: scheme in line and (":%d/" % port) in line,
		    TIMEOUT)
		self.proc, self.out, self.err = st.proc, st.out, st.err
		self.port, self.argv, self.banner = st.port, st.argv, st.banner

	@property
	def pid(self):
		return self.proc.pid

	def alive(self):
		return self.proc.poll() is None

	def client(self, name="c", **kw):
		return WS(self.fam, self.host, self.port, name=name, tls=self.tls,
		    **kw)

	def rss_kib(self):
		"""VmRSS of the daemon in KiB."""
		with open("/proc/%d/status" % self.pid) as f:
			for l in f:
				if l.startswith("VmRSS:"):
					return int(l.split()[1])
		raise Fail("no VmRSS for pid %d" % self.pid)

	def nfds(self):
		return len(os.listdir("/proc/%d/fd" % self.pid))

	def extra_output(self):
		"""What it printed after its banner line (should be nothing)."""
		d = self.out.data
		return d[d.index(b"\n") + 1:] + self.err.data

	def stop(self):
		"""SIGTERM; returns a problem description, or None if it exited
		0 having printed nothing after its banner."""
		if self.proc.poll() is not None:
			return "daemon had died (exit %s), stderr %s" % (
			    self.proc.returncode, short(self.err.data))
		self.proc.send_signal(signal.SIGTERM)
		try:
			rc = self.proc.wait(TIMEOUT)
		except subprocess.TimeoutExpired:
			self.kill()
			return "daemon did not exit within %gs of SIGTERM" % TIMEOUT
		self.out.thread.join(TIMEOUT)
		self.err.thread.join(TIMEOUT)
		if rc != 0:
			return "exit status %d after SIGTERM" % rc
		if self.extra_output():
			return "printed after its banner: %s" % short(
			    self.extra_output())
		return None

	def kill(self):
		if self.proc.poll() is None:
			self.proc.kill()
		self.proc.wait()


def binary(name):
	"""build/NAME (or $B/NAME), relative to the repository."""
	root = os.path.dirname(os.path.dirname(os.path.dirname(
	    os.path.abspath(__file__))))
	b = os.environ.get("B", "build")
	return os.path.join(root, b, name) if not os.path.isabs(b) else \
	    os.path.join(b, name)


# ---------------------------------------------------------------- runner

class Runner:
	"""Counts results; one line per case; the suite's final line."""

	def __init__(self, suite):
		self.suite = suite
		self.passed = 0
		self.failed = 0
		self.failures = []

	def ok(self, name, note=""):
		self.passed += 1
		print("PASS %s%s" % (name, "  (" + note + ")" if note else ""),
		    flush=True)

	def bad(self, name, why):
		self.failed += 1
		self.failures.append((name, why))
		print("FAIL %s: %s" % (name, why), flush=True)

	def finish(self):
		print("%s: %d passed, %d failed" % (self.suite, self.passed,
		    self.failed), flush=True)
		return 1 if self.failed or not self.passed else 0
