#!/usr/bin/python3
"""
run.py: Autobahn-style conformance cases against the real chatroom relay.

The Autobahn|Testsuite cannot run here, so its case groups are rebuilt: 1
framing, 2 ping/pong, 3 RSV bits, 4 reserved opcodes, 5 fragmentation, 6 UTF-8,
7 close, 9 sizes, 12/13 permessage-deflate (refused). The relay is not an echo
server: every case runs in a room with an observer O, the case's sender S, and
O checks what was relayed (`msg S BODY`), while S checks what came back to it.

Each case runs six times: written whole, then in 1-byte and in 7-byte writes
(handshake included), to a plain relay and then the same three over wss to a
relay with a certificate of a throw-away CA made by certtool (every chop one
TLS record). Expected outcomes:
  - strict cases exactly (relayed text, error reply, pong payload, close code);
  - frame-layer violations: a close frame with 1002 or without status, then the
    relay ends the TCP connection by itself; nothing else is accepted;
  - anything over --max-message: 1009;
  - a permessage-deflate offer: a 101 without Sec-WebSocket-Extensions.
After every case a fresh client joins O's room and chats, which also proves
that O (and S, if it is still open) received nothing more than the case said.

Usage: /usr/bin/python3 test/conformance/run.py [-v] [-k SUBSTRING]
"""

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wslib import (Daemon, Fail, Runner, binary, body, check, close_frame,
    cont, eq, frame, make_pki, room_key, short, text, OP_BINARY, OP_CLOSE,
    OP_PING, OP_PONG, OP_TEXT)

MAX_MESSAGE = 65536
# Flood and per-IP limits out of the way (tested in test/abuse); no server
# pings during a case, so that every frame S sees is the case's doing.
DAEMON_ARGS = ["--max-message", str(MAX_MESSAGE), "--flood-rate", "100000",
    "--flood-burst", "100000", "--max-per-ip", "100000",
    "--max-handshakes", "1000", "--max-handshakes-per-ip", "1000",
    "--ping-interval", "3600",
    "--pong-timeout", "3600"]

MODES = (("whole", None), ("chop1", 1), ("chop7", 7))
# The same over wss: (name, chop), each chop one TLS record.
TLS_MODES = (("wss", None), ("wss-chop1", 1), ("wss-chop7", 7))
PROTO = (1002, None)		# a frame-layer failure: 1002 or no status

CASES = []


def case(cid, desc, handshake=()):
	"""Registers f(t) as case cid. handshake: extra request headers for S."""
	def reg(f):
		CASES.append((cid, desc, f, tuple(handshake)))
		return f
	return reg


class T:
	"""One case run: the daemon, the room, O and S, and the sending mode."""

	def __init__(self, d, chop, hs_extra):
		self.d = d
		self.chop = chop
		self.key = room_key()
		self.socks = []
		self.o = self.client("O", None)
		self.o.handshake()
		self.o.join(self.key, "O", create=True)
		self.s = self.client("S", chop)
		self.s.handshake(extra=hs_extra)
		self.hs_headers = self.s.headers
		self.s.join(self.key, "S")
		self.o.expect("joined S")
		self.s_open = True

	def client(self, name, chop):
		c = self.d.client(name, chop=chop)
		self.socks.append(c)
		return c

	def send(self, data):
		"""S writes data in the case's mode."""
		self.s.send(data)

	def o_gets(self, *texts):
		for x in texts:
			self.o.expect(x)

	def s_gets(self, *texts):
		for x in texts:
			self.s.expect(x)

	def s_event(self, want):
		ev = self.s.event()
		eq(ev, want, "S received")

	def s_pong(self, payload):
		self.s_event(("pong", payload))

	def relayed(self, body_text):
		"""S's `msg BODY` reached O as `msg S BODY`."""
		self.o.expect("msg S " + body_text)

	def s_fails(self, codes=PROTO, left=True):
		"""S is failed: a close with one of codes, then the relay ends the
		TCP connection without waiting for S (RFC 6455 7.1.7, required
		for frame-layer and UTF-8 failures); O hears `left S`. A 1009 is
		a plain close: S answers it as a client would."""
		self.s.expect_close(codes, reply=1009 in codes)
		self.s_open = False
		if left:
			self.o.expect("left S")

	def s_closed(self, code, reason=None):
		"""A close with code (answered by S), then TCP close; O hears
		`left S`."""
		self.s.expect_close((code,), reason=reason, reply=True)
		self.s_open = False
		self.o.expect("left S")

	def s_alive(self):
		"""S can still talk: its next message is relayed."""
		self.s.send(text("msg still-here"), chop=0)
		self.relayed("still-here")

	def finish(self):
		"""Daemon alive; a fresh client joins and chats; O and S (if open)
		see exactly that and nothing else."""
		check(self.d.alive(), "relay died")
		l = self.client("L", None)
		l.handshake()
		members = l.join(self.key, "L")
		eq(members, ["O", "S", "L"] if self.s_open else ["O", "L"],
		    "members in L's welcome")
		self.o.expect("joined L")
		l.send_text("msg alive")
		self.o.expect("msg L alive")
		if self.s_open:
			self.s.expect("joined L")
			self.s.expect("msg L alive")

	def close(self):
		for c in self.socks:
			c.close()


