"""test_limits.py: flood control, slow readers, timeouts, connection caps and
signals. Each test runs its own daemon with the limit under test."""

import asyncio
import math
import re
import signal
import time

from harness import (TEST_TIMEOUT, TIMEOUT, Fail, check, eq, frame, request,
    room_key, short, sync, test)


async def outcome(tasks, timeout=TIMEOUT):
	done, _ = await asyncio.wait(set(tasks), timeout=timeout,
	    return_when=asyncio.FIRST_COMPLETED)
	return done


async def flood_room(ctx, burst, rate):
	d = ctx.daemon("--flood-burst", str(burst), "--flood-rate", str(rate))
	key, (o, t), _ = await ctx.room("everyone", ["obs", "tal"], d=d)
	f = await ctx.raw_ws("fl", d)
	await f.send("join 1 %s fl" % key)
	await f.expect_welcome("everyone", "*", ["obs", "tal", "fl"])
	await o.expect("joined fl")
	await t.expect("joined fl")
	# Setup, not an assertion: fl's join cost a token; wait until its
	# bucket is certainly full again.
	await asyncio.sleep(2.0 * burst / rate)
	return o, t, f


async def relayed_until_left(c, n):
	"""Indexes of `msg fl fI` frames c receives before `left fl`."""
	got = []
	for _ in range(n + 1):
		fr = await c.recv(timeout=3 * TIMEOUT)
		if fr == "left fl":
			return got
		m = re.match(r"^msg fl f(\d+)$", fr)
		check(m, "%s received %r" % (c.name, fr))
		got.append(int(m.group(1)))
	raise Fail("%s: no `left fl`" % c.name)


@test()
async def flood(ctx):
	"""--flood-burst 5 --flood-rate 2, 40 messages in one write: the first 5
	are relayed, the excess gets `error flood`, relayed = burst + refilled,
	each once and in order; more than 5 strikes close 1008 "flood"."""
	burst, rate, n = 5, 2, 40
	o, t, f = await flood_room(ctx, burst, rate)
	t0 = time.monotonic()
	await f.write(b"".join(frame(0x1, b"msg f%d" % i) for i in range(n)))
	refused = 0
	for _ in range(n + 1):
		ev = await f.next(timeout=3 * TIMEOUT)
		if ev[0] == "close":
			break
		eq(ev, ("text", "error flood"), "fl received")
		refused += 1
	elapsed = time.monotonic() - t0
	eq(ev[1:], (1008, "flood"), "fl's close")
	relayed = await relayed_until_left(o, n)
	eq(await relayed_until_left(t, n), relayed, "tal's messages")
	what = "%d relayed, %d refused, then close 1008" % (len(relayed),
	    refused)
	eq(relayed[:burst], list(range(burst)), "the first burst is relayed")
	check(relayed == sorted(set(relayed)), "order: %s" % relayed)
	refilled = len(relayed) - burst
	check(refilled <= math.floor(rate * elapsed) + 1,
	    "relayed %d = burst %d + %d refilled in %.2fs at %d/s" % (
	    len(relayed), burst, refilled, elapsed, rate))
	# More than burst strikes close: the last refused message may or may
	# not have got its `error flood` before the close.
	check(refused in (burst, burst + 1), "%s: want %d or %d `error flood` "
	    "before the close" % (what, burst, burst + 1))
	check(len(relayed) + refused <= n, "more outcomes than messages")
	await sync(o, "obs", [t])
	await sync(t, "tal", [o])


