"""test_room.py: rooms, members, messages, moderation, resume (sanctuary(7))."""

import asyncio

from harness import check, eq, is_token, room_key, sync, test


@test()
async def create_join_welcome(ctx):
	"""welcome TOKEN MODE MOD MEMBERS (join order, recipient included);
	joined ALIAS to the others only; tokens distinct."""
	for mode in ("owner", "everyone"):
		key, (a, b, c), toks = await ctx.room(mode, ["ann", "bob", "cy"])
		eq(len(set(toks)), 3, "three distinct tokens")
		# Nobody got anything else (no joined to oneself, no echo).
		await sync(c, "cy", [a, b])
		await sync(a, "ann", [b, c])


@test()
async def welcome_reports_extensions_refused(ctx):
	"""The client offers permessage-deflate (websockets' default); the 101
	carries no Sec-WebSocket-Extensions and no subprotocol."""
	c = await ctx.client("ann", compression="deflate",
	    subprotocols=["chat"])
	eq(c.ws.extensions, [], "negotiated extensions")
	eq(c.ws.subprotocol, None, "negotiated subprotocol")
	eq(c.ws.response_headers.get_all("Sec-WebSocket-Extensions"), [],
	    "Sec-WebSocket-Extensions header")
	key = room_key()
	await c.send("create 1 %s ann everyone" % key)
	await c.expect_welcome("everyone", "*", ["ann"])


@test()
async def any_path_accepted(ctx):
	"""Any path is accepted and ignored; join data never needs the URL."""
	r = await ctx.raw("ann")
	await r.handshake(ctx.shared.hostport, path="/some/path?x=1")
	key = room_key()
	await r.send("create 1 %s ann owner" % key)
	await r.expect_welcome("owner", "ann", ["ann"])


@test()
async def aliases_unique_case_folded(ctx):
	key, (a,), _ = await ctx.room("everyone", ["Alice"])
	for alias in ("Alice", "alice", "ALICE", "aLiCe"):
		c = await ctx.client(alias)
		await c.send("join 1 %s %s" % (key, alias))
		await c.expect("error aliastaken")
		await c.close()
	# Full case folding: É and é are one alias; E is another.
	c1 = await ctx.client("\u00e9mile")
	await c1.send("join 1 %s \u00e9mile" % key)
	await c1.expect_welcome("everyone", "*", ["Alice", "\u00e9mile"])
	await a.expect("joined \u00e9mile")
	c2 = await ctx.client("\u00c9mile")
	await c2.send("join 1 %s \u00c9mile" % key)
	await c2.expect("error aliastaken")
	await c2.send("join 1 %s Emile" % key)
	await c2.expect_welcome("everyone", "*",
	    ["Alice", "\u00e9mile", "Emile"])
	await a.expect("joined Emile")
	await c1.expect("joined Emile")
	# A refused join leaves the connection usable for a good one.
	c3 = await ctx.client("x")
	await c3.send("join 1 %s alice" % key)
	await c3.expect("error aliastaken")
	await c3.send("join 1 %s alice2" % key)
	await c3.expect_welcome("everyone", "*",
	    ["Alice", "\u00e9mile", "Emile", "alice2"])
	for o in (a, c1, c2):
		await o.expect("joined alice2")
	await sync(c3, "alice2", [a, c1, c2])


@test()
async def alias_limits(ctx):
	"""32 bytes of UTF-8 is the longest alias; a non-ASCII alias works."""
	a32 = "\u00e9" * 16
	check(len(a32.encode()) == 32, "32 bytes")
	key, (a, b), _ = await ctx.room("owner", [a32, "b" * 32])
	await sync(a, a32, [b])
	await sync(b, "b" * 32, [a])


@test()
async def messages_fan_out_exactly_once(ctx):
	_, (a, b, c), _ = await ctx.room("everyone", ["ann", "bob", "cy"])
	await a.send("msg m1")
	await b.expect("msg ann m1")
	await c.expect("msg ann m1")
	await b.send("msg m2")
	await a.expect("msg bob m2")	# a got no echo of m1
	await c.expect("msg bob m2")
	await c.send("msg m3")
	await a.expect("msg cy m3")
	await b.expect("msg cy m3")	# b got no echo of m2
	await a.send("msg m4")
	await b.expect("msg ann m4")
	await c.expect("msg ann m4")	# c got no echo of m3
	await b.send("msg m5")
	await a.expect("msg bob m5")	# a got no echo of m4
	await c.expect("msg bob m5")
	# Any visible ASCII, and a long body, go through unchanged.
	body = "".join(chr(x) for x in range(0x21, 0x7f))
	await sync(a, "ann", [b, c], body)
	await sync(c, "cy", [a, b], "Q" * 40000)
	# Many messages keep their order.
	for i in range(50):
		await a.send("msg n%d" % i)
	for r in (b, c):
		for i in range(50):
			await r.expect("msg ann n%d" % i)
	await sync(b, "bob", [a, c])


