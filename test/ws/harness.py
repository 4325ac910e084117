"""
harness.py: integration harness for the chatroom relay (test/ws).

Starts the real daemon on 127.0.0.1 and ::1 with ephemeral ports, drives it
with Debian's python3-websockets 10.4 (Client) and with raw sockets (Raw) for
handshake and frame-level cases, and runs every registered test on both
address families. After each test it checks that every daemon the test used is
still alive; private daemons are then stopped with SIGTERM and must exit 0
having printed nothing after their banner. Every wait is bounded.

Run with /usr/bin/python3 (Debian's modules); see run.py.
"""

import asyncio
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import traceback

import websockets
import websockets.exceptions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))

# room_key, request and ws_key are not used here: the tests take them from
# harness.
from testlib import (LOOPBACK, Fail, check, eq, frame,  # noqa: E402,F401
    request, room_key, short, start_daemon, ws_accept, ws_key)

TIMEOUT = 5.0		# bound of any single wait for the daemon
TEST_TIMEOUT = 120.0	# bound of a whole test
FAMILIES = ("v4", "v6")

# Options of the shared daemon: the defaults, except limits that would make
# independent tests interfere with each other (all tests come from one IP and
# some send dozens of commands quickly). Tests of those limits use their own
# daemon.
SHARED_ARGS = ("--flood-rate", "1000", "--flood-burst", "1000",
    "--max-per-ip", "1000")


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{21}[AQgw]$")


def is_token(s):
	"""22 chars base64url that decode canonically to 16 bytes."""
	return bool(TOKEN_RE.match(s))


# ---------------------------------------------------------------- daemons

class Daemon:
	"""One chatroom process listening on the loopback address of fam."""

	def __init__(self, binary, fam, args=()):
		self.binary = binary
		self.fam = fam
		self.args = list(args)
		self.host = LOOPBACK[fam]
		self.proc = None
		self.stopped = False
		self.start()

	def start(self):
		fl = "-4" if self.fam == "v4" else "-6"
		st = start_daemon(lambda port: [self.binary, "-c", str(port), fl,
		    "--bind", self.host] + self.args, self.fam, self._banner_ok,
		    TIMEOUT)
		self.proc, self.out, self.err = st.proc, st.out, st.err
		self.port, self.banner_line = st.port, st.banner
		self.hostport = self._hostport(st.port)
		self.url = "ws://%s/" % self.hostport

	def _hostport(self, port):
		return ("%s:%d" if self.fam == "v4" else "[%s]:%d") % (self.host,
		    port)

	def _banner_ok(self, line, port):
		"""The wording is free; the line names the program and ends
		with the exact URL of the listener."""
		return re.match(r"^chatroom\b.* ws://%s/$" %
		    re.escape(self._hostport(port)), line) is not None

	def alive(self):
		return self.proc.poll() is None

	def extra_stdout(self):
		"""What the daemon printed on stdout after its banner line."""
		data = self.out.data
		return data[data.index(b"\n") + 1:] if b"\n" in data else data

	def signal(self, sig):
		self.stopped = True
		self.proc.send_signal(sig)

	def wait(self, timeout=TIMEOUT):
		"""Exit status within timeout, or None (then the process is killed)."""
		try:
			rc = self.proc.wait(timeout)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			self.proc.wait()
			return None
		self.out.wait_eof(TIMEOUT)
		self.err.wait_eof(TIMEOUT)
		return rc

	def stop_check(self):
		"""SIGTERM; it must exit 0 and have printed nothing after its banner."""
		if self.proc.poll() is not None:
			raise Fail("daemon %s is dead (exit %s), stderr %s" % (
			    self.hostport, self.proc.returncode, short(self.err.data)))
		self.signal(signal.SIGTERM)
		rc = self.wait()
		check(rc is not None, "daemon did not exit within %gs of SIGTERM"
		    % TIMEOUT)
		if rc != 0:
			raise Fail("exit status %d after SIGTERM, stderr %s" % (rc,
			    short(self.err.data.decode(errors="replace"), 400)))
		eq(self.extra_stdout(), b"", "stdout after the banner")
		eq(self.err.data, b"", "stderr")

	def kill(self):
		if self.proc is not None and self.proc.poll() is None:
			self.proc.kill()
			self.proc.wait()


