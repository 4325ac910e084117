#!/usr/bin/python3
"""
run.py: abuse cases against the real daemons, on loopback only.

Slowloris handshakes, the per-IP cap (IPv4 and IPv6), a message flood, a member
that never reads, a burst of maximal messages, a client that never answers
pings, a client that pings and never reads, per-IP caps over an IPv6 /64
(addresses added to lo, as root), the handshake share of 16 addresses with
a newcomer from a seventeenth, 5,000 concurrent connections, 100,000
connect/disconnect cycles, servchat holding 200 idle connections, and 256
connections trickling their request heads past --request-timeout. Every loop is bounded in count and in
time; every daemon is started here with its own options and ephemeral port,
and stopped here (it must exit 0 having printed nothing after its banner).
Memory figures are bounds computed from the options, not benchmarks.

Usage: /usr/bin/python3 test/abuse/run.py [-k SUBSTRING-OF-NAME]
"""

import os
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "conformance"))

from wslib import (Daemon, Fail, Runner, binary, body, check, close_frame, eq,
    free_port, frame, request, room_key, short, text, ws_key, OP_PING,
    OP_PONG, TIMEOUT)

KIB = 1024
MIB = 1024 * 1024
TESTS = []


def test(name):
	def reg(f):
		TESTS.append((name, f))
		return f
	return reg


class Daemons:
	"""The daemons of one test; all stopped (and checked) at its end."""

	def __init__(self):
		self.list = []

	def start(self, *a, **kw):
		d = Daemon(*a, **kw)
		self.list.append(d)
		return d

	def stop_all(self):
		problems = []
		for d in self.list:
			p = d.stop()
			if p:
				problems.append("%s: %s" % (os.path.basename(d.argv[0]), p))
		return problems

	def kill_all(self):
		for d in self.list:
			d.kill()


def relay(ds, fam="v4", args=()):
	return ds.start(binary("chatroom"), fam, list(args))


def connect_raw(d, src=None, nodelay=True):
	af = socket.AF_INET if d.fam == "v4" else socket.AF_INET6
	s = socket.socket(af, socket.SOCK_STREAM)
	if nodelay:
		s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	if src is not None:
		s.bind((src, 0))
	s.settimeout(TIMEOUT)
	s.connect((d.host, d.port))
	return s


def hostport(d):
	return ("%s:%d" if d.fam == "v4" else "[%s]:%d") % (d.host, d.port)


def chat_pair(d, tag, src=None):
	"""Two fresh clients make a room and exchange one message each way:
	the relay is serving. Closes both."""
	key = room_key()
	a = d.client("%s-a" % tag, src=src)
	b = d.client("%s-b" % tag, src=src)
	try:
		a.handshake()
		a.join(key, "a", create=True)
		b.handshake()
		eq(b.join(key, "b"), ["a", "b"], "%s members" % tag)
		a.expect("joined b")
		a.send_text("msg hello-from-a")
		b.expect("msg a hello-from-a")
		b.send_text("msg hello-from-b")
		a.expect("msg b hello-from-b")
	finally:
		a.close()
		b.close()


def wait_until(cond, timeout, what):
	"""Polls cond (a cheap observation, e.g. /proc) until true; bounded."""
	end = time.monotonic() + timeout
	while True:
		if cond():
			return
		if time.monotonic() >= end:
			raise Fail("%s: not within %gs" % (what, timeout))
		time.sleep(0.05)


class RssSampler:
	"""Samples a daemon's VmRSS every 10 ms in a thread; keeps the peak."""

	def __init__(self, d):
		self.d = d
		self.peak = d.rss_kib()
		self.stop_ = threading.Event()
		self.t = threading.Thread(target=self._run, daemon=True)
		self.t.start()

	def _run(self):
		while not self.stop_.wait(0.01):
			try:
				self.peak = max(self.peak, self.d.rss_kib())
			except (OSError, Fail):
				return

	def stop(self):
		self.stop_.set()
		self.t.join(TIMEOUT)
		return self.peak


# ================================================================ slowloris

@test("slowloris: 200 handshakes at 1 byte/s are closed, others served")
def t_slowloris(ds, note):
	HT, N = 3, 200
	d = relay(ds, "v4", ["--handshake-timeout", str(HT), "--max-handshakes",
	    str(2 * N), "--max-handshakes-per-ip", str(2 * N), "--max-per-ip",
	    str(2 * N), "--max-conns", str(4 * N)])
	req = request(hostport(d), ws_key())
	sel = selectors.DefaultSelector()
	socks = []
	for i in range(N):
		s = connect_raw(d)
		s.setblocking(False)
		socks.append(s)
		sel.register(s, selectors.EVENT_READ, i)
	sent = [0] * N
	got = [b""] * N
	ended = [None] * N		# "eof" | "reset" | "epipe"
	nopen = N
	served, open_when_served = False, None
	t0 = time.monotonic()
	deadline = t0 + HT + 15
	next_byte = t0
	rounds = 0
	try:
		while nopen > 0 and time.monotonic() < deadline:
			now = time.monotonic()
			if now >= next_byte and rounds < len(req) - 4:
				for i, s in enumerate(socks):
					if ended[i] is None:
						try:
							s.send(req[sent[i]:sent[i] + 1])
							sent[i] += 1
						except (BrokenPipeError, ConnectionResetError):
							ended[i] = "epipe"
							nopen -= 1
							sel.unregister(s)
				rounds += 1
				next_byte += 1.0
				if not served:
					# All 200 are mid-handshake: a real user now.
					chat_pair(d, "legit")
					served = True
			wait = max(0.0, min(0.1, next_byte - time.monotonic()))
			if served and open_when_served is None:
				wait = 0	# count what ended while it was served
			for key, _ in sel.select(wait):
				i = key.data
				try:
					b = socks[i].recv(4096)
				except ConnectionResetError:
					b, ended[i] = None, "reset"
				except BlockingIOError:
					continue
				if b:
					got[i] += b
					continue
				if ended[i] is None:
					ended[i] = "eof"
				nopen -= 1
				sel.unregister(socks[i])
			if served and open_when_served is None:
				open_when_served = nopen
	finally:
		sel.close()
		for s in socks:
			s.close()
	elapsed = time.monotonic() - t0
	eq(open_when_served, N, "slowloris connections open while the "
	    "legitimate pair was served")
	check(nopen == 0, "%d of %d slowloris connections still open after "
	    "%.1fs (--handshake-timeout %d)" % (nopen, N, elapsed, HT))
	check(not any(g.startswith(b"HTTP/1.1 101") for g in got),
	    "a slowloris connection got a 101")
	check(max(sent) < len(req), "a slowloris request was completed")
	kinds = {k: ended.count(k) for k in set(ended)}
	chat_pair(d, "after")
	note("all %d closed by the relay within %.1fs (%s), at most %d bytes "
	    "sent each; a chat pair served meanwhile" % (N, elapsed, kinds,
	    max(sent)))