@test()
async def flood_paced(ctx):
	"""A sender that waits for each message before the next is slowed to the
	bucket's rate, never past it (man/sanctuary.7, FLOOD CONTROL: an empty
	bucket stops reading; nothing is waiting then, so no strike): every
	message is relayed, none refused, the connection stays open, and the
	number relayed never exceeds burst + rate * elapsed."""
	burst, rate, total = 5, 2, 13
	o, t, f = await flood_room(ctx, burst, rate)
	relayed = []
	t0 = time.monotonic()
	for i in range(total):
		await f.send("msg f%d" % i)
		ev = await o.next(timeout=TEST_TIMEOUT)
		eq(ev, ("text", "msg fl f%d" % i), "obs received")
		relayed.append(i)
		refilled = len(relayed) - burst
		check(refilled <= math.floor(rate * (time.monotonic() - t0)) + 1,
		    "relayed %d = burst %d + %d refilled in %.2fs at %d/s" % (
		    len(relayed), burst, refilled, time.monotonic() - t0, rate))
	eq(relayed, list(range(total)), "every paced message relayed")
	await f.send("msg last")
	eq(await o.next(timeout=TEST_TIMEOUT), ("text", "msg fl last"),
	    "the paced sender is still open")
	for body in ["f%d" % i for i in range(total)] + ["last"]:
		eq(await t.next(timeout=TEST_TIMEOUT), ("text", "msg fl " + body),
		    "tal received")
	await sync(o, "obs", [t, f])


@test()
async def flood_strikes_reset(ctx):
	"""Strikes reset when the bucket is full again: a member that overdoes
	it now and then is never closed."""
	burst, rate = 3, 10
	o, t, f = await flood_room(ctx, burst, rate)
	tO = asyncio.ensure_future(o.next(timeout=TEST_TIMEOUT))
	tF = asyncio.ensure_future(f.next(timeout=TEST_TIMEOUT))
	seen = []
	try:
		for rnd in range(2 * burst + 1):	# more rounds than strikes
			if rnd:
				await asyncio.sleep(2.0 * burst / rate)	# bucket full
			# burst + 2 messages in one write: some are refused.
			n = burst + 2
			want = ["msg fl r%dn%d" % (rnd, i) for i in range(n)]
			await f.write(b"".join(frame(0x1, ("msg " + w[7:]).encode())
			    for w in want))
			got, refused = [], 0
			while len(got) + refused < n:
				done = await outcome([tO, tF], timeout=3 * TIMEOUT)
				check(done, "round %d: %d relayed, %d refused of %d"
				    % (rnd, len(got), refused, n))
				if tF in done:
					eq(tF.result(), ("text", "error flood"),
					    "round %d: fl received" % rnd)
					refused += 1
					tF = asyncio.ensure_future(
					    f.next(timeout=TEST_TIMEOUT))
				if tO in done:
					ev = tO.result()
					check(ev[0] == "text" and ev[1] in want,
					    "round %d: obs received %s" % (rnd, ev))
					got.append(ev[1])
					tO = asyncio.ensure_future(
					    o.next(timeout=TEST_TIMEOUT))
			check(refused, "round %d: nothing refused" % rnd)
			eq(got[:burst], want[:burst], "round %d: first burst" % rnd)
			check(got == [w for w in want if w in got],
			    "round %d: order %s" % (rnd, got))
			seen += got
	finally:
		tO.cancel()
		tF.cancel()
		await asyncio.sleep(0)
	for fr in seen:
		await t.expect(fr)
	await sync(f, "fl", [o, t], "alive")