# ---------------------------------------------------------------- clients

class Texts:
	"""What Client and Raw share on top of their own next()."""

	async def recv(self, timeout=TIMEOUT):
		"""The next text frame; failing on a close or a binary frame."""
		ev = await self.next(timeout)
		if ev[0] != "text":
			raise Fail("%s: expected a text frame, got %s" % (self.name,
			    short(ev)))
		return ev[1]

	async def expect(self, text):
		eq(await self.recv(), text, "%s received" % self.name)

	async def expect_welcome(self, mode, mod, members):
		"""Checks `welcome TOKEN MODE MOD MEMBERS...`; returns TOKEN."""
		f = await self.recv()
		p = f.split(" ")
		check(len(p) >= 5 and p[0] == "welcome" and is_token(p[1]),
		    "%s: bad welcome %s" % (self.name, short(f)))
		eq(p[2:], [mode, mod] + list(members), "%s welcome fields" %
		    self.name)
		return p[1]


class Client(Texts):
	"""A python3-websockets client speaking the relay protocol."""

	def __init__(self, ws, name):
		self.ws = ws
		self.name = name

	def __repr__(self):
		return "client %s" % self.name

	@classmethod
	async def connect(cls, d, name="?", origin=None, **kw):
		opts = dict(ping_interval=None, close_timeout=2, max_queue=None,
		    open_timeout=TIMEOUT, origin=origin)
		opts.update(kw)
		try:
			ws = await asyncio.wait_for(websockets.connect(d.url, **opts),
			    TIMEOUT * 2)
		except asyncio.TimeoutError:
			raise Fail("%s: connect to %s timed out" % (name, d.url))
		return cls(ws, name)

	async def send(self, cmd):
		try:
			await asyncio.wait_for(self.ws.send(cmd), TIMEOUT)
		except asyncio.TimeoutError:
			raise Fail("%s: send timed out" % self.name)

	async def next(self, timeout=TIMEOUT):
		"""("text", str) | ("binary", bytes) | ("close", code, reason)."""
		try:
			m = await asyncio.wait_for(self.ws.recv(), timeout)
		except asyncio.TimeoutError:
			raise Fail("%s: nothing received within %gs" % (self.name,
			    timeout))
		except websockets.exceptions.ConnectionClosed as e:
			if e.rcvd is None:
				return ("close", 1006, "")
			return ("close", e.rcvd.code, e.rcvd.reason)
		if isinstance(m, bytes):
			return ("binary", m)
		return ("text", m)

	async def expect_close(self, code, reason=None):
		ev = await self.next()
		if ev[0] != "close":
			raise Fail("%s: expected close %d, got frame %s" % (self.name,
			    code, short(ev)))
		eq(ev[1], code, "%s close code" % self.name)
		if reason is not None:
			eq(ev[2], reason, "%s close reason" % self.name)

	async def close(self):
		try:
			await asyncio.wait_for(self.ws.close(), TIMEOUT)
		except Exception:
			self.ws.transport.abort()

	def abort(self):
		"""Drop the TCP connection without a close frame."""
		self.ws.transport.abort()


class Closed(Exception):
	pass