# ================================================================ per-IP cap

def per_ip(ds, note, fam):
	N = 4
	d = relay(ds, fam, ["--max-per-ip", str(N)])
	held = []
	for i in range(N - 1):
		c = d.client("ws%d" % i)
		c.handshake()
		held.append(c)
	# A connection still in its handshake holds a slot as well.
	idle = d.client("idle")
	over = d.client("over")
	st, hdrs = over.handshake(expect=503)
	eq(hdrs.get("connection"), ["close"], "Connection of the 503")
	eq(int(hdrs.get("content-length", ["-1"])[0]), len(b"relay full\n"),
	    "Content-Length of the 503")
	rest = bytes(over.buf)
	over.buf.clear()
	try:
		while len(rest) < 64:
			over._fill(time.monotonic() + TIMEOUT)
			rest += bytes(over.buf)
			over.buf.clear()
	except Exception:
		pass
	eq(rest, b"relay full\n", "503 body, then the connection ends")
	over.close()
	if fam == "v4":
		# Another address is not affected: the cap is per IP, not global.
		other = d.client("other-ip", src="127.0.0.2")
		other.handshake()
		other.close()
	# A member leaves with a close handshake; its EOF comes after the
	# relay freed its slot, so the next connection must get in...
	held[0].send(close_frame(1000), chop=0)
	held[0].expect_close((1000,), reply=False)
	again = d.client("again")
	again.handshake()
	# ...and the one after that must not.
	over2 = d.client("over2")
	over2.handshake(expect=503)
	over2.close()
	# The idle one completes its handshake late: its slot was real.
	idle.handshake()
	for c in held[1:] + [again, idle]:
		c.send_text("create 1 %s %s everyone" % (room_key(), c.name))
		c.recv_text()
		c.close()
	note("%d admitted (incl. one mid-handshake), #%d got 503 \"relay "
	    "full\"; a freed slot admits exactly one more%s" % (N, N + 1,
	    "; 127.0.0.2 unaffected" if fam == "v4" else ""))


@test("per-IP cap is exact over IPv4")
def t_per_ip_v4(ds, note):
	per_ip(ds, note, "v4")


@test("per-IP cap is exact over IPv6 (::1, its /64)")
def t_per_ip_v6(ds, note):
	per_ip(ds, note, "v6")


def servchat_binary():
	exe = binary("servchat")
	if not os.access(exe, os.X_OK):
		raise Skip("%s not built" % exe)
	return exe


# Two addresses in one /64 and one in the next, added to lo for the test:
# on loopback alone only ::1 exists, which cannot show the /64 grouping.
V6_SAME = ("fd53:5a6e:1:1::1", "fd53:5a6e:1:1::2")
V6_OTHER = "fd53:5a6e:1:2::1"


def lo_add(addrs):
	"""Adds addrs to lo; raises Skip where that is not allowed (not root,
	no iproute2, no CAP_NET_ADMIN). Returns those to remove."""
	if os.geteuid() != 0 or shutil.which("ip") is None:
		raise Skip("adding addresses to lo needs root and iproute2")
	added = []
	for a in addrs:
		r = subprocess.run(["ip", "-6", "addr", "add", a + "/128", "dev",
		    "lo", "nodad"], capture_output=True, text=True)
		if r.returncode != 0:
			lo_del(added)
			raise Skip("ip addr add %s: %s" % (a, r.stderr.strip()))
		added.append(a)
	return added


def lo_del(addrs):
	for a in addrs:
		subprocess.run(["ip", "-6", "addr", "del", a + "/128", "dev", "lo"],
		    capture_output=True)


def http_hold(d, src):
	"""A keep-alive connection from src that got its answer and stays open."""
	s = connect_raw(d, src=src)
	s.sendall(b"GET /api/config HTTP/1.1\r\nHost: x\r\n\r\n")
	head = b""
	while b"\r\n\r\n" not in head:
		b = s.recv(4096)
		check(b, "servchat closed the connection from %s" % src)
		head += b
	check(head.startswith(b"HTTP/1.1 200 "), short(head))
	return s