@test()
async def whisper_reaches_one(ctx):
	_, (a, b, c), _ = await ctx.room("owner", ["ann", "bob", "cy"])
	await a.send("purr bob secret")
	await b.expect("purr ann secret")
	await sync(b, "bob", [c, a])	# c got nothing; a got no echo
	await c.send("purr ann psst")
	await a.expect("purr cy psst")
	await sync(a, "ann", [b, c])


@test()
async def missing_member_and_self(ctx):
	_, (a, b), _ = await ctx.room("owner", ["ann", "bob"])
	await a.send("purr zed hi")
	await a.expect("error nosuchmember")
	await a.send("kick zed")
	await a.expect("error nosuchmember")
	await a.send("kick ann")
	await a.expect("error self")
	await a.send("purr ann hi")
	await a.expect("error self")
	await b.send("purr zed hi")
	await b.expect("error nosuchmember")
	await sync(a, "ann", [b])
	await sync(b, "bob", [a])


@test()
async def kick_owner_mode(ctx):
	_, (a, b, c), _ = await ctx.room("owner", ["ann", "bob", "cy"])
	await b.send("kick cy")
	await b.expect("error notallowed")
	await b.send("stop")
	await b.expect("error notallowed")
	await a.send("kick cy")
	for x in (a, b, c):
		await x.expect("kicked cy ann")
	await c.expect_close(4001)
	# Nothing else (no `left cy`) reached the others.
	await sync(b, "bob", [a])
	await sync(a, "ann", [b])


@test()
async def kick_everyone_mode(ctx):
	_, (a, b, c), _ = await ctx.room("everyone", ["ann", "bob", "cy"])
	await c.send("kick bob")
	for x in (a, b, c):
		await x.expect("kicked bob cy")
	await b.expect_close(4001)
	await sync(a, "ann", [c])
	await sync(c, "cy", [a])


@test()
async def stop_room(ctx):
	for mode, by in (("owner", 0), ("everyone", 2)):
		key, cs, _ = await ctx.room(mode, ["ann", "bob", "cy"])
		alias = ["ann", "bob", "cy"][by]
		await cs[by].send("stop")
		for x in cs:
			await x.expect("stopped " + alias)
		for x in cs:
			await x.expect_close(4002)
		d = await ctx.client("dan")
		await d.send("join 1 %s dan" % key)
		await d.expect("error noroom")
		await d.send("create 1 %s dan owner" % key)
		await d.expect_welcome("owner", "dan", ["dan"])


@test()
async def exit_with_and_without_farewell(ctx):
	key, (a, b, c), _ = await ctx.room("everyone", ["ann", "bob", "cy"])
	await b.send("exit bye!")
	await a.expect("left bob bye!")
	await c.expect("left bob bye!")
	await b.expect_close(1000)
	await a.send("exit")
	await c.expect("left ann")
	await a.expect_close(1000)
	await sync(c, "cy", [])
	# The last member out wipes the room.
	await c.send("exit")
	await c.expect_close(1000)
	d = await ctx.client("dan")
	await d.send("join 1 %s dan" % key)
	await d.expect("error noroom")
	await d.send("create 1 %s dan everyone" % key)
	await d.expect_welcome("everyone", "*", ["dan"])


@test()
async def last_member_drop_wipes_room(ctx):
	key, (a,), _ = await ctx.room("owner", ["ann"])
	a.abort()
	# The relay saw the reset before it could accept dan's connection and
	# answer the handshake, so the room is gone by the time dan joins.
	d = await ctx.client("dan")
	await d.send("join 1 %s dan" % key)
	await d.expect("error noroom")
	await d.send("create 1 %s dan owner" % key)
	await d.expect_welcome("owner", "dan", ["dan"])


