"""test_input.py: malformed commands and frames. In every case another member
of the same room keeps receiving everything afterwards."""

import asyncio
import struct

from harness import eq, frame, room_key, sync, test

NONCANONICAL_KEY = "A" * 21 + "B"	# low 4 bits of the last char not zero


@test()
async def malformed_commands_after_join(ctx):
	key, (x, o), _ = await ctx.room("everyone", ["xi", "obs"])
	cases = [
	    ("hello", "badcommand"),
	    ("MSG hi", "badcommand"),
	    ("", "badcommand"),
	    ("msg", "badcommand"),
	    ("msg ", "badcommand"),
	    (" msg hi", "badcommand"),
	    ("msg  hi", "badcommand"),
	    ("purr obs", "badcommand"),
	    ("purr  obs hi", "badcommand"),
	    ("kick", "badcommand"),
	    ("kick obs now", "badcommand"),
	    ("stop now", "badcommand"),
	    ("exit ", "badcommand"),
	    ("msg h\u00e9llo", "badbody"),
	    ("msg a\tb", "badbody"),
	    ("msg a\x7f", "badbody"),
	    ("msg a\x01", "badbody"),
	    ("purr obs h\u00e9llo", "badbody"),
	    ("exit h\u00e9llo", "badbody"),
	    ("purr nobody hi", "nosuchmember"),
	    ("kick nobody", "nosuchmember"),
	    ("kick xi", "self"),
	    ("purr xi hi", "self"),
	    ("create 1 %s xi owner" % room_key(), "joined"),
	    ("join 1 %s xi2" % key, "joined"),
	]
	for cmd, code in cases:
		await x.send(cmd)
		eq(await x.recv(), "error " + code, "reply to %r" % cmd)
	# Nothing reached obs; xi is still a member and still works.
	await sync(x, "xi", [o], "after")
	await sync(o, "obs", [x], "back")


@test()
async def malformed_create_join(ctx):
	key, (o, t), _ = await ctx.room("owner", ["obs", "tal"])
	free = room_key()
	p = await ctx.client("pat")
	cases = [
	    ("msg hi", "notjoined"),
	    ("purr obs hi", "notjoined"),
	    ("kick obs", "notjoined"),
	    ("stop", "notjoined"),
	    ("exit", "notjoined"),
	    ("exit bye", "notjoined"),
	    ("create 3 %s pat owner" % free, "version"),
	    ("create 0 %s pat owner" % free, "version"),
	    ("join 3 %s pat" % key, "version"),
	    ("create 1 %s pat owner" % free[:21], "badkey"),
	    ("create 1 %s pat owner" % (free + "A"), "badkey"),
	    ("create 1 %s pat owner" % NONCANONICAL_KEY, "badkey"),
	    ("create 1 %s pat owner" % (free[:21] + "+"), "badkey"),
	    ("create 1 %s pat owner" % (free[:20] + "=="), "badkey"),
	    ("join 1 %s pat" % key[:21], "badkey"),
	    ("join 1 %s pat" % (key[:10] + "/" + key[11:]), "badkey"),
	    ("create 1 %s * owner" % free, "badalias"),
	    ("join 1 %s *" % key, "badalias"),
	    ("create 1 %s %s owner" % (free, "p" * 33), "badalias"),
	    ("create 1 %s %s owner" % (free, "\u00e9" * 16 + "p"), "badalias"),
	    ("create 1 %s p\u00a0t owner" % free, "badalias"),	# NBSP
	    ("create 1 %s p\u200bt owner" % free, "badalias"),	# ZWSP
	    ("create 1 %s p\u202et owner" % free, "badalias"),	# RLO
	    ("create 1 %s \ufeffpat owner" % free, "badalias"),	# BOM
	    ("create 1 %s p\u3000t owner" % free, "badalias"),	# ideographic sp
	    ("create 1 %s p\u0085t owner" % free, "badalias"),	# NEL (C1)
	    ("create 1 %s p\u2028t owner" % free, "badalias"),	# LS
	    ("create 1 %s p\u00adt owner" % free, "badalias"),	# soft hyphen
	    ("create 1 %s p\tt owner" % free, "badalias"),
	    ("create 1 %s p\x7ft owner" % free, "badalias"),
	    ("join 1 %s p\u2003t" % key, "badalias"),		# em space
	    ("create 1 %s pat admin" % free, "badmode"),
	    ("create 1 %s pat Owner" % free, "badmode"),
	    ("create 1 %s pat" % free, "badcommand"),
	    ("create 1 %s pat owner extra" % free, "badcommand"),
	    ("create 1  %s pat owner" % free, "badcommand"),
	    ("join 1 %s" % key, "badcommand"),
	    ("join 1 %s pat %s extra" % (key, room_key()), "badcommand"),
	    ("join 1 %s pat short" % key, "badtoken"),
	    ("join 1 %s pat %s" % (key, room_key() + "x"), "badtoken"),
	    ("join 1 %s pat" % free, "noroom"),
	    ("create 1 %s pat owner" % key, "exists"),
	    ("join 1 %s OBS" % key, "aliastaken"),
	]
	for cmd, code in cases:
		await p.send(cmd)
		eq(await p.recv(), "error " + code, "reply to %r" % cmd)
	# After all that pat can still join; obs and tal saw only that.
	await p.send("join 1 %s pat" % key)
	await p.expect_welcome("owner", "obs", ["obs", "tal", "pat"])
	await o.expect("joined pat")
	await t.expect("joined pat")
	await sync(p, "pat", [o, t])
	await sync(t, "tal", [o, p])