def http_refused(d, src):
	"""True if a connection from src is closed without an answer."""
	try:
		return http_get(d.host, d.port, d.fam, src=src) == b""
	except (ConnectionResetError, BrokenPipeError):
		return True


@test("per-IP caps count an IPv6 /64 as one address (chatroom, servchat)")
def t_per_64(ds, note):
	exe = servchat_binary()
	added = lo_add(V6_SAME + (V6_OTHER,))
	try:
		d = relay(ds, "v6", ["--max-per-ip", "2"])
		a = [d.client("a%d" % i, src=V6_SAME[i]) for i in range(2)]
		for c in a:
			c.handshake()
		over = d.client("a-over", src=V6_SAME[0])
		over.handshake(expect=503)
		over.close()
		b = d.client("b", src=V6_OTHER)
		b.handshake()
		for c in a + [b]:
			c.close()
		h = ds.start(exe, "v6", ["-c", str(free_port("v6")),
		    "--max-per-ip", "2"], portopt="-s", scheme="http://")
		held = [http_hold(h, src) for src in V6_SAME]
		check(http_refused(h, V6_SAME[1]), "servchat answered a third "
		    "connection from the same /64")
		page = http_get(h.host, h.port, "v6", src=V6_OTHER)
		check(page.startswith(b"HTTP/1.1 200 "), "GET / from the next "
		    "/64: %s" % short(page))
		for s_ in held:
			s_.close()
	finally:
		lo_del(added)
	note("%s and %s (one /64) fill --max-per-ip 2 in both daemons: a third "
	    "from that /64 is refused (503; closed unanswered), %s is served" %
	    (V6_SAME[0], V6_SAME[1], V6_OTHER))


# ================================================================ handshake share

def hold_idle(d, src, n):
	"""Up to n sockets from src that connect and send nothing; those the
	relay took (no answer within a moment) are returned, open."""
	held = []
	for _ in range(n):
		held.append(connect_raw(d, src=src))
	time.sleep(0.3)
	kept = []
	for s in held:
		s.setblocking(False)
		try:
			b = s.recv(4096)
		except BlockingIOError:
			kept.append(s)
			continue
		except ConnectionResetError:
			b = b""
		s.close()
	return kept


@test("handshake share: 16 addresses at their cap leave room for a newcomer")
def t_handshake_share(ds, note):
	NADDR, EACH, MAXHS = 16, 16, 128
	d = relay(ds, "v4", ["--max-handshakes", str(MAXHS), "--max-per-ip",
	    str(EACH), "--handshake-timeout", "30"])
	held = {}
	try:
		for i in range(NADDR):
			src = "127.0.0.%d" % (2 + i)
			held[src] = hold_idle(d, src, EACH)
		counts = sorted(len(v) for v in held.values())
		t0 = time.monotonic()
		c = d.client("newcomer", src="127.0.1.1")
		st, _ = c.handshake(expect=None)
		took = time.monotonic() - t0
		eq(st, 101, "status of a newcomer from a fresh address while %d "
		    "addresses hold %s idle handshakes" % (NADDR, counts))
		check(took < 1.0, "newcomer took %.2fs" % took)
		key = room_key()
		c.join(key, "new", create=True)
		c.close()
		cap = max(counts)
		check(cap < EACH, "one address held %d handshakes: no "
		    "per-address cap" % cap)
	finally:
		for v in held.values():
			for s in v:
				s.close()
	note("%d addresses x %d idle sockets: each kept %d..%d of "
	    "--max-handshakes %d; a newcomer from 127.0.1.1 got 101 in %.0f ms" %
	    (NADDR, EACH, counts[0], counts[-1], MAXHS, took * 1000))


# ================================================================ flood