@test()
async def owner_exit_passes_moderation(ctx):
	key, (a, b, c), _ = await ctx.room("owner", ["ann", "bob", "cy"])
	await a.send("exit")
	for x in (b, c):
		await x.expect("left ann")
		await x.expect("moderator bob")
	await a.expect_close(1000)
	await c.send("kick bob")
	await c.expect("error notallowed")
	d = await ctx.client("dan")
	await d.send("join 1 %s dan" % key)
	await d.expect_welcome("owner", "bob", ["bob", "cy", "dan"])
	await b.expect("joined dan")
	await c.expect("joined dan")
	await b.send("kick cy")
	for x in (b, c, d):
		await x.expect("kicked cy bob")
	await c.expect_close(4001)
	await sync(d, "dan", [b])


@test()
async def owner_drop_passes_moderation(ctx):
	"""Owner's TCP connection vanishes (no close frame): left + moderator."""
	key = room_key()
	a = await ctx.raw_ws("ann")
	await a.send("create 1 %s ann owner" % key)
	await a.expect_welcome("owner", "ann", ["ann"])
	b = await ctx.client("bob")
	await b.send("join 1 %s bob" % key)
	await b.expect_welcome("owner", "ann", ["ann", "bob"])
	await a.expect("joined bob")
	c = await ctx.client("cy")
	await c.send("join 1 %s cy" % key)
	await c.expect_welcome("owner", "ann", ["ann", "bob", "cy"])
	await a.expect("joined cy")
	await b.expect("joined cy")
	a.abort()
	for x in (b, c):
		await x.expect("left ann")
		await x.expect("moderator bob")
	# bob (longest present) now moderates; close handshake drop of bob.
	await b.close()
	await c.expect("left bob")
	await c.expect("moderator cy")
	await c.send("stop")
	await c.expect("stopped cy")
	await c.expect_close(4002)


@test()
async def everyone_mode_leave_no_moderator(ctx):
	_, (a, b, c), _ = await ctx.room("everyone", ["ann", "bob", "cy"])
	await a.send("exit")
	await b.expect("left ann")
	await c.expect("left ann")
	await sync(b, "bob", [c])	# no `moderator` frame
	await sync(c, "cy", [b])


@test()
async def resume_with_token(ctx):
	key, (a, b), (ta, tb) = await ctx.room("owner", ["ann", "bob"])
	a2 = await ctx.client("ann'")
	await a2.send("join 1 %s ann %s" % (key, ta))
	ta2 = await a2.expect_welcome("owner", "ann", ["ann", "bob"])
	await a.expect_close(4004)
	# bob was told nothing: his next frame is a2's message, and a2's next
	# frame is bob's.
	await sync(a2, "ann", [b])
	await sync(b, "bob", [a2])
	# ann keeps her place and her moderation.
	await a2.send("kick bob")
	await a2.expect("kicked bob ann")
	await b.expect("kicked bob ann")
	await b.expect_close(4001)
	check(is_token(ta2), "token")


@test()
async def resume_wrong_token(ctx):
	key, (a, b), (ta, tb) = await ctx.room("everyone", ["ann", "bob"])
	c = await ctx.client("ann?")
	await c.send("join 1 %s ann %s" % (key, room_key()))
	await c.expect("error aliastaken")
	# bob's token does not open ann's place.
	await c.send("join 1 %s ann %s" % (key, tb))
	await c.expect("error aliastaken")
	await sync(a, "ann", [b])
	await sync(b, "bob", [a])


@test()
async def room_limits(ctx):
	d = ctx.daemon("--max-rooms", "1", "--max-members", "2")
	key, (a, b), _ = await ctx.room("owner", ["ann", "bob"], d=d)
	c = await ctx.client("cy", d)
	await c.send("join 1 %s cy" % key)
	await c.expect("error roomfull")
	await c.send("create 1 %s cy owner" % room_key())
	await c.expect("error toomanyrooms")
	await sync(a, "ann", [b])
	# A freed place and a freed room can be taken again.
	await b.send("exit")
	await a.expect("left bob")
	await b.expect_close(1000)
	await c.send("join 1 %s cy" % key)
	await c.expect_welcome("owner", "ann", ["ann", "cy"])
	await a.expect("joined cy")
	await a.send("stop")
	await a.expect("stopped ann")
	await c.expect("stopped ann")
	e = await ctx.client("eve", d)
	await e.send("create 1 %s eve owner" % room_key())
	await e.expect_welcome("owner", "eve", ["eve"])


@test()
async def client_ping_answered(ctx):
	c = await ctx.client("ann")
	pong = await c.ws.ping(b"hello")
	await asyncio.wait_for(pong, 5)
	r = await ctx.raw_ws("raw")
	await r.send_frame(0x9, b"abc")
	fin, op, p = await r.read_frame()
	eq((fin, op, p), (True, 0xA, b"abc"), "pong frame")
