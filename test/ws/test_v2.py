"""test_v2.py: protocol version 2 over the real relay (sanctuary(7), RELAY
PROTOCOL, Version 2): IDs and acks, ping, rekey, kick with rekey, the race of
two moderators, retired keys, `error CODE ID`, flood refusals with their ID."""

import asyncio
import re

from harness import TIMEOUT, check, eq, frame, room_key, test


async def room2(ctx, mode, aliases, d=None, key=None):
	"""A version 2 room (first alias creates) with every welcome and joined
	checked. Returns (key, clients, tokens)."""
	key = key or room_key()
	mod = aliases[0] if mode == "owner" else "*"
	cs, toks = [], []
	for i, a in enumerate(aliases):
		c = await ctx.client(a, d)
		if i == 0:
			await c.send("create 2 %s %s %s" % (key, a, mode))
		else:
			await c.send("join 2 %s %s" % (key, a))
		toks.append(await c.expect_welcome(mode, mod, aliases[:i + 1]))
		for o in cs:
			await o.expect("joined " + a)
		cs.append(c)
	return key, cs, toks


async def sync2(sender, alias, seq, receivers):
	"""sender says `msg SEQ sync`: it gets `ack SEQ`, each receiver the msg
	as its very next frame (nothing else was queued before it)."""
	await sender.send("msg %d c3luYw" % seq)
	await sender.expect("ack %d" % seq)
	for r in receivers:
		await r.expect("msg %s c3luYw" % alias)


@test()
async def v2_versions(ctx):
	"""ping before create; a room keeps its version: roomversion both
	ways; VERSION 3 is `version`."""
	x = await ctx.client("x")
	await x.send("ping 1")
	await x.expect("pong 1")
	k2, (a, b), _ = await room2(ctx, "owner", ["ann", "bob"])
	k1, (v,), _ = await ctx.room("owner", ["vic"])
	await x.send("join 1 %s x" % k2)
	await x.expect("error roomversion")
	await x.send("join 2 %s x" % k1)
	await x.expect("error roomversion")
	await x.send("join 3 %s x" % k2)
	await x.expect("error version")
	await x.send("create 3 %s x owner" % room_key())
	await x.expect("error version")
	# Each room reads by its version's grammar.
	await a.send("ping 9007199254740991")
	await a.expect("pong 9007199254740991")
	await v.send("ping 2")
	await v.expect("error badcommand")
	await a.send("msg aGk")
	await a.expect("error badcommand")
	await a.send("kick bob")
	await a.expect("error badcommand")
	await x.send("msg 4 aGk")
	await x.expect("error notjoined 4")
	await sync2(a, "ann", 5, [b])


@test()
async def v2_ack(ctx):
	"""msg, purr and exit are acknowledged to their sender by ID."""
	key, (a, b, c), _ = await room2(ctx, "everyone", ["ann", "bob", "cy"])
	await b.send("msg 1 aGVsbG8")
	await b.expect("ack 1")
	await a.expect("msg bob aGVsbG8")
	await c.expect("msg bob aGVsbG8")
	await b.send("purr 2 cy cHNzdA")
	await b.expect("ack 2")
	await c.expect("purr bob cHNzdA")
	await c.send("exit 3 Ynll")
	await c.expect("ack 3")
	await c.expect_close(1000, "bye")
	await a.expect("left cy Ynll")
	await b.expect("left cy Ynll")
	await b.send("exit 9007199254740991")
	await b.expect("ack 9007199254740991")
	await b.expect_close(1000, "bye")
	await a.expect("left bob")
	await a.send("ping 7")
	await a.expect("pong 7")


@test()
async def v2_error_id(ctx):
	"""A refused frame with a valid ID gets `error CODE ID`; a bad ID is
	`error badid` without one."""
	key, (a, b), _ = await room2(ctx, "owner", ["ann", "bob"])
	rows = [
		("msg 5 a b", "error badbody 5"),
		("msg 5", "error badcommand 5"),
		("purr 6 zed eA", "error nosuchmember 6"),
		("purr 6 BOB eA", "error self 6"),
		("rekey 7 %s %s eA" % (key, room_key()), "error notallowed 7"),
		("kick 8 ann %s %s eA" % (key, room_key()), "error notallowed 8"),
		("rekey 9 nokey %s eA" % room_key(), "error badkey 9"),
		("msg 0 eA", "error badid"),
		("msg 01 eA", "error badid"),
		("msg -1 eA", "error badid"),
		("msg 9007199254740992 eA", "error badid"),
		("ping x", "error badid"),
		("ping", "error badcommand"),
		("exit 1a", "error badid"),
	]
	for f, want in rows:
		await b.send(f)
		await b.expect(want)
	await sync2(b, "bob", 10, [a])
	await sync2(a, "ann", 11, [b])