@test("flood: 500 messages in a second stay within the flooder's bucket")
def t_flood(ds, note):
	RATE, BURST, NF, NP = 5, 20, 500, 10
	d = relay(ds, "v4", ["--flood-rate", str(RATE), "--flood-burst",
	    str(BURST)])
	key = room_key()
	o = d.client("O")
	o.handshake()
	o.join(key, "O", create=True)
	p = d.client("P")
	p.handshake()
	p.join(key, "P")
	o.expect("joined P")
	f = d.client("F")
	f.handshake()
	f.join(key, "F")
	o.expect("joined F")
	p.expect("joined F")
	res = {}
	t0 = time.monotonic()

	def flooder():
		# 500 messages in 10 bursts of 50, 100 ms apart: one second.
		for burst in range(10):
			data = b"".join(text("msg f%d" % (burst * 50 + i))
			    for i in range(50))
			if not f.send(data, chop=0):
				break
			time.sleep(0.1)
		res["f_sent_until"] = time.monotonic()

	def polite(c, tag):
		for i in range(NP):
			c.send(text("msg %s%d" % (tag, i)), chop=0)
			time.sleep(0.1)

	def reader(c, peer, out):
		"""Until `left F` and all NP messages of peer; bounded."""
		want = ["msg %s %s%d" % (peer, peer.lower(), i) for i in range(NP)]
		got, nf, left = [], 0, None
		end = time.monotonic() + 20
		out.update(got=got, want=want)
		while (left is None or len(got) < NP) and time.monotonic() < end:
			try:
				x = c.recv_text(max(0.01, end - time.monotonic()))
			except Fail as e:
				out["error"] = str(e)
				break
			if x.startswith("msg F "):
				if left is not None:
					out["error"] = "a flooder message after `left F`"
					break
				nf += 1
			elif x == "left F":
				left = time.monotonic()
			else:
				got.append(x)
		out.update(nf=nf, left=left)

	def flood_reader():
		errors, other, close = 0, [], None
		end = time.monotonic() + 15
		while time.monotonic() < end:
			try:
				ev = f.event(max(0.01, end - time.monotonic()))
			except Fail:
				break
			if ev[0] == "text" and ev[1] == "error flood":
				errors += 1
			elif ev[0] == "text" and ev[1].startswith(("msg O ",
			    "msg P ")):
				pass		# F is a member too
			elif ev[0] == "ping":
				f.send(frame(10, ev[1]), chop=0)
			elif ev[0] == "close":
				close = ev[1:]
			elif ev[0] in ("eof", "reset"):
				break
			else:
				other.append(ev)
		res.update(errors=errors, f_other=other, f_close=close)

	ro, rp = {}, {}
	threads = [threading.Thread(target=x, args=a, daemon=True) for x, a in (
	    (flooder, ()), (polite, (p, "p")), (polite, (o, "o")),
	    (reader, (o, "P", ro)), (reader, (p, "O", rp)),
	    (flood_reader, ()))]
	for th in threads:
		th.start()
	threads[0].join(10)
	# The relay may slow the flooder down instead of closing it: then the
	# test ends it after a bounded wait, and the bound still applies.
	threads[5].join(8)
	if threads[5].is_alive():
		f.abort()
		threads[5].join(TIMEOUT)
	for th in threads[1:5]:
		th.join(25)
	f.close()
	o.close()
	p.close()
	for r, who in ((ro, "O"), (rp, "P")):
		check("error" not in r, "%s: %s" % (who, r.get("error")))
		eq(r["got"], r["want"], "%s received its peer's messages" % who)
		check(r["left"] is not None, "%s never heard `left F`" % who)
	eq(ro["nf"], rp["nf"], "flooder messages relayed to O and to P")
	elapsed = ro["left"] - t0
	bound = BURST + RATE * elapsed + 2
	# Its join cost one token: a full bucket still lets BURST - 1 through.
	check(ro["nf"] >= BURST - 1, "only %d flooder messages relayed; a full "
	    "bucket holds %d, minus 1 for the join" % (ro["nf"], BURST))
	check(ro["nf"] <= bound, "%d flooder messages relayed in %.2fs; "
	    "bucket bound %d + %d/s x %.2fs + 2 = %.1f" % (ro["nf"], elapsed,
	    BURST, RATE, elapsed, bound))
	eq(res["f_other"], [], "flooder got other than `error flood`")
	if res["f_close"] is not None:
		eq(res["f_close"], (1008, b"flood"), "flooder's close")
	check(ro["nf"] + res["errors"] <= NF, "more answers than messages")
	note("relayed %d of %d (bound %.1f over %.2fs), %d x `error flood`, "
	    "flooder %s; O and P got %d/%d of each other's" % (ro["nf"], NF,
	    bound, elapsed, res["errors"], "closed %s %r" % res["f_close"] if
	    res["f_close"] else "not closed by the relay (ended by the test)",
	    NP, NP))


# ================================================================ slow reader

def stalled_member(d, key, t, name):
	"""Joins NAME to member T's room for a test in which it never reads: a
	4 KiB receive buffer and a 536-byte MSS, so that the kernel (which
	autotunes a loopback send buffer to megabytes for a 64 KiB MSS) cannot
	hide such a peer from the relay."""
	c = d.client(name, rcvbuf=4096, mss=536)
	c.handshake()
	c.join(key, name)
	t.expect("joined %s" % name)
	return c