async def bad_member(ctx, d=None):
	"""A room [bad (raw), obs, tal]; returns (key, bad, obs, tal)."""
	d = d or ctx.shared
	key = room_key()
	o = await ctx.client("obs", d)
	await o.send("create 1 %s obs owner" % key)
	await o.expect_welcome("owner", "obs", ["obs"])
	t = await ctx.client("tal", d)
	await t.send("join 1 %s tal" % key)
	await t.expect_welcome("owner", "obs", ["obs", "tal"])
	await o.expect("joined tal")
	b = await ctx.raw_ws("bad", d)
	await b.send("join 1 %s bad" % key)
	await b.expect_welcome("owner", "obs", ["obs", "tal", "bad"])
	await o.expect("joined bad")
	await t.expect("joined bad")
	return key, b, o, t


async def dropped(b, o, t, codes, reason=None):
	"""bad is closed with codes; obs sees `left bad` and keeps receiving."""
	await b.expect_close(codes, reason)
	await o.expect("left bad")
	await t.expect("left bad")
	await sync(t, "tal", [o], "still")
	await sync(o, "obs", [t], "here")


@test()
async def message_size_limit(ctx):
	key, b, o, t = await bad_member(ctx)
	# A frame of exactly --max-message bytes (default 65536) is relayed.
	body = "B" * (65536 - len("msg "))
	await b.send("msg " + body)
	await o.expect("msg bad " + body)
	await t.expect("msg bad " + body)
	# One byte more closes 1009.
	await b.send("msg " + body + "B")
	await dropped(b, o, t, 1009)


@test()
async def message_size_limit_fragmented(ctx):
	"""The limit applies to the whole message, not to each fragment."""
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg " + b"F" * 40000, fin=False)
	await b.send_frame(0x0, b"F" * 40000, fin=True)
	await dropped(b, o, t, 1009)


@test()
async def message_size_limit_option(ctx):
	d = ctx.daemon("--max-message", "300")
	key, b, o, t = await bad_member(ctx, d)
	body = "C" * (300 - 4)
	await b.send("msg " + body)
	await o.expect("msg bad " + body)
	await t.expect("msg bad " + body)
	await b.send("msg " + body + "C")
	await dropped(b, o, t, 1009)


@test()
async def fragmented_message_with_ping(ctx):
	"""A message in three fragments is one message; a ping between the
	fragments is answered before the message is complete."""
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg fr", fin=False)
	await b.send_frame(0x0, b"ag", fin=False)
	await b.send_frame(0x9, b"pp")
	fin, op, p = await b.read_frame()
	eq((fin, op, p), (True, 0xA, b"pp"), "pong between fragments")
	await b.send_frame(0x0, b"ment", fin=True)
	await o.expect("msg bad fragment")
	await t.expect("msg bad fragment")
	await sync(o, "obs", [t, b])