@test()
async def v2_rekey_moves_room(ctx):
	"""rekey: the room has NEWKEY at once, the old key gets noroom for a
	join and exists for a create; a resume with the old key and a token
	still enters; frames after the move reach every member."""
	key, (a, b, c), toks = await room2(ctx, "owner", ["ann", "bob", "cy"])
	new = room_key()
	await a.send("rekey 1 %s %s c2VhbGVk" % (key, new))
	await a.expect("ack 1")
	await b.expect("rekey ann c2VhbGVk")
	await c.expect("rekey ann c2VhbGVk")
	x = await ctx.client("dee")
	await x.send("join 2 %s dee" % key)
	await x.expect("error noroom")
	await x.send("join 2 %s bob" % key)
	await x.expect("error noroom")
	await x.send("create 2 %s dee owner" % key)
	await x.expect("error exists")
	await x.send("join 2 %s dee" % new)
	await x.expect_welcome("owner", "ann", ["ann", "bob", "cy", "dee"])
	for o in (a, b, c):
		await o.expect("joined dee")
	# bob, cut off across the move, comes back with the old key.
	b2 = await ctx.client("bob2")
	await b2.send("join 2 %s bob %s" % (key, toks[1]))
	await b2.expect_welcome("owner", "ann", ["ann", "bob", "cy", "dee"])
	await b.expect_close(4004, "replaced")
	await sync2(a, "ann", 2, [b2, c, x])
	await sync2(b2, "bob", 1, [a, c, x])


@test()
async def v2_kick_rekey(ctx):
	"""kick with rekey: everyone hears kicked, the victim is closed 4001,
	the rest get rekey, the sender ack; the victim's link is dead."""
	key, (a, b, c), toks = await room2(ctx, "owner", ["ann", "bob", "cy"])
	new = room_key()
	await a.send("kick 4 bob %s %s c2VhbGVk" % (key, new))
	await a.expect("kicked bob ann")
	await a.expect("ack 4")
	await b.expect("kicked bob ann")
	await b.expect_close(4001, "kicked")
	await c.expect("kicked bob ann")
	await c.expect("rekey ann c2VhbGVk")
	for j in ("join 2 %s bob %s" % (key, toks[1]), "join 2 %s bob" % key):
		x = await ctx.client("bob")
		await x.send(j)
		await x.expect("error noroom")
	await sync2(a, "ann", 5, [c])
	x = await ctx.client("dee")
	await x.send("join 2 %s dee" % new)
	await x.expect_welcome("owner", "ann", ["ann", "cy", "dee"])
	await a.expect("joined dee")
	await c.expect("joined dee")


@test()
async def v2_rekey_race(ctx):
	"""Two moderators rekey at once: exactly one wins (the frame read
	first), the other gets `error stale ID` after the winner's rekey."""
	key, (a, b, c), _ = await room2(ctx, "everyone", ["ann", "bob", "cy"])
	ka, kb = room_key(), room_key()
	await asyncio.gather(a.send("rekey 10 %s %s YQ" % (key, ka)),
	    b.send("rekey 20 %s %s Yg" % (key, kb)))
	fa = [await a.recv()]
	fb = [await b.recv()]
	if fa[0] == "ack 10":
		win, lose, wkey, lkey = a, b, ka, kb
		eq(fb[0], "rekey ann YQ", "bob's first frame")
		await b.expect("error stale 20")
		await c.expect("rekey ann YQ")
	else:
		win, lose, wkey, lkey = b, a, kb, ka
		eq(fb[0], "ack 20", "bob's first frame")
		eq(fa[0], "rekey bob Yg", "ann's first frame")
		await a.expect("error stale 10")
		await c.expect("rekey bob Yg")
	x = await ctx.client("dee")
	await x.send("join 2 %s dee" % lkey)
	await x.expect("error noroom")
	await x.send("join 2 %s dee" % wkey)
	await x.expect_welcome("everyone", "*", ["ann", "bob", "cy", "dee"])
	for o in (a, b, c):
		await o.expect("joined dee")
	# Nothing else was queued for anyone.
	await sync2(c, "cy", 30, [a, b, x])
	# The loser retries from the key it now holds: it works.
	await lose.send("rekey 40 %s %s YQ" % (wkey, room_key()))
	await lose.expect("ack 40")
	for o in (win, c, x):
		await o.expect("rekey %s YQ" % lose.name)


@test(per_family=False)
async def v2_flood_id(ctx):
	"""A flood refusal of an ID-carrying frame names the ID: every msg of a
	burst is either acked or refused `error flood ID`, each once."""
	burst, rate, n = 3, 2, 12
	d = ctx.daemon("--flood-burst", str(burst), "--flood-rate", str(rate))
	key, (o,), _ = await room2(ctx, "everyone", ["obs"], d=d)
	f = await ctx.raw_ws("fl", d)
	await f.send("join 2 %s fl" % key)
	await f.expect_welcome("everyone", "*", ["obs", "fl"])
	await o.expect("joined fl")
	await asyncio.sleep(2.0 * burst / rate)	# setup: a full bucket
	await f.write(b"".join(frame(0x1, b"msg %d eA" % i)
	    for i in range(1, n + 1)))
	acked, refused = [], []
	for _ in range(n):
		ev = await f.next(timeout=3 * TIMEOUT)
		if ev[0] == "close":
			break
		m = re.match(r"^(ack|error flood) (\d+)$", ev[1])
		check(m, "fl received %r" % (ev,))
		(acked if m.group(1) == "ack" else refused).append(
		    int(m.group(2)))
	check(len(refused) >= 1, "some refused: %s" % refused)
	eq(acked[:burst], [1, 2, 3], "the first burst is acked")
	eq(sorted(set(acked + refused)), sorted(acked + refused),
	    "each ID once")
	check(set(acked + refused) <= set(range(1, n + 1)), "IDs sent")