@test("a member that never reads is closed at --max-queue; others get all")
def t_slow_reader(ds, note):
	Q, M, NMSG, SIZE = 128 * KIB, 64 * KIB, 2000, 1024
	d = relay(ds, "v4", ["--max-queue", str(Q), "--max-message", str(M),
	    "--flood-rate", "100000", "--flood-burst", "100000"])
	base = d.rss_kib()
	key = room_key()
	t = d.client("T")
	t.handshake()
	t.join(key, "T", create=True)
	n = stalled_member(d, key, t, "N")
	s = d.client("S")
	s.handshake()
	s.join(key, "S")
	t.expect("joined S")
	n.expect("joined S")		# from here on N reads nothing
	rss = RssSampler(d)
	sent = {}

	def sender():
		for i in range(NMSG):
			if not s.send(text("msg " + body(SIZE, "m%d-" % i)), chop=0):
				break
			sent["n"] = i + 1

	nres = {}

	def n_reads():
		# N finally reads what the kernel and the relay kept for it.
		nmsg = 0
		try:
			while True:
				ev = n.event()
				if ev[0] == "text" and ev[1].startswith("msg S "):
					nmsg += 1
				elif ev[0] == "close":
					eq(ev[1:], (1008, b"queue"), "N's close")
					n.send(close_frame(1008), chop=0)
					nres["end"] = "close 1008 queue, then %s" % (
					    n.expect_end())
					break
				elif ev[0] == "reset":
					nres["end"] = "reset"
					break
				else:
					raise Fail("N: unexpected %s after %d messages" % (
					    short(ev), nmsg))
		except Fail as e:
			nres["error"] = str(e)
		nres["nmsg"] = nmsg

	th = threading.Thread(target=sender, daemon=True)
	th.start()
	nth = threading.Thread(target=n_reads, daemon=True)
	got, left, other = 0, 0, []
	try:
		while got < NMSG:
			x = t.recv_text(10)
			if x.startswith("msg S "):
				eq(x, "msg S " + body(SIZE, "m%d-" % got),
				    "T's message #%d" % got)
				got += 1
			elif x == "left N":
				# The relay has given up on N: now N reads, well
				# within the relay's grace for a closing peer.
				left += 1
				nth.start()
			else:
				other.append(x)
	except Fail as e:
		raise Fail("T got %d/%d, then %s" % (got, NMSG, e))
	finally:
		th.join(10)
		peak = rss.stop()
	eq(other, [], "T's other frames")
	eq(left, 1, "`left N` heard by T")
	nth.join(2 * TIMEOUT)
	check("error" not in nres, nres.get("error"))
	check("end" in nres, "N: no close and no reset")
	nmsg, end = nres["nmsg"], nres["end"]
	check(nmsg < NMSG, "N received all %d messages: never held back" %
	    NMSG)
	# Three queues of at most max-queue, a message being read, allocator
	# slack. Without the cap N alone would hold ~2 MiB.
	bound = base + (3 * (Q + M) + MIB // 2) // KIB
	check(peak <= bound, "relay VmRSS peaked at %d KiB; bound %d KiB "
	    "(baseline %d + 3 x (max-queue + max-message) + 512 KiB)" % (peak,
	    bound, base))
	for c in (t, n, s):
		c.close()
	note("T got %d/%d; N got %d then %s; VmRSS %d -> peak %d KiB (bound %d)"
	    % (got, NMSG, nmsg, end, base, peak, bound))


# ================================================================ burst

@test("a burst of maximal messages does not drop prompt readers (defaults)")
def t_burst(ds, note):
	# Defaults: --max-message 65536, --max-queue 262144, --flood-burst 20.
	M, NR, NB = 65536, 3, 8
	d = relay(ds, "v4")
	key = room_key()
	readers = []
	for i in range(NR):
		c = d.client("R%d" % i)
		c.handshake()
		c.join(key, "R%d" % i, create=i == 0)
		for r in readers:
			r.expect("joined R%d" % i)
		readers.append(c)
	s = d.client("S")
	s.handshake()
	s.join(key, "S")
	for r in readers:
		r.expect("joined S")
	# NB messages of --max-message bytes, within the flood bucket, in one
	# write: the relay holds them all at once, the readers read at once.
	bodies = [body(M - 4, "burst%d-" % i) for i in range(NB)]
	wants = ["msg S " + b for b in bodies] + ["msg S done"]
	results = {}

	def read_all(r):
		# Each reader reads at once, in its own thread.
		got = []
		try:
			while len(got) < len(wants):
				ev = r.event()
				if ev[0] == "ping":
					r.send(frame(OP_PONG, ev[1]), chop=0)
					continue
				got.append(ev)
				if ev != ("text", wants[len(got) - 1]):
					break
		except Fail as e:
			got.append(str(e))
		results[r.name] = got

	ths = [threading.Thread(target=read_all, args=(r,), daemon=True)
	    for r in readers]
	for th in ths:
		th.start()
	s.send(b"".join(text("msg " + b) for b in bodies) + text("msg done"),
	    chop=0)
	for th in ths:
		th.join(20)
	for r in readers:
		got = results.get(r.name, [])
		n = sum(1 for g, w in zip(got, wants) if g == ("text", w))
		check(n == len(wants), "%s: %d of %d messages, then %s" % (r.name,
		    n, len(wants), short(got[n]) if len(got) > n else "nothing"))
		r.close()
	s.close()
	note("%d readers got %d/%d messages of %d bytes" % (NR, NB, NB, M))


# ================================================================ no pong

@test("a client that never answers pings is closed after --pong-timeout")
def t_no_pong(ds, note):
	PI, PT = 1, 3
	d = relay(ds, "v4", ["--ping-interval", str(PI), "--pong-timeout",
	    str(PT)])
	key = room_key()
	b = d.client("B")
	b.handshake()
	b.join(key, "B", create=True)
	a = d.client("A")
	a.handshake()
	a.join(key, "A")
	b.expect("joined A")
	bres = {}

	def b_reader():
		# B answers pings (recv_text does) until it hears `left A`.
		try:
			bres["first"] = b.recv_text(PT + PI + 10)
		except Fail as e:
			bres["error"] = str(e)

	th = threading.Thread(target=b_reader, daemon=True)
	th.start()
	t0 = time.monotonic()
	pings, ev = 0, None
	end = t0 + PT + PI + 10
	while time.monotonic() < end:
		ev = a.event(max(0.01, end - time.monotonic()))
		if ev[0] != "ping":
			break
		pings += 1			# and never answered
	elapsed = time.monotonic() - t0
	check(ev is not None and ev[0] == "close", "A: expected a close, got %s"
	    % short(ev))
	eq(ev[1:], (1008, b"timeout"), "A's close")
	a.expect_end(TIMEOUT)
	check(pings >= 1, "A was closed without ever being pinged")
	th.join(TIMEOUT)
	check("error" not in bres, "B: %s" % bres.get("error"))
	eq(bres.get("first"), "left A", "B's next message")
	# B, which answers, is still served: a newcomer joins and talks to it.
	b.send(frame(OP_PING, b"still"), chop=0)
	for _ in range(10):
		ev = b.event()
		if ev[0] != "ping":
			break
		b.send(frame(OP_PONG, ev[1]), chop=0)
	eq(ev, ("pong", b"still"), "B's pong")
	l = d.client("L")
	l.handshake()
	eq(l.join(key, "L"), ["B", "L"], "members")
	b.expect("joined L")
	l.send_text("msg hi")
	b.expect("msg L hi")
	l.close()
	b.close()
	note("A closed 1008 \"timeout\" %.1fs after joining, after %d "
	    "unanswered pings; B (answering) still served" % (elapsed, pings))


# ================================================================ ping flood

@test("a client that pings and never reads is closed at --max-queue")
def t_ping_flood(ds, note):
	Q, N = 128 * KIB, 100000
	d = relay(ds, "v4", ["--max-queue", str(Q)])
	base = d.rss_kib()
	key = room_key()
	t = d.client("T")
	t.handshake()
	t.join(key, "T", create=True)
	p = stalled_member(d, key, t, "P")	# it pings and reads nothing
	rss = RssSampler(d)
	ping = frame(OP_PING, b"p" * 125)
	sent = 0
	try:
		for sent in range(1, N + 1):	# 13 MB of pings, 1.3 GB of pongs
			if not p.send(ping * 100, chop=0):
				break
		left = t.recv_text(10)
	finally:
		peak = rss.stop()
	eq(left, "left P", "T's next message")
	check(sent < N, "P sent all its pings: never closed")
	# P reads at last: its pongs, then the close or, after the relay's
	# grace for a closing peer, a reset.
	pongs = 0
	while True:
		ev = p.event()
		if ev[0] == "pong":
			pongs += 1
			continue
		break
	check(ev[0] in ("close", "reset", "eof"), "P: %s" % short(ev))
	if ev[0] == "close":
		eq(ev[1:], (1008, b"queue"), "P's close")
	# One queue of max-queue, one read's worth of pongs in wslay, slack.
	bound = base + (2 * Q + 2 * MIB) // KIB
	check(peak <= bound, "relay VmRSS peaked at %d KiB; bound %d KiB" %
	    (peak, bound))
	t.send_text("msg still-here")
	l = d.client("L")
	l.handshake()
	eq(l.join(key, "L"), ["T", "L"], "members")
	t.expect("joined L")
	l.send_text("msg hi")
	t.expect("msg L hi")
	for c in (t, p, l):
		c.close()
	note("P ended (%s) after %d00 pings; it read %d pongs first; VmRSS "
	    "%d -> peak %d KiB (bound %d)" % (ev[0] if ev[0] != "close" else
	    "close %d" % ev[1], sent, pongs, base, peak, bound))


# ================================================================ 5,000 conns

def open_many(d, n, batch=250):
	"""n WebSocket connections, handshakes pipelined in batches."""
	req = request(hostport(d), ws_key())
	socks = []
	while len(socks) < n:
		group = []
		for _ in range(min(batch, n - len(socks))):
			s = connect_raw(d, nodelay=False)
			s.sendall(req)
			group.append(s)
		for s in group:
			head = b""
			while b"\r\n\r\n" not in head:
				b = s.recv(4096)
				check(b, "connection %d closed during its handshake "
				    "(got %s)" % (len(socks), short(head)))
				head += b
			check(head.startswith(b"HTTP/1.1 101 "), "connection %d: %s"
			    % (len(socks), short(head)))
			socks.append(s)
	return socks


def close_many(socks):
	"""Half end with a close handshake, half just drop TCP."""
	half = len(socks) // 2
	for s in socks[:half]:
		s.sendall(close_frame(1000))
	for s in socks[:half]:
		data = b""
		while True:
			try:
				b = s.recv(4096)
			except ConnectionResetError:
				break
			if not b:
				break
			data += b
		check(data[:4] == b"\x88\x02\x03\xe8", "close reply: %s" %
		    short(data))
		s.close()
	for s in socks[half:]:
		s.close()


@test("5,000 concurrent connections, exact --max-conns, all closed, 3 rounds")
def t_5000(ds, note):
	N, ROUNDS, SLACK, BACK_SLACK = 5000, 3, 1024, 2048
	d = relay(ds, "v4", ["--max-conns", str(N), "--max-per-ip", str(N),
	    "--max-handshakes", "1000", "--max-handshakes-per-ip", "1000"])
	base_fds = d.nfds()
	base = d.rss_kib()
	rss = []
	t0 = time.monotonic()
	for rnd in range(ROUNDS):
		socks = open_many(d, N)
		try:
			# Exactly N: the next one is refused, even a real user.
			over = d.client("over")
			over.handshake(expect=503)
			over.close()
			blocked = False
			try:
				chat_pair(d, "full")
			except Fail:
				blocked = True
			check(blocked, "a client got in past --max-conns")
			full = d.rss_kib()
		finally:
			close_many(socks)
		wait_until(lambda: d.nfds() == base_fds, 15,
		    "relay back to %d open fds" % base_fds)
		chat_pair(d, "after%d" % rnd)
		# Issue 5: resident memory back to its baseline once they left
		# (the relay trims its heap after a crowd goes).
		wait_until(lambda: d.rss_kib() <= base + BACK_SLACK, 5,
		    "VmRSS back within %d KiB of its baseline %d KiB" % (
		    BACK_SLACK, base))
		rss.append((full, d.rss_kib()))
	per_conn = (rss[0][0] - base) * KIB // N
	check(per_conn <= 64 * KIB, "%d bytes of VmRSS per open connection" %
	    per_conn)
	# The allocator keeps its high-water mark; a leak would grow it round
	# after round (the 100,000-cycle test looks for small leaks).
	check(rss[-1][1] <= rss[1][1] + SLACK, "VmRSS after round %d (%d KiB) "
	    "grew past round 2 (%d KiB) + %d KiB" % (ROUNDS, rss[-1][1],
	    rss[1][1], SLACK))
	note("VmRSS baseline %d KiB; per round open/closed: %s KiB (%d B per "
	    "open conn); #%d got 503 each round; %.1fs" % (base, ", ".join(
	    "%d/%d" % x for x in rss), per_conn, N + 1, time.monotonic() - t0))


# ================================================================ 100,000 cycles

def cycles(d, n, nthreads=4):
	"""n connect + handshake + close cycles over nthreads threads; one in
	ten also makes a room (freed when its only member goes), one in ten
	ends with a close handshake, one in ten with a reset."""
	req = request(hostport(d), ws_key())
	errors = []
	lock = threading.Lock()

	def worker(k, count):
		try:
			for i in range(count):
				s = connect_raw(d, nodelay=False)
				s.sendall(req)
				head = b""
				while b"\r\n\r\n" not in head:
					b = s.recv(4096)
					check(b, "closed during the handshake")
					head += b
				check(head.startswith(b"HTTP/1.1 101 "), short(head))
				j = (i * nthreads + k) % 10
				if j == 0:
					s.sendall(text("create 1 %s x everyone" % room_key()))
					b = s.recv(4096)
					check(b"welcome" in b, "no welcome: %s" % short(b))
				elif j == 1:
					s.sendall(close_frame(1000))
					while s.recv(4096):
						pass
				elif j == 2:
					s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
					    struct.pack("ii", 1, 0))
				s.close()
		except Exception as e:
			with lock:
				errors.append("%s: %s" % (e.__class__.__name__, e))

	per = [n // nthreads + (1 if k < n % nthreads else 0)
	    for k in range(nthreads)]
	ths = [threading.Thread(target=worker, args=(k, per[k]), daemon=True)
	    for k in range(nthreads)]
	for th in ths:
		th.start()
	for th in ths:
		th.join(120)
	check(not any(th.is_alive() for th in ths), "cycles did not finish "
	    "within 120s")
	check(not errors, "%d workers failed: %s" % (len(errors), errors[0]
	    if errors else ""))