@test()
async def slow_reader_closed(ctx):
	"""A member that never reads is closed once its queue passes
	--max-queue; the others see `left` and get every message."""
	d = ctx.daemon("--max-queue", "65536", "--flood-rate", "100000",
	    "--flood-burst", "100000")
	key = room_key()
	s = await ctx.client("snd", d)
	await s.send("create 1 %s snd everyone" % key)
	await s.expect_welcome("everyone", "*", ["snd"])
	t = await ctx.client("thr", d)
	await t.send("join 1 %s thr" % key)
	await t.expect_welcome("everyone", "*", ["snd", "thr"])
	await s.expect("joined thr")
	n = await ctx.raw_ws("nrd", d, rcvbuf=4096)
	await n.send("join 1 %s nrd" % key)
	await n.expect_welcome("everyone", "*", ["snd", "thr", "nrd"])
	await s.expect("joined nrd")
	await t.expect("joined nrd")
	n.pause()

	pad = "x" * 1017	# bodies of 1 KiB
	got_t = []
	left_at = None
	tS = asyncio.ensure_future(s.next(timeout=TEST_TIMEOUT))
	tT = asyncio.ensure_future(t.next(timeout=TEST_TIMEOUT))
	sent = 0
	extra = 0
	limit = 20000	# 20 MB: far beyond kernel buffers plus --max-queue
	while sent < limit:
		await s.send("msg %07d%s" % (sent, pad))
		sent += 1
		if left_at is not None:
			extra += 1
			if extra >= 100:
				break
		# Keep thr at most 32 messages behind, so that thr's own queue
		# stays far below --max-queue whatever the kernel buffers do.
		while True:
			if tT.done():
				ev = tT.result()
				check(ev[0] == "text", "thr: %s" % (ev,))
				got_t.append(ev[1])
				tT = asyncio.ensure_future(t.next(timeout=TEST_TIMEOUT))
				continue
			if len(got_t) >= sent - 32:
				break
			done = await outcome([tT])
			check(done, "thr: no message within %gs (sent %d, got %d)"
			    % (TIMEOUT, sent, len(got_t)))
		if tS.done():
			ev = tS.result()
			check(left_at is None, "snd: unexpected %s" % (ev,))
			eq(ev, ("text", "left nrd"), "snd received")
			left_at = sent
			tS = asyncio.ensure_future(s.next(timeout=TEST_TIMEOUT))
	check(left_at is not None, "nrd not closed after %d KiB" % sent)
	await s.send("msg end")
	while not got_t or got_t[-1] != "msg snd end":
		done = await outcome([tT])
		check(done, "thr: stalled at %d of %d" % (len(got_t), sent + 1))
		ev = tT.result()
		check(ev[0] == "text", "thr: %s" % (ev,))
		got_t.append(ev[1])
		tT = asyncio.ensure_future(t.next(timeout=TEST_TIMEOUT))
	eq(got_t.count("left nrd"), 1, "`left nrd` at thr")
	want = ["msg snd %07d%s" % (i, pad) for i in range(sent)] + ["msg snd end"]
	got = [m for m in got_t if m != "left nrd"]
	eq(len(got), len(want), "messages at thr")
	check(got == want, "thr got every message exactly once, in order")
	tS.cancel()
	tT.cancel()
	await asyncio.sleep(0)
	await sync(t, "thr", [s])
	# nrd's connection ends (possibly with a close 1008 "queue" it could not
	# read in time, possibly with a reset).
	n.resume()
	end = time.monotonic() + 30
	while True:
		check(time.monotonic() < end, "nrd's connection still open")
		ev = await n.next(timeout=TIMEOUT)
		if ev[0] == "close":
			check(ev[1] in (1006, 1008), "nrd close %s" % (ev,))
			if ev[1] == 1008:
				eq(ev[2], "queue", "nrd close reason")
			break


@test()
async def send_buffer_bounds_backlog(ctx):
	"""With --send-buffer, a member that stops reading is closed once the
	relay's queue and a small kernel buffer are full, not after megabytes,
	and the 1008 "queue" close reaches it right behind what it left unread."""
	d = ctx.daemon("--send-buffer", "8192", "--max-queue", "65536",
	    "--flood-rate", "100000", "--flood-burst", "100000")
	key = room_key()
	s = await ctx.client("snd", d)
	await s.send("create 1 %s snd everyone" % key)
	await s.expect_welcome("everyone", "*", ["snd"])
	n = await ctx.raw_ws("nrd", d, rcvbuf=4096)
	await n.send("join 1 %s nrd" % key)
	await n.expect_welcome("everyone", "*", ["snd", "nrd"])
	await s.expect("joined nrd")
	n.pause()
	pad = "x" * 1017	# bodies of 1 KiB
	# 64 KiB queued, 16 KiB of kernel send buffer, a few KiB at nrd and in
	# flight: about 90 messages. Without the option Linux would take MiBs.
	bound = 300
	tS = asyncio.ensure_future(s.next(timeout=TEST_TIMEOUT))
	sent = 0
	while not tS.done():
		check(sent < bound, "nrd not closed after %d KiB" % sent)
		await s.send("msg %07d%s" % (sent, pad))
		sent += 1
		await asyncio.sleep(0)
		if sent % 16 == 0:
			await outcome([tS], 0.01)
	eq(tS.result(), ("text", "left nrd"), "snd received")
	n.resume()
	got = 0
	while True:
		ev = await n.next(timeout=TIMEOUT)
		if ev[0] != "text":
			break
		eq(ev[1], "msg snd %07d%s" % (got, pad), "nrd's message %d" % got)
		got += 1
	eq(ev[:3], ("close", 1008, "queue"), "nrd close")
	check(got < sent, "nrd got %d of %d before its close" % (got, sent))