@test()
async def pauses_across_the_tick(ctx):
	"""The relay gives an idle connection's WebSocket parser back on its
	tick (every 250 ms) and starts a fresh one on the next byte. Pauses of
	two ticks inside a fragmented message, inside a frame header and inside
	a payload lose nothing, and an idle member still gets the next message."""
	key, b, o, t = await bad_member(ctx)
	await asyncio.sleep(0.6)
	await b.send_frame(0x1, b"msg fr", fin=False)
	await asyncio.sleep(0.6)
	await b.send_frame(0x9, b"pp")
	fin, op, p = await b.read_frame()
	eq((fin, op, p), (True, 0xA, b"pp"), "pong between fragments")
	await asyncio.sleep(0.6)
	await b.send_frame(0x0, b"agment", fin=True)
	await o.expect("msg bad fragment")
	await t.expect("msg bad fragment")
	whole = frame(0x1, b"msg split")
	for cut in (1, 7):	# inside the header, then inside the payload
		await asyncio.sleep(0.6)
		await b.write(whole[:cut])
		await asyncio.sleep(0.6)
		await b.write(whole[cut:])
		await o.expect("msg bad split")
		await t.expect("msg bad split")
	await asyncio.sleep(0.6)
	await sync(o, "obs", [t, b])


@test()
async def invalid_utf8_closes_1007(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg \xff\xfe")
	await dropped(b, o, t, 1007)


@test()
async def invalid_utf8_in_fragment_closes_1007(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg \xc3", fin=False)
	await b.send_frame(0x0, b"(", fin=True)	# \xc3 ( is not UTF-8
	await dropped(b, o, t, 1007)


@test()
async def overlong_utf8_closes_1007(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg \xc0\xaf")	# overlong '/'
	await dropped(b, o, t, 1007)


@test()
async def binary_frame_closes_1003(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x2, b"msg hi")
	await dropped(b, o, t, 1003)


@test()
async def binary_frame_websockets_client(ctx):
	key, (x, o), _ = await ctx.room("everyone", ["xi", "obs"])
	await x.send(b"msg hi")
	await x.expect_close(1003)
	await o.expect("left xi")


@test()
async def unmasked_frame_closes(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg hi", mask=False)
	await dropped(b, o, t, (1002, 1005))


@test()
async def rsv_bits_close(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x1, b"msg hi", rsv=4)	# RSV1: no extension agreed
	await dropped(b, o, t, (1002, 1005))


@test()
async def reserved_opcode_closes(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x3, b"msg hi")
	await dropped(b, o, t, (1002, 1005))


@test()
async def orphan_continuation_closes(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x0, b"msg hi")
	await dropped(b, o, t, (1002, 1005))


@test()
async def oversized_ping_closes(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x9, b"p" * 126)
	await dropped(b, o, t, (1002, 1005))


@test()
async def fragmented_ping_closes(ctx):
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x9, b"pp", fin=False)
	await dropped(b, o, t, (1002, 1005))


@test()
async def client_close_is_drop(ctx):
	"""A close frame from a member (no exit) is a drop: `left ALIAS`; the
	relay answers the close (echoing the code, or without a status)."""
	key, b, o, t = await bad_member(ctx)
	await b.send_frame(0x8, struct.pack("!H", 1000) + b"done")
	await dropped(b, o, t, (1000, 1005))


@test()
async def tcp_drop(ctx):
	key, b, o, t = await bad_member(ctx)
	b.abort()
	await o.expect("left bad")
	await t.expect("left bad")
	await sync(o, "obs", [t])


@test()
async def text_before_handshake_end_is_not_a_frame(ctx):
	"""A frame sent as HTTP garbage never joins anyone: 400, connection
	closed, the daemon lives on."""
	r = await ctx.raw("junk")
	await r.write(b"\x81\x85abcd" + bytes(5) + b"\r\n\r\n")
	st, _, _ = await r.response()
	eq(st, 400, "status")
	await r.expect_eof()