class Raw(Texts):
	"""A raw TCP client: handshake bytes and frames built by hand."""

	def __init__(self, reader, writer, name):
		self.r = reader
		self.w = writer
		self.name = name
		self.answer_pings = True
		self.pings = 0
		self.frag = None

	def __repr__(self):
		return "raw %s" % self.name

	@classmethod
	async def connect(cls, d, name="raw", rcvbuf=None):
		af = socket.AF_INET if d.fam == "v4" else socket.AF_INET6
		s = socket.socket(af, socket.SOCK_STREAM)
		if rcvbuf is not None:
			s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
		s.setblocking(False)
		loop = asyncio.get_running_loop()
		try:
			await asyncio.wait_for(loop.sock_connect(s, (d.host, d.port)),
			    TIMEOUT)
			r, w = await asyncio.open_connection(sock=s, limit=1 << 20)
		except Exception as e:
			s.close()
			raise Fail("%s: connect: %r" % (name, e))
		return cls(r, w, name)

	async def write(self, data):
		self.w.write(data)
		try:
			await asyncio.wait_for(self.w.drain(), TIMEOUT)
		except asyncio.TimeoutError:
			raise Fail("%s: write timed out" % self.name)

	async def read_exact(self, n, timeout=TIMEOUT):
		try:
			return await asyncio.wait_for(self.r.readexactly(n), timeout)
		except asyncio.TimeoutError:
			raise Fail("%s: nothing received within %gs" % (self.name,
			    timeout))
		except (asyncio.IncompleteReadError, ConnectionError):
			raise Closed()

	async def response(self, timeout=TIMEOUT):
		"""Reads an HTTP response head: (status, [(name, value)], head)."""
		try:
			head = await asyncio.wait_for(self.r.readuntil(b"\r\n\r\n"),
			    timeout)
		except asyncio.TimeoutError:
			raise Fail("%s: no HTTP response within %gs" % (self.name,
			    timeout))
		except (asyncio.IncompleteReadError, ConnectionError) as e:
			got = getattr(e, "partial", b"")
			raise Fail("%s: connection closed before a complete response "
			    "(got %s)" % (self.name, short(got)))
		except asyncio.LimitOverrunError:
			raise Fail("%s: response head too long" % self.name)
		lines = head.decode("latin-1").split("\r\n")
		m = re.match(r"^HTTP/1\.1 (\d{3}) ", lines[0] + " ")
		check(m, "%s: bad status line %s" % (self.name, short(lines[0])))
		hdrs = []
		for l in lines[1:]:
			if l == "":
				continue
			k, _, v = l.partition(":")
			hdrs.append((k.strip().lower(), v.strip()))
		return int(m.group(1)), hdrs, head

	async def expect_eof(self, timeout=TIMEOUT):
		"""The peer closes the connection; returns what came before."""
		data = b""
		end = time.monotonic() + timeout
		while True:
			left = end - time.monotonic()
			if left <= 0:
				raise Fail("%s: connection still open after %gs" % (
				    self.name, timeout))
			try:
				b = await asyncio.wait_for(self.r.read(65536), left)
			except asyncio.TimeoutError:
				continue
			except ConnectionError:
				return data
			if not b:
				return data
			data += b

	async def handshake(self, hostport, extra=(), path="/"):
		"""A valid opening handshake; checks the 101 and returns headers."""
		key = ws_key()
		await self.write(request(hostport, key=key, extra=extra, path=path))
		st, hdrs, head = await self.response()
		eq(st, 101, "%s handshake status" % self.name)
		check_101(hdrs, key)
		return hdrs

	async def send_frame(self, opcode, payload, fin=True, rsv=0, mask=True,
	    length=None):
		await self.write(frame(opcode, payload, fin, rsv, mask, length))

	async def send(self, text):
		await self.send_frame(0x1, text.encode())

	async def read_frame(self, timeout=TIMEOUT):
		"""(fin, opcode, payload) of the next frame; Closed on EOF."""
		b0, b1 = await self.read_exact(2, timeout)
		check(not (b1 & 0x80), "%s: server frame is masked" % self.name)
		check(not (b0 & 0x70), "%s: server frame has RSV bits" % self.name)
		n = b1 & 0x7f
		if n == 126:
			n = struct.unpack("!H", await self.read_exact(2))[0]
		elif n == 127:
			n = struct.unpack("!Q", await self.read_exact(8))[0]
		payload = await self.read_exact(n) if n else b""
		return bool(b0 & 0x80), b0 & 0x0f, payload

	async def next(self, timeout=TIMEOUT):
		"""Next message: ("text", str) | ("binary", b) | ("close", code,
		reason) with 1005 for a close without status and 1006 for EOF
		without a close frame. Answers pings unless answer_pings is off."""
		while True:
			try:
				fin, op, p = await self.read_frame(timeout)
			except Closed:
				return ("close", 1006, "")
			if op == 0x9:
				self.pings += 1
				if self.answer_pings:
					await self.send_frame(0xA, p)
				continue
			if op == 0xA:
				continue
			if op == 0x8:
				# Answer as a well-behaved client does (RFC 6455
				# 5.5.1), so that the relay closes at once.
				try:
					await self.send_frame(0x8, p[:2])
				except (Fail, ConnectionError):
					pass
				if len(p) == 0:
					return ("close", 1005, "")
				check(len(p) >= 2, "%s: close payload of 1 byte"
				    % self.name)
				return ("close", struct.unpack("!H", p[:2])[0],
				    p[2:].decode())
			if op in (0x1, 0x2):
				check(self.frag is None, "%s: new message inside a "
				    "fragmented one" % self.name)
				if not fin:
					self.frag = (op, p)
					continue
			elif op == 0x0:
				check(self.frag is not None, "%s: orphan continuation"
				    % self.name)
				op, p = self.frag[0], self.frag[1] + p
				self.frag = (op, p)
				if not fin:
					continue
				self.frag = None
			else:
				raise Fail("%s: bad opcode %d from server" % (self.name,
				    op))
			if op == 0x1:
				return ("text", p.decode())
			return ("binary", p)

	async def expect_close(self, codes, reason=None):
		"""A close frame with one of codes (an int or a tuple), then EOF."""
		if isinstance(codes, int):
			codes = (codes,)
		ev = await self.next()
		check(ev[0] == "close", "%s: expected close %s, got %s" % (
		    self.name, codes, short(ev)))
		check(ev[1] in codes, "%s: close code %d, want %s" % (self.name,
		    ev[1], codes))
		if reason is not None:
			eq(ev[2], reason, "%s close reason" % self.name)
		await self.expect_eof()
		return ev

	def pause(self):
		"""Stop reading from the socket: the kernel buffers fill up."""
		self.w.transport.pause_reading()

	def resume(self):
		self.w.transport.resume_reading()

	def abort(self):
		self.w.transport.abort()

	def close(self):
		self.w.transport.abort()