@test()
async def join_timeout(ctx):
	d = ctx.daemon("--join-timeout", "1")
	key, (a,), _ = await ctx.room("owner", ["ann"], d=d)
	idle = await ctx.client("idle", d)
	await idle.expect_close(4003)
	# The member is not affected: its next frame is the next join.
	b = await ctx.client("bob", d)
	await b.send("join 1 %s bob" % key)
	await b.expect_welcome("owner", "ann", ["ann", "bob"])
	await a.expect("joined bob")
	await sync(a, "ann", [b])


@test()
async def pong_timeout(ctx):
	"""A member that never answers pings is closed 1008 "timeout"; a member
	whose client answers them stays."""
	d = ctx.daemon("--ping-interval", "1", "--pong-timeout", "2")
	key, (a, b), _ = await ctx.room("everyone", ["ann", "bob"], d=d)
	r = await ctx.raw_ws("mute", d)
	r.answer_pings = False
	await r.send("join 1 %s mute" % key)
	await r.expect_welcome("everyone", "*", ["ann", "bob", "mute"])
	await a.expect("joined mute")
	await b.expect("joined mute")
	ev = await r.next(timeout=5 * TIMEOUT)
	check(r.pings >= 1, "no ping before the close")
	eq(ev, ("close", 1008, "timeout"), "mute's close")
	await r.expect_eof()
	await a.expect("left mute")
	await b.expect("left mute")
	# ann and bob (websockets answers pings) are still there.
	await sync(a, "ann", [b])
	await sync(b, "bob", [a])


async def refused_503(ctx, d, what):
	r = await ctx.raw("over", d)
	await r.write(request(d.hostport))
	st, _, _ = await r.response()
	eq(st, 503, "status " + what)
	await r.expect_eof()


async def accepted_again(ctx, d, what):
	"""A freed slot is reusable: the relay frees it asynchronously, so
	poll (bounded) until a handshake gets 101."""
	for _ in range(50):
		r = await ctx.raw("again", d)
		await r.write(request(d.hostport))
		st, _, _ = await r.response()
		if st == 101:
			return r
		eq(st, 503, "status " + what)
		r.close()
		await asyncio.sleep(0.1)
	raise Fail("slot never freed: " + what)


@test()
async def per_ip_cap(ctx):
	d = ctx.daemon("--max-per-ip", "3")
	key, cs, _ = await ctx.room("everyone", ["a1", "a2", "a3"], d=d)
	await refused_503(ctx, d, "of a 4th connection from one address")
	await cs[2].send("exit")
	await cs[2].expect_close(1000)
	await cs[0].expect("left a3")
	r = await accepted_again(ctx, d, "after one member left")
	await r.send("join 1 %s a4" % key)
	await r.expect_welcome("everyone", "*", ["a1", "a2", "a4"])


@test()
async def max_conns_cap(ctx):
	d = ctx.daemon("--max-conns", "2")
	await ctx.client("a", d)
	b = await ctx.client("b", d)
	await refused_503(ctx, d, "of a 3rd connection")
	await b.close()
	await accepted_again(ctx, d, "after one closed")


@test()
async def max_handshakes_cap(ctx):
	d = ctx.daemon("--max-handshakes", "2")
	req = request(d.hostport)
	p1 = await ctx.raw("p1", d)
	p2 = await ctx.raw("p2", d)
	await p1.write(req[:20])
	await p2.write(req[:20])
	await refused_503(ctx, d, "with 2 handshakes pending")
	# Finishing a handshake frees its slot.
	await p1.write(req[20:])
	st, _, _ = await p1.response()
	eq(st, 101, "status of the completed handshake")
	await accepted_again(ctx, d, "after a handshake completed")