def msg(b):
	"""The text frame payload of `msg BODY`."""
	return "msg " + b


# ================================================================ 1 framing
# Lengths are of the frame payload, `msg ` + BODY (BODY: visible ASCII).

@case("1.1.1", "empty text message: `error badcommand`, no close")
def _(t):
	t.send(text(""))
	t.s_gets("error badcommand")
	t.s_alive()


def framing_len(n):
	def f(t):
		b = body(n - 4, "L%d-" % n)
		t.send(text(msg(b)))
		t.relayed(b)
	return f


for i, n in enumerate((5, 125, 126, 127, 128, 65535, 65536)):
	case("1.1.%d" % (i + 2), "text payload of %d bytes relayed" % n)(
	    framing_len(n))


@case("1.1.9", "payload 125 in a non-minimal 16-bit length: fail")
def _(t):
	t.send(text(msg(body(121)), length="16"))
	t.s_fails()


@case("1.1.10", "payload 65535 in a non-minimal 64-bit length: fail")
def _(t):
	t.send(text(msg(body(65531)), length="64"))
	t.s_fails()


@case("1.1.11", "64-bit length with the most significant bit set: fail")
def _(t):
	t.send(text(b"msg x", length="64", declared=(1 << 63) | 5))
	t.s_fails()


@case("1.1.12", "unmasked client frame: fail")
def _(t):
	t.send(text(msg("unmasked"), mask=False))
	t.s_fails()


@case("1.1.13", "three messages in one write, all relayed in order")
def _(t):
	t.send(text(msg("one")) + text(msg(body(300, "two"))) + text(msg("3")))
	t.relayed("one")
	t.relayed(body(300, "two"))
	t.relayed("3")


