"""test_handshake.py: the opening handshake over raw sockets (RFC 6455 4.2)."""

import asyncio
import base64
import os

import websockets.exceptions

from harness import (Client, Fail, check, check_101, eq, header, request,
    room_key, test, ws_key)


async def status_of(ctx, req, d=None, chunks=1, what="hs"):
	"""Sends req, returns (status, headers); an error response must be
	followed by the server closing the connection."""
	r = await ctx.raw(what, d)
	if chunks == 1:
		await r.write(req)
	else:
		n = (len(req) + chunks - 1) // chunks
		for i in range(0, len(req), n):
			await r.write(req[i:i + n])
			await asyncio.sleep(0.01)	# separate segments; not an assertion
	st, hdrs, _ = await r.response()
	if st != 101:
		await r.expect_eof()
	r.close()
	return st, hdrs


async def expect_status(ctx, req, want, d=None, what=""):
	what = what or short_req(req)
	st, hdrs = await status_of(ctx, req, d, what="request " + repr(what))
	eq(st, want, "status for %s" % what)
	return hdrs


def short_req(req):
	return repr(req[:60])


def same_host_origin(ctx, port=6969):
	return ("http://127.0.0.1:%d" if ctx.fam == "v4" else "http://[::1]:%d") \
	    % port


@test()
async def handshake_ok(ctx):
	hp = ctx.shared.hostport
	key = ws_key()
	r = await ctx.raw("hs")
	await r.write(request(hp, key=key, extra=(
	    "Sec-WebSocket-Extensions: permessage-deflate; "
	    "client_max_window_bits",
	    "Sec-WebSocket-Protocol: chat, superchat",
	    "User-Agent: test")))
	st, hdrs, _ = await r.response()
	eq(st, 101, "status")
	check_101(hdrs, key)
	# The connection speaks WebSocket now.
	await r.send("create 1 %s ann owner" % room_key())
	await r.expect_welcome("owner", "ann", ["ann"])