@test("100,000 connect/disconnect cycles: VmRSS back to its level (no leak)")
def t_cycles(ds, note):
	WARM, TOTAL, SLACK = 10000, 100000, 256
	d = relay(ds, "v4", ["--max-per-ip", "1000", "--max-handshakes", "1000",
	    "--max-handshakes-per-ip", "1000"])
	base_fds = d.nfds()
	base = d.rss_kib()
	t0 = time.monotonic()
	cycles(d, WARM)
	wait_until(lambda: d.nfds() == base_fds, 10, "relay back to its fds")
	warm = d.rss_kib()
	cycles(d, TOTAL - WARM)
	wait_until(lambda: d.nfds() == base_fds, 10, "relay back to its fds")
	after = d.rss_kib()
	chat_pair(d, "after")
	check(after <= warm + SLACK, "VmRSS %d KiB after %d cycles, %d KiB "
	    "after the %d warm-up: leak?" % (after, TOTAL, warm, WARM))
	note("VmRSS %d KiB at start, %d after %d, %d after %d cycles (slack "
	    "%d KiB); %.1fs" % (base, warm, WARM, after, TOTAL, SLACK,
	    time.monotonic() - t0))


# ================================================================ servchat

def http_get(host, port, fam, src=None, path="/"):
	af = socket.AF_INET if fam == "v4" else socket.AF_INET6
	s = socket.socket(af, socket.SOCK_STREAM)
	s.settimeout(TIMEOUT)
	if src is not None:
		s.bind((src, 0))
	try:
		s.connect((host, port))
		s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close"
		    "\r\n\r\n" % (path, host, port)).encode())
		data = b""
		end = time.monotonic() + TIMEOUT
		while time.monotonic() < end:
			b = s.recv(65536)
			if not b:
				break
			data += b
		return data
	finally:
		s.close()