def binary_len(n):
	def f(t):
		t.send(frame(OP_BINARY, bytes(range(256)) * (n // 256) +
		    bytes(n % 256)))
		t.s_closed(1003)
	return f


for i, n in enumerate((0, 125, 65536)):
	case("1.2.%d" % (i + 1), "binary message of %d bytes: close 1003" % n)(
	    binary_len(n))


# ================================================================ 2 ping/pong

@case("2.1", "ping without payload: empty pong")
def _(t):
	t.send(frame(OP_PING))
	t.s_pong(b"")
	t.s_alive()


@case("2.2", "ping with a text payload: identical pong")
def _(t):
	t.send(frame(OP_PING, b"Hello, world!"))
	t.s_pong(b"Hello, world!")
	t.s_alive()


@case("2.3", "ping with a binary payload: identical pong")
def _(t):
	p = bytes([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff])
	t.send(frame(OP_PING, p))
	t.s_pong(p)
	t.s_alive()


@case("2.4", "ping with 125 bytes of payload: identical pong")
def _(t):
	p = bytes(range(125))
	t.send(frame(OP_PING, p))
	t.s_pong(p)
	t.s_alive()


@case("2.5", "ping with 126 bytes of payload: fail")
def _(t):
	t.send(frame(OP_PING, bytes(126)))
	t.s_fails()


@case("2.6", "unsolicited pong without payload: ignored")
def _(t):
	t.send(frame(OP_PONG))
	t.s_alive()


@case("2.7", "unsolicited pong with payload: ignored")
def _(t):
	t.send(frame(OP_PONG, b"unsolicited"))
	t.s_alive()


@case("2.8", "unsolicited pong, then ping: only the ping's pong")
def _(t):
	t.send(frame(OP_PONG, b"p1") + frame(OP_PING, b"p2"))
	t.s_pong(b"p2")
	t.s_alive()


@case("2.9", "10 pings in one write: 10 pongs in order")
def _(t):
	t.send(b"".join(frame(OP_PING, b"ping-%d" % i) for i in range(10)))
	for i in range(10):
		t.s_pong(b"ping-%d" % i)
	t.s_alive()


@case("2.10", "ping with 125 bytes in a 16-bit length: fail")
def _(t):
	t.send(frame(OP_PING, bytes(125), length="16"))
	t.s_fails()


# ================================================================ 3 RSV bits

def rsv_case(rsv, op, payload, before=None, after=None):
	def f(t):
		data = b""
		if before is not None:
			data += text(msg(before))
		data += frame(op, payload, rsv=rsv)
		if after is not None:
			data += frame(OP_PING, after)
		t.send(data)
		if before is not None:
			t.relayed(before)
		t.s_fails()		# and no pong for `after`: next is the close
	return f


case("3.1", "text with RSV1 (no extension negotiated): fail")(
    rsv_case(1, OP_TEXT, msg("rsv1")))
case("3.2", "text with RSV2 after a valid message: relayed, then fail")(
    rsv_case(2, OP_TEXT, msg("rsv2"), before="first"))
case("3.3", "text with RSV3 between a valid message and a ping: fail, no pong")(
    rsv_case(3, OP_TEXT, msg("rsv3"), before="first", after=b"p"))
case("3.4", "binary with RSV4: fail")(rsv_case(4, OP_BINARY, b"\x00\xff"))
case("3.5", "ping with RSV5: fail")(rsv_case(5, OP_PING, b"p"))
case("3.6", "close with RSV6: fail")(rsv_case(6, OP_CLOSE, b"\x03\xe8"))
case("3.7", "pong with RSV7: fail")(rsv_case(7, OP_PONG, b""))


# ================================================================ 4 opcodes

def opcode_case(op, payload, before=None, after=None):
	def f(t):
		data = b""
		if before is not None:
			data += text(msg(before))
		data += frame(op, payload)
		if after is not None:
			data += frame(OP_PING, after)
		t.send(data)
		if before is not None:
			t.relayed(before)
		t.s_fails()
	return f


for i, op in enumerate((3, 4, 5, 6, 7)):
	if i % 2 == 0:
		case("4.1.%d" % (i + 1), "reserved non-control opcode %d: fail" %
		    op)(opcode_case(op, b""))
	else:
		case("4.1.%d" % (i + 1), "reserved non-control opcode %d with "
		    "payload between a message and a ping: fail, no pong" % op)(
		    opcode_case(op, b"reserved", before="first", after=b"p"))
for i, op in enumerate((11, 12, 13, 14, 15)):
	if i % 2 == 0:
		case("4.2.%d" % (i + 1), "reserved control opcode %d: fail" % op)(
		    opcode_case(op, b""))
	else:
		case("4.2.%d" % (i + 1), "reserved control opcode %d with "
		    "payload between a message and a ping: fail, no pong" % op)(
		    opcode_case(op, b"reserved", before="first", after=b"p"))


# ================================================================ 5 fragments

@case("5.1", "ping fragmented into 2 frames: fail")
def _(t):
	t.send(frame(OP_PING, b"frag", fin=False) + cont(b"ment"))
	t.s_fails()


@case("5.2", "pong fragmented into 2 frames: fail")
def _(t):
	t.send(frame(OP_PONG, b"frag", fin=False) + cont(b"ment"))
	t.s_fails()


@case("5.3", "text in 2 fragments: relayed whole")
def _(t):
	t.send(text("msg frag", fin=False) + cont("mented"))
	t.relayed("fragmented")


@case("5.4", "text in 1-byte fragments: relayed whole")
def _(t):
	m = msg(body(40, "tiny"))
	t.send(b"".join((text if i == 0 else cont)(m[i], fin=i == len(m) - 1)
	    for i in range(len(m))))
	t.relayed(body(40, "tiny"))


@case("5.5", "ping between two fragments, sent at once: pong and message")
def _(t):
	t.send(text("msg ab", fin=False) + frame(OP_PING, b"mid") + cont("cd"))
	t.s_pong(b"mid")
	t.relayed("abcd")


@case("5.6", "ping between fragments is answered before the message ends")
def _(t):
	t.send(text("msg ab", fin=False) + frame(OP_PING, b"mid"))
	t.s_pong(b"mid")	# the final fragment is not even sent yet
	t.send(cont("cd"))
	t.relayed("abcd")


@case("5.7", "pongs and pings between 3 fragments, each answered in turn")
def _(t):
	t.send(text("msg one", fin=False) + frame(OP_PING, b"1"))
	t.s_pong(b"1")
	t.send(frame(OP_PONG, b"x") + cont("-two", fin=False) +
	    frame(OP_PING, b"2"))
	t.s_pong(b"2")
	t.send(cont("-three"))
	t.relayed("one-two-three")


@case("5.8", "unsolicited pong between fragments: ignored")
def _(t):
	t.send(text("msg ab", fin=False) + frame(OP_PONG, b"x") + cont("cd"))
	t.relayed("abcd")


@case("5.9", "continuation with FIN and no message: fail")
def _(t):
	t.send(cont("msg orphan"))
	t.s_fails()


@case("5.10", "continuation without FIN and no message: fail")
def _(t):
	t.send(cont("msg orph", fin=False) + cont("an"))
	t.s_fails()


@case("5.11", "continuation after a complete message: relayed, then fail")
def _(t):
	t.send(text(msg("done")) + cont("more"))
	t.relayed("done")
	t.s_fails()


@case("5.12", "new text message while one is fragmented: fail")
def _(t):
	t.send(text("msg frag", fin=False) + text(msg("new")))
	t.s_fails()


@case("5.13", "binary frame while a text message is fragmented: fail")
def _(t):
	t.send(text("msg frag", fin=False) + frame(OP_BINARY, b"x"))
	t.s_fails()


@case("5.14", "fragmented close: fail")
def _(t):
	t.send(frame(OP_CLOSE, b"\x03\xe8", fin=False) + cont(b"x"))
	t.s_fails()


@case("5.15", "empty first and middle fragments: relayed whole")
def _(t):
	t.send(text("", fin=False) + cont("msg ", fin=False) + cont("",
	    fin=False) + cont("empties"))
	t.relayed("empties")


@case("5.16", "empty final fragment: relayed whole")
def _(t):
	t.send(text("msg last-empty", fin=False) + cont(""))
	t.relayed("last-empty")


@case("5.17", "fragmented binary message: close 1003 at its first frame")
def _(t):
	t.send(frame(OP_BINARY, b"\x00\x01", fin=False))
	t.s_closed(1003)


# ================================================================ 6 UTF-8

KOSME = "\u03ba\u1f79\u03c3\u03bc\u03b5".encode()	# valid, 11 bytes


def invalid_utf8(payload):
	def f(t):
		t.send(text(b"msg " + payload))
		t.s_fails((1007,))
	return f


INVALID = (
	("6.3.1", "valid text then a surrogate", KOSME + b"\xed\xa0\x80edited"),
	("6.3.2", "overlong '/' (2 bytes)", b"\xc0\xaf"),
	("6.3.3", "overlong NUL (3 bytes)", b"\xe0\x80\x80"),
	("6.3.4", "overlong U+FFFF (4 bytes)", b"\xf0\x8f\xbf\xbf"),
	("6.3.5", "UTF-16 surrogate U+DFFF", b"\xed\xbf\xbf"),
	("6.3.6", "code point above U+10FFFF", b"\xf4\x90\x80\x80"),
	("6.3.7", "5-byte form", b"\xf8\x88\x80\x80\x80"),
	("6.3.8", "lone continuation byte", b"ab\x80cd"),
	("6.3.9", "bytes 0xfe and 0xff", b"\xfe\xff"),
	("6.3.10", "start byte followed by ASCII", b"\xe2(\xa1"),
	("6.3.11", "truncated sequence at the end of the message", b"ok\xe2\x82"),
)
for cid, what, p in INVALID:
	case(cid, "invalid UTF-8 (%s) in one frame: 1007" % what)(
	    invalid_utf8(p))


@case("6.4.1", "fail fast: invalid first fragment closes 1007 before the rest")
def _(t):
	t.send(text(b"msg ab\xed\xa0\x80", fin=False))
	t.s_fails((1007,))	# the continuation is never sent


@case("6.4.2", "fail fast: valid first fragment, invalid second, third never sent")
def _(t):
	t.send(text(b"msg " + KOSME, fin=False) + cont(b"\xf4\x90\x80\x80",
	    fin=False))
	t.s_fails((1007,))


@case("6.4.3", "fail fast inside one frame: 1007 before the frame's rest")
def _(t):
	whole = text(b"msg ab\xff" + b"x" * 93)
	t.send(whole[:6 + 7])	# header, mask key, "msg ab\xff"
	t.s_fails((1007,))


@case("6.4.4", "fail fast: a 64 KiB frame is failed at its first bad byte")
def _(t):
	whole = text(b"msg " + KOSME + b"\xc0\xaf" + b"y" * 65000)
	t.send(whole[:8 + 17 + 3])	# 16-bit header and mask, up to "\xc0\xafyyy"
	t.s_fails((1007,))


@case("6.4.5", "invalid sequence split across fragments: 1007")
def _(t):
	t.send(text(b"msg ab\xe2\x82", fin=False) + cont(b"(cd"))
	t.s_fails((1007,))


def valid_non_ascii(payload, nfrag):
	"""Valid UTF-8, but BODY must be visible ASCII: `error badbody`."""
	def f(t):
		p = b"msg " + payload
		step = max(1, (len(p) + nfrag - 1) // nfrag)
		parts = [p[i:i + step] for i in range(0, len(p), step)]
		t.send(b"".join((text if i == 0 else cont)(x,
		    fin=i == len(parts) - 1) for i, x in enumerate(parts)))
		t.s_gets("error badbody")
		t.s_alive()
	return f


case("6.5.1", "valid 2..3-byte UTF-8 in one frame: error badbody, no close")(
    valid_non_ascii(KOSME, 1))
case("6.5.2", "valid UTF-8 split mid-character across 2 fragments: badbody")(
    valid_non_ascii(b"\xce\xba\xe1\xbd\xb9", 2))
case("6.5.3", "valid 4-byte UTF-8 in 1-byte fragments: badbody, no close")(
    valid_non_ascii(b"\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", 12))
case("6.5.4", "U+0000 and U+007F are valid UTF-8: badbody, no close")(
    valid_non_ascii(b"a\x00b\x7f", 1))


# ================================================================ 7 close

@case("7.1.1", "close 1000: echoed, then TCP close; O hears `left S`")
def _(t):
	t.send(close_frame(1000))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.1.2", "close without payload: answered without status")
def _(t):
	t.send(close_frame())
	t.s.expect_close((None,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.1.3", "data after close is ignored")
def _(t):
	t.send(close_frame(1000) + text(msg("too-late")))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.1.4", "ping after close is not answered")
def _(t):
	t.send(close_frame(1000) + frame(OP_PING, b"late"))
	t.s.expect_close((1000,), reply=False)	# no pong before it
	t.s_open = False
	t.o_gets("left S")


@case("7.1.5", "second close after close: one close back")
def _(t):
	t.send(close_frame(1000) + close_frame(1001))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.1.6", "close in the middle of a fragmented message: clean close")
def _(t):
	t.send(text("msg half", fin=False) + close_frame(1000))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.3.1", "close with a 1-byte payload: fail")
def _(t):
	t.send(frame(OP_CLOSE, b"\x03"))
	t.s_fails()


@case("7.3.2", "close with a reason: code echoed")
def _(t):
	t.send(close_frame(1000, "Hello World!"))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.3.3", "close with 125 bytes of payload: code echoed")
def _(t):
	t.send(close_frame(1000, "r" * 123))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.3.4", "close with 126 bytes of payload: fail")
def _(t):
	t.send(close_frame(1000, "r" * 124))
	t.s_fails()


@case("7.5.1", "close reason with invalid UTF-8: 1007 (or 1002)")
def _(t):
	t.send(close_frame(1000, KOSME + b"\xed\xa0\x80edited"))
	t.s_fails((1007, 1002))


@case("7.5.2", "close reason with valid multi-byte UTF-8: code echoed")
def _(t):
	t.send(close_frame(1000, KOSME * 3))
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


def close_in_segments(reason, split):
	"""A close frame written as two TCP segments, 100 ms apart (input
	shaping, not a wait for a result), the second beginning at payload
	byte split: the relay reads the payload in two pieces."""
	f = close_frame(1000, reason)
	return f[:6 + split], f[6 + split:]


@case("7.5.3", "valid UTF-8 close reason in 2 segments, split inside a "
    "character: code echoed")
def _(t):
	# payload: 03 e8 ce | ba 61 62 63 (U+03BA then "abc")
	a, b = close_in_segments("\u03baabc".encode(), 3)
	t.send(a)
	time.sleep(0.1)
	t.send(b)
	t.s.expect_close((1000,), reply=False)
	t.s_open = False
	t.o_gets("left S")


@case("7.5.4", "invalid UTF-8 at the start of a close reason's second "
    "segment: 1007 (or 1002)")
def _(t):
	a, b = close_in_segments(b"ok\xff\xfeok", 4)
	t.send(a)
	time.sleep(0.1)
	t.send(b)
	t.s_fails((1007, 1002))


def valid_code(code):
	def f(t):
		t.send(close_frame(code))
		t.s.expect_close((code,), reply=False)
		t.s_open = False
		t.o_gets("left S")
	return f


def invalid_code(code):
	def f(t):
		t.send(close_frame(code))
		t.s_fails((1002,))
	return f


for i, c in enumerate((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
    3000, 3999, 4000, 4999)):
	case("7.7.%d" % (i + 1), "close with valid code %d: echoed" % c)(
	    valid_code(c))
for i, c in enumerate((0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999,
    5000, 65535)):
	case("7.9.%d" % (i + 1), "close with invalid code %d: 1002" % c)(
	    invalid_code(c))


# ================================================================ 9 sizes

M = MAX_MESSAGE


def fragments(payload, size):
	parts = [payload[i:i + size] for i in range(0, len(payload), size)]
	return b"".join((text if i == 0 else cont)(x, fin=i == len(parts) - 1)
	    for i, x in enumerate(parts))


@case("9.1.1", "message of exactly --max-message bytes in one frame: relayed")
def _(t):
	b = body(M - 4, "max")
	t.send(text(msg(b)))
	t.relayed(b)


@case("9.1.2", "message of --max-message + 1 bytes in one frame: 1009")
def _(t):
	t.send(text(msg(body(M - 3))))
	t.s_fails((1009,))


@case("9.1.3", "--max-message in 64 fragments of 1 KiB: relayed")
def _(t):
	b = body(M - 4, "frag64")
	t.send(fragments(msg(b).encode(), 1024))
	t.relayed(b)


@case("9.1.4", "--max-message in 4096 fragments of 16 bytes: relayed")
def _(t):
	b = body(M - 4, "frag4096")
	t.send(fragments(msg(b).encode(), 16))
	t.relayed(b)


@case("9.1.5", "--max-message + 1 in 65 fragments: 1009")
def _(t):
	t.send(fragments(msg(body(M - 3)).encode(), 1024))
	t.s_fails((1009,))


@case("9.1.6", "--max-message, then 1 more byte in a second fragment: 1009")
def _(t):
	t.send(text(msg(body(M - 4)), fin=False) + cont("x"))
	t.s_fails((1009,))


@case("9.1.7", "frame announcing 4 GiB: 1009 at its header, payload never sent")
def _(t):
	t.send(text(b"msg x", declared=1 << 32)[:14 + 5])
	t.s_fails((1009,))


@case("9.1.8", "frame announcing 2^63-1 bytes: 1009")
def _(t):
	t.send(text(b"msg x", declared=(1 << 63) - 1)[:14 + 5])
	t.s_fails((1009,))


@case("9.1.9", "four messages of --max-message in one write: all relayed")
def _(t):
	bs = [body(M - 4, "four%d" % i) for i in range(4)]
	t.send(b"".join(text(msg(b)) for b in bs))
	for b in bs:
		t.relayed(b)


@case("9.1.10", "ping inside a maximal fragmented message: answered, relayed")
def _(t):
	b = body(M - 4, "pingin")
	p = msg(b).encode()
	t.send(text(p[:M // 2], fin=False) + frame(OP_PING, b"in") +
	    cont(p[M // 2:]))
	t.s_pong(b"in")
	t.relayed(b)


# ================================================================ 12/13 deflate

def no_extension(t):
	eq(t.hs_headers.get("sec-websocket-extensions"), None,
	    "Sec-WebSocket-Extensions in the 101")
	eq(t.hs_headers.get("sec-websocket-protocol"), None,
	    "Sec-WebSocket-Protocol in the 101")


@case("12.1.1", "permessage-deflate offer: 101 without extensions, then chat",
    handshake=["Sec-WebSocket-Extensions: permessage-deflate; "
    "client_max_window_bits"])
def _(t):
	no_extension(t)
	t.s_alive()


@case("12.1.2", "several extension offers: none accepted",
    handshake=["Sec-WebSocket-Extensions: permessage-deflate; "
    "server_no_context_takeover, x-webkit-deflate-frame",
    "Sec-WebSocket-Extensions: permessage-deflate"])
def _(t):
	no_extension(t)
	t.s_alive()


@case("13.1.1", "compressed (RSV1) frame after a refused offer: fail",
    handshake=["Sec-WebSocket-Extensions: permessage-deflate"])
def _(t):
	no_extension(t)
	# "msg hi" deflated (raw, final block, sync flush tail removed)
	t.send(frame(OP_TEXT, bytes.fromhex("ca2d4e57c8c80400"), rsv=1))
	t.s_fails()


@case("13.1.2", "subprotocol offer: 101 without Sec-WebSocket-Protocol",
    handshake=["Sec-WebSocket-Protocol: chat, superchat"])
def _(t):
	no_extension(t)
	t.s_alive()


# ================================================================ runner

def run_cases(r, exe, only, verbose, modes, pki):
	"""Every case in every mode of modes against one relay (pki: wss).
	Returns the number of cases run."""
	d = Daemon(exe, "v4", DAEMON_ARGS, pki=pki)
	ncases = 0
	try:
		for cid, desc, f, hs in CASES:
			if only and only not in cid:
				continue
			ncases += 1
			for mode, chop in modes:
				name = "%s [%s] %s" % (cid, mode, desc)
				t = None
				start = time.monotonic()
				try:
					t = T(d, chop, hs)
					f(t)
					t.finish()
				except Fail as e:
					r.bad(name, str(e))
				except Exception as e:
					r.bad(name, "%s: %s" % (e.__class__.__name__, e))
				else:
					if verbose:
						r.ok(name, "%.2fs" % (time.monotonic() -
						    start))
					else:
						r.passed += 1
				finally:
					if t is not None:
						t.close()
				if not d.alive():
					r.bad(name, "relay died: exit %s, stderr %s" % (
					    d.proc.returncode, short(d.err.data)))
					d = Daemon(exe, "v4", DAEMON_ARGS, pki=pki)
	finally:
		problem = d.stop()
	if problem:
		r.bad("relay shutdown%s" % (" (wss)" if pki else ""), problem)
	else:
		r.passed += 1
	return ncases


def main(argv):
	verbose = "-v" in argv
	only = argv[argv.index("-k") + 1] if "-k" in argv else None
	r = Runner("conformance")
	exe = binary("chatroom")
	if not os.access(exe, os.X_OK):
		print("conformance: %s missing" % exe)
		r.bad("setup", "no relay binary")
		return r.finish()
	t0 = time.monotonic()
	ncases = run_cases(r, exe, only, verbose, MODES, None)
	with tempfile.TemporaryDirectory() as tmp:
		run_cases(r, exe, only, verbose, TLS_MODES, make_pki(tmp))
	print("%d cases x %d modes in %.1fs" % (ncases,
	    len(MODES) + len(TLS_MODES), time.monotonic() - t0))
	return r.finish()


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