@test()
async def handshake_variants_accepted(ctx):
	"""Token lists, odd case and the RFC 6455 sample key are fine."""
	hp = ctx.shared.hostport
	reqs = [
	    request(hp, omit=("connection",),
		extra=("Connection: keep-alive, Upgrade",)),
	    request(hp, omit=("upgrade", "connection"),
		extra=("upgrade: WebSocket", "connection: upgrade")),
	    request(hp, omit=("sec-websocket-key",),
		extra=("sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",)),
	    request(hp, origin=same_host_origin(ctx)),
	    request(hp, origin=same_host_origin(ctx, ctx.shared.port)),
	    request(hp, path="/anything"),
	]
	for req in reqs:
		st, hdrs = await status_of(ctx, req)
		eq(st, 101, "status for %r" % req)
	# The RFC's own vector.
	st, hdrs = await status_of(ctx, reqs[2])
	eq(header(hdrs, "sec-websocket-accept"), ["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
	    "accept for the RFC 6455 sample key")


@test()
async def handshake_in_pieces(ctx):
	"""The verdict does not depend on how the bytes arrive."""
	hp = ctx.shared.hostport
	st, _ = await status_of(ctx, request(hp), chunks=7)
	eq(st, 101, "status of a request in 7 pieces")
	st, _ = await status_of(ctx, request(hp, method="POST"), chunks=5)
	eq(st, 405, "status of a POST in 5 pieces")


@test()
async def handshake_400(ctx):
	hp = ctx.shared.hostport
	k15 = base64.b64encode(os.urandom(15)).decode()
	k17 = base64.b64encode(os.urandom(17)).decode()
	cases = [
	    ("no Host", request(hp, omit=("host",))),
	    ("no Upgrade", request(hp, omit=("upgrade",))),
	    ("Upgrade: h2c", request(hp, omit=("upgrade",),
		extra=("Upgrade: h2c",))),
	    ("no Connection", request(hp, omit=("connection",))),
	    ("Connection: close", request(hp, omit=("connection",),
		extra=("Connection: close",))),
	    ("no key", request(hp, omit=("sec-websocket-key",))),
	    ("key of 15 bytes", request(hp, key=k15)),
	    ("key of 17 bytes", request(hp, key=k17)),
	    ("key not base64", request(hp, key="!" * 22 + "==")),
	    ("empty key", request(hp, key="")),
	    ("duplicate key", request(hp,
		extra=("Sec-WebSocket-Key: " + ws_key(),))),
	    ("obs-fold", request(hp, extra=("X-Folded: a", " b"))),
	    ("obs-fold tab", request(hp, extra=("X-Folded: a", "\tb"))),
	    ("bare LF", request(hp, eol="\n")),
	    ("one bare LF", request(hp).replace(b"Upgrade: websocket\r\n",
		b"Upgrade: websocket\n")),
	    ("bare CR", request(hp).replace(b"Upgrade: websocket\r\n",
		b"Upgrade: websocket\r")),
	    ("no colon", request(hp, extra=("X-No-Colon",))),
	    ("request line", b"GET\r\n\r\n"),
	    ("not HTTP", b"HELLO / FOO/1.1\r\nHost: " + hp.encode() +
		b"\r\n\r\n"),
	    ("HTTP/1.0", request(hp).replace(b"HTTP/1.1", b"HTTP/1.0", 1)),
	]
	bad = []
	for what, req in cases:
		try:
			await expect_status(ctx, req, 400, what=what)
		except Fail as e:
			bad.append(str(e))
	check(not bad, "; ".join(bad))


@test()
async def handshake_405(ctx):
	hp = ctx.shared.hostport
	for m in ("POST", "PUT", "HEAD", "OPTIONS"):
		await expect_status(ctx, request(hp, method=m), 405, what=m)


@test()
async def handshake_426(ctx):
	hp = ctx.shared.hostport
	for v in ("8", "12", "14", "1"):
		hdrs = await expect_status(ctx, request(hp, version=v), 426,
		    what="version " + v)
		eq(header(hdrs, "sec-websocket-version"), ["13"],
		    "Sec-WebSocket-Version of the 426")


@test()
async def handshake_431(ctx):
	hp = ctx.shared.hostport
	# Default --max-header-bytes 8192.
	await expect_status(ctx, request(hp, extra=("X-Pad: " + "a" * 9000,)),
	    431, what="9 KB of headers")
	ok = request(hp, extra=("X-Pad: " + "a" * 7000,))
	check(len(ok) < 8192, "fits")
	await expect_status(ctx, ok, 101, what="7 KB of headers")
	# Without an end of headers: decided once the limit is reached.
	r = await ctx.raw("hs")
	await r.write(b"GET / HTTP/1.1\r\nX-Pad: " + b"b" * 9000)
	st, _, _ = await r.response()
	eq(st, 431, "status of an endless header")
	await r.expect_eof()


@test()
async def handshake_431_option(ctx):
	d = ctx.daemon("--max-header-bytes", "512")
	req = request(d.hostport, extra=("X-Pad: " + "a" * 600,))
	await expect_status(ctx, req, 431, d=d, what="600 B of headers")
	await expect_status(ctx, request(d.hostport), 101, d=d,
	    what="a small request")


@test()
async def origin_check(ctx):
	hp = ctx.shared.hostport
	other = "http://[::1]:6969" if ctx.fam == "v4" else "http://127.0.0.1:6969"
	host = "127.0.0.1" if ctx.fam == "v4" else "[::1]"
	refused = [
	    "http://evil.example",
	    "http://evil.example:6969",
	    other,
	    "http://%s.evil.example:6969" % host.strip("[]"),
	    "null",
	]
	for o in refused:
		await expect_status(ctx, request(hp, origin=o), 403,
		    what="Origin " + o)
	for o in (same_host_origin(ctx), "http://%s" % host,
	    "https://%s:443" % host):
		await expect_status(ctx, request(hp, origin=o), 101,
		    what="Origin " + o)
	await expect_status(ctx, request(hp), 101, what="no Origin")


@test()
async def origin_refused_websockets_client(ctx):
	try:
		c = await Client.connect(ctx.shared, "evil",
		    origin="http://evil.example")
	except websockets.exceptions.InvalidStatusCode as e:
		eq(e.status_code, 403, "status")
		return
	await c.close()
	raise AssertionError("a foreign Origin was accepted")


@test()
async def origin_allow_list(ctx):
	d = ctx.daemon("--origin", "http://sanctuary.test:6969",
	    "--origin", "https://chat.example")
	hp = d.hostport
	for o in ("http://sanctuary.test:6969", "https://chat.example",
	    same_host_origin(ctx)):
		await expect_status(ctx, request(hp, origin=o), 101, d=d,
		    what="Origin " + o)
	for o in ("http://sanctuary.test:7000", "http://other.test:6969",
	    "http://chat.example", "null"):
		await expect_status(ctx, request(hp, origin=o), 403, d=d,
		    what="Origin " + o)