def header(hdrs, name):
	return [v for k, v in hdrs if k == name]


def check_101(hdrs, key):
	eq(header(hdrs, "upgrade"), ["websocket"], "Upgrade header of the 101")
	eq([v.lower() for v in header(hdrs, "connection")], ["upgrade"],
	    "Connection header of the 101")
	eq(header(hdrs, "sec-websocket-accept"), [ws_accept(key)],
	    "Sec-WebSocket-Accept")
	eq(header(hdrs, "sec-websocket-extensions"), [],
	    "Sec-WebSocket-Extensions in the 101")
	eq(header(hdrs, "sec-websocket-protocol"), [],
	    "Sec-WebSocket-Protocol in the 101")


# ---------------------------------------------------------------- tests

TESTS = []


def test(per_family=True):
	"""Registers an async test function f(ctx)."""
	def reg(f):
		TESTS.append((f.__name__, f, per_family))
		return f
	return reg


class Ctx:
	"""What a test gets: its family, the shared daemon and helpers that
	remember every daemon and connection for the checks and cleanup."""

	def __init__(self, binary, fam, shared):
		self.binary = binary
		self.fam = fam
		self.shared = shared
		self.daemons = []
		self.conns = []

	def daemon(self, *args, fam=None):
		d = Daemon(self.binary, fam or self.fam, args)
		self.daemons.append(d)
		return d

	async def client(self, name="?", d=None, **kw):
		c = await Client.connect(d or self.shared, name, **kw)
		self.conns.append(c)
		return c

	async def raw(self, name="raw", d=None, rcvbuf=None):
		r = await Raw.connect(d or self.shared, name, rcvbuf)
		self.conns.append(r)
		return r

	async def raw_ws(self, name="raw", d=None, rcvbuf=None):
		"""A raw client with the opening handshake done."""
		d = d or self.shared
		r = await self.raw(name, d, rcvbuf)
		await r.handshake(d.hostport)
		return r

	async def room(self, mode, aliases, d=None, key=None):
		"""Creates a room (first alias) and joins the others with exact
		checks of every welcome and joined. Returns (key, clients,
		tokens); clients[i] has aliases[i]."""
		key = key or room_key()
		mod = aliases[0] if mode == "owner" else "*"
		cs, toks = [], []
		for i, a in enumerate(aliases):
			c = await self.client(a, d)
			if i == 0:
				await c.send("create 1 %s %s %s" % (key, a, mode))
			else:
				await c.send("join 1 %s %s" % (key, a))
			toks.append(await c.expect_welcome(mode, mod, aliases[:i + 1]))
			for o in cs:
				await o.expect("joined " + a)
			cs.append(c)
		return key, cs, toks

	async def cleanup(self):
		for c in self.conns:
			try:
				if isinstance(c, Client):
					await c.close()
				else:
					c.close()
			except Exception:
				pass