@test("servchat: 200 idle connections dropped after --http-timeout, / served")
def t_servchat_idle(ds, note):
	exe = servchat_binary()
	HT, N = 3, 200
	d = ds.start(exe, "v4", ["-c", str(free_port("v4")), "--http-timeout",
	    str(HT), "--max-per-ip", str(N + 16), "--max-conns", str(N + 56)],
	    portopt="-s", scheme="http://")
	sel = selectors.DefaultSelector()
	socks = []
	for i in range(N):
		s = connect_raw(d, nodelay=True)
		if i % 2:
			# Half send an unfinished request, half nothing at all.
			s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
		s.setblocking(False)
		socks.append(s)
		sel.register(s, selectors.EVENT_READ, i)
	t0 = time.monotonic()
	nopen = N
	page = http_get(d.host, d.port, "v4")
	page2 = http_get(d.host, d.port, "v4", src="127.0.0.2")
	served_open = None
	got = [b""] * N
	end = t0 + HT + 15
	try:
		while nopen > 0 and time.monotonic() < end:
			# First pass without waiting: what ended while / was served.
			wait = 0 if served_open is None else 0.1
			for key, _ in sel.select(wait):
				i = key.data
				try:
					b = socks[i].recv(4096)
				except ConnectionResetError:
					b = b""
				except BlockingIOError:
					continue
				if b:
					got[i] += b
					continue
				nopen -= 1
				sel.unregister(socks[i])
			if served_open is None:
				served_open = nopen
	finally:
		sel.close()
		for s in socks:
			s.close()
	elapsed = time.monotonic() - t0
	eq(served_open, N, "idle connections open while / was served")
	for p, who in ((page, "127.0.0.1"), (page2, "127.0.0.2")):
		check(p.startswith(b"HTTP/1.1 200 "), "GET / from %s while %d idle "
		    "connections were held: %s" % (who, served_open, short(p)))
	check(nopen == 0, "%d of %d idle connections still open after %.1fs "
	    "(--http-timeout %d)" % (nopen, N, elapsed, HT))
	check(not any(g.startswith(b"HTTP/1.1 200") for g in got),
	    "an unfinished request was answered 200")
	after = http_get(d.host, d.port, "v4")
	check(after.startswith(b"HTTP/1.1 200 "), "GET / afterwards: %s" %
	    short(after))
	answered = sum(1 for g in got if g)
	note("%d idle connections closed within %.1fs (%d got an HTTP answer "
	    "first); / served during and after" % (N, elapsed, answered))