@test()
async def handshake_timeout(ctx):
	d = ctx.daemon("--handshake-timeout", "1")
	r = await ctx.raw("slow", d)
	await r.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
	data = await r.expect_eof(timeout=5 * TIMEOUT)
	check(data == b"" or data.startswith(b"HTTP/1.1 "),
	    "bytes before the close: %r" % data[:80])
	# Silent connections are closed too.
	r2 = await ctx.raw("mute", d)
	await r2.expect_eof(timeout=5 * TIMEOUT)


async def shutdown(ctx, sig):
	d = ctx.daemon()
	_, (a, b), _ = await ctx.room("owner", ["ann", "bob"], d=d)
	_, (c,), _ = await ctx.room("everyone", ["cy"], d=d)
	p = await ctx.client("pre", d)		# connected, not joined
	d.signal(sig)
	for x in (a, b, c):
		await x.expect_close(1001)
	ev = await p.next()
	check(ev[0] == "close", "pre-join connection got %s" % (ev,))
	loop = asyncio.get_running_loop()
	rc = await loop.run_in_executor(None, d.wait)
	check(rc is not None, "no exit within %gs" % TIMEOUT)
	check(rc == 0, "exit status %s, stderr %s" % (rc,
	    short(d.err.data, 300)))
	eq(d.extra_stdout(), b"", "stdout after the banner")
	eq(d.err.data, b"", "stderr")


@test()
async def sigterm(ctx):
	await shutdown(ctx, signal.SIGTERM)


@test()
async def sigint(ctx):
	await shutdown(ctx, signal.SIGINT)


@test()
async def session_prints_nothing(ctx):
	"""A whole session with errors of every kind: the daemon prints its
	banner line and nothing else, on stdout or stderr."""
	d = ctx.daemon("--flood-burst", "3", "--flood-rate", "1",
	    "--max-message", "1024")
	key, (a, b, c), _ = await ctx.room("owner", ["ann", "bob", "cy"], d=d)
	await a.send("msg hi")
	await b.expect("msg ann hi")
	await c.expect("msg ann hi")
	await b.send("purr ann psst")
	await a.expect("purr bob psst")
	await b.send("kick cy")
	await b.expect("error notallowed")
	await c.send("bogus")
	await c.expect("error badcommand")
	await a.send("kick cy")
	for x in (a, b, c):
		await x.expect("kicked cy ann")
	await c.expect_close(4001)
	e = await ctx.client("eve", d)
	await e.send("join 1 %s bob" % key)
	await e.expect("error aliastaken")
	await e.send(b"\x00binary")
	await e.expect_close(1003)
	f = await ctx.client("big", d)
	await f.send("join 1 %s big" % key)
	await f.expect_welcome("owner", "ann", ["ann", "bob", "big"])
	await a.expect("joined big")
	await b.expect("joined big")
	await f.send("msg " + "X" * 2000)
	await f.expect_close(1009)
	await a.expect("left big")
	await b.expect("left big")
	r = await ctx.raw("bad", d)
	await r.write(request(d.hostport, origin="http://evil.example"))
	st, _, _ = await r.response()
	eq(st, 403, "status")
	await a.send("exit bye")
	await b.expect("left ann bye")
	await b.expect("moderator bob")
	await a.expect_close(1000)
	# Six messages at once against a bucket of 3: some are refused.
	for i in range(6):
		await b.send("msg fl%d" % i)
	for _ in range(6):
		if await b.recv() == "error flood":
			break
	else:
		raise Fail("no flood refusal")
	d.signal(signal.SIGTERM)
	loop = asyncio.get_running_loop()
	rc = await loop.run_in_executor(None, d.wait)
	check(rc == 0, "exit status %s, stderr %s" % (rc,
	    short(d.err.data, 300)))
	eq(d.out.data.decode(errors="replace"), d.banner_line + "\n",
	    "everything on stdout")
	eq(d.err.data, b"", "stderr")