async def sync(sender, alias, receivers, body="sync"):
	"""Sender sends msg BODY; each receiver's next frame must be it. Proves
	that nothing else was queued for the receivers before it."""
	await sender.send("msg " + body)
	for r in receivers:
		await r.expect("msg %s %s" % (alias, body))


def run_one(binary, name, f, fam, shared):
	ctx = Ctx(binary, fam, shared)
	err = None
	try:
		asyncio.run(_run_test(f, ctx))
	except Fail as e:
		err = str(e)
	except Exception as e:
		err = "".join(traceback.format_exception_only(type(e), e)).strip()
		tb = traceback.extract_tb(e.__traceback__)
		if tb:
			err += " (%s:%d)" % (os.path.basename(tb[-1].filename),
			    tb[-1].lineno)
	# The daemons must have survived the scenario.
	if shared is not None and not shared.stopped and not shared.alive():
		err = (err + "; " if err else "") + "shared daemon died (exit %s)" \
		    % shared.proc.returncode
	for d in ctx.daemons:
		if d.stopped:
			continue
		try:
			d.stop_check()
		except Fail as e:
			err = (err + "; " if err else "") + "private daemon: " + str(e)
		finally:
			d.kill()
	for d in ctx.daemons:
		d.kill()
	return err


async def _run_test(f, ctx):
	try:
		await asyncio.wait_for(f(ctx), TEST_TIMEOUT)
	except asyncio.TimeoutError:
		raise Fail("test did not finish within %gs" % TEST_TIMEOUT)
	finally:
		await ctx.cleanup()


def main(argv):
	binary = argv[1] if len(argv) > 1 else "build/chatroom"
	only = argv[2:]
	passed = failed = 0
	if not os.access(binary, os.X_OK):
		print("ws: %s is not an executable" % binary)
		print("ws: 0 passed, 1 failed")
		return 1
	shared = {}
	for fam in FAMILIES:
		try:
			shared[fam] = Daemon(binary, fam, SHARED_ARGS)
		except Fail as e:
			print("FAIL start shared daemon [%s]: %s" % (fam, e))
			failed += 1
			shared[fam] = None
	for name, f, per_family in TESTS:
		if only and name not in only:
			continue
		for fam in (FAMILIES if per_family else ("v4",)):
			label = "%s[%s]" % (name, fam) if per_family else name
			sd = shared.get(fam)
			if sd is not None and not sd.alive():
				try:
					shared[fam] = sd = Daemon(binary, fam, SHARED_ARGS)
				except Fail:
					sd = None
			if sd is None and per_family:
				print("FAIL %s: no shared daemon" % label)
				failed += 1
				continue
			t0 = time.monotonic()
			err = run_one(binary, name, f, fam, sd)
			dt = time.monotonic() - t0
			if err is None:
				passed += 1
				print("ok   %s (%.1fs)" % (label, dt))
			else:
				failed += 1
				print("FAIL %s: %s" % (label, err))
			sys.stdout.flush()
	# The shared daemons ran every scenario: still silent, clean exit.
	for fam, sd in shared.items():
		if sd is None:
			continue
		label = "shared_daemon_silent_clean_exit[%s]" % fam
		try:
			sd.stop_check()
			passed += 1
			print("ok   " + label)
		except Fail as e:
			failed += 1
			print("FAIL %s: %s" % (label, e))
		finally:
			sd.kill()
	print("ws: %d passed, %d failed" % (passed, failed))
	return 1 if failed else 0