class Trickler:
	"""n connections from src, each sending a request head one header line
	every 0.5 s, never the blank line that ends it. Records when the
	server closed each one."""

	def __init__(self, d, srcs, n):
		self.socks = []
		for src in srcs:
			for _ in range(n):
				s = connect_raw(d, src=src)
				s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
				s.setblocking(False)
				self.socks.append(s)
		self.t0 = time.monotonic()
		self.closed = [None] * len(self.socks)
		self.answered = 0
		self.stop_ = threading.Event()
		self.t = threading.Thread(target=self._run, daemon=True)
		self.t.start()

	def _end(self, i):
		if self.closed[i] is None:
			self.closed[i] = time.monotonic() - self.t0

	def _run(self):
		k = 0
		while not self.stop_.wait(0.5):
			k += 1
			for i, s in enumerate(self.socks):
				if self.closed[i] is not None:
					continue
				try:
					b = s.recv(4096)
					if not b:
						self._end(i)
						continue
					self.answered += 1
				except BlockingIOError:
					pass
				except OSError:
					self._end(i)
					continue
				try:
					s.send(b"X-Trickle-%d: 1\r\n" % k)
				except BlockingIOError:
					pass
				except OSError:
					self._end(i)

	def stop(self):
		self.stop_.set()
		self.t.join(TIMEOUT)
		for s in self.socks:
			s.close()


def http_wait(d, src, limit):
	"""GET / from src: (seconds to the first byte of the answer, answer),
	or (None, b"") when nothing came within limit seconds."""
	s = connect_raw(d, src=src)
	t0 = time.monotonic()
	try:
		s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close"
		    b"\r\n\r\n")
		s.settimeout(limit)
		try:
			b = s.recv(65536)
		except socket.timeout:
			return None, b""
		return time.monotonic() - t0, b
	finally:
		s.close()


@test("servchat: trickled headers meet --request-timeout, a new address "
    "is served")
def t_servchat_trickle(ds, note):
	exe = servchat_binary()
	RT, NADDR, EACH = 5, 4, 64	# RT: --request-timeout's default
	d = ds.start(exe, "v4", ["-c", str(free_port("v4"))], portopt="-s",
	    scheme="http://")
	srcs = ["127.0.0.%d" % (2 + i) for i in range(NADDR)]
	tr = Trickler(d, srcs, EACH)
	try:
		time.sleep(1.0)
		took, page = http_wait(d, "127.0.0.%d" % (2 + NADDR), RT + 4)
		check(took is not None, "no answer within %ds to a fifth address "
		    "while %d addresses x %d trickle their headers" % (RT + 4,
		    NADDR, EACH))
		check(page.startswith(b"HTTP/1.1 200 "), "GET / from a fifth "
		    "address: %s" % short(page))
		wait_until(lambda: None not in tr.closed, RT + 4,
		    "every trickling connection closed")
	finally:
		tr.stop()
	last = max(tr.closed)
	check(last < RT + 2, "a trickling connection lasted %.1fs" % last)
	check(tr.answered == 0, "%d trickling requests were answered" %
	    tr.answered)
	note("%d x %d connections trickling a header line every 0.5 s fill "
	    "--max-conns; all closed by %.1fs; a fifth address got / after "
	    "%.1fs" % (NADDR, EACH, last, took + 1.0))


# ================================================================ runner

class Skip(Exception):
	pass


def main(argv):
	only = argv[argv.index("-k") + 1] if "-k" in argv else None
	r = Runner("abuse")
	if not os.access(binary("chatroom"), os.X_OK):
		r.bad("setup", "%s missing" % binary("chatroom"))
		return r.finish()
	t_all = time.monotonic()
	for name, f in TESTS:
		if only and only not in name:
			continue
		ds = Daemons()
		notes = []
		t0 = time.monotonic()
		try:
			f(ds, notes.append)
		except Skip as e:
			ds.kill_all()
			print("LEFT %s: %s" % (name, e), flush=True)
			continue
		except Fail as e:
			ds.kill_all()
			r.bad(name, str(e))
			continue
		except Exception:
			ds.kill_all()
			r.bad(name, traceback.format_exc().strip().replace("\n",
			    "\n    "))
			continue
		problems = ds.stop_all()
		if problems:
			r.bad(name, "; ".join(problems))
		else:
			r.ok(name, "%s; %.1fs" % ("; ".join(notes),
			    time.monotonic() - t0))
	print("abuse suite took %.1fs" % (time.monotonic() - t_all))
	return r.finish()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
