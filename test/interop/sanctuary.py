"""
sanctuary.py: one room member for the interop peers (peer.py), independent
of any WebSocket library: the "sanctuary/1" message format of sanctuary(7)
with libsodium through ctypes (no Python crypto package needed), the
relay's frames, and the same line protocol as the C client
sanctuary-client:

stdin   TEXT | //TEXT | /purr ALIAS TEXT | /exit [TEXT] | /kick ALIAS |
        /stop | /raw FRAME | /forge ALIAS TEXT (a msg whose sealed alias
        claims to be ALIAS: receivers must refuse it)
        In TEXT, "\\n" stands for a line feed and "\\\\" for a backslash.
stdout  welcome ... | joined A | left A [TEXT] | moderator A | msg FROM TEXT |
        purr FROM TEXT | kicked A BY | stopped BY | error CODE |
        unverified msg|purr|left FROM | frame RAW | close CODE [REASON]
"""

import ctypes
import ctypes.util
import re
import sys
import threading

_lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _lib.sodium_init() < 0:
	raise RuntimeError("sodium_init failed")

_ull = ctypes.c_ulonglong
_size = ctypes.c_size_t
_buf = ctypes.c_char_p
_lib.crypto_hash_sha512.argtypes = [_buf, _buf, _ull]
_lib.crypto_secretbox_easy.argtypes = [_buf, _buf, _ull, _buf, _buf]
_lib.crypto_secretbox_open_easy.argtypes = [_buf, _buf, _ull, _buf, _buf]
_lib.randombytes_buf.argtypes = [ctypes.c_void_p, _size]
_lib.randombytes_buf.restype = None
_lib.sodium_pad.argtypes = [ctypes.POINTER(_size), ctypes.c_void_p, _size,
    _size, _size]
_lib.sodium_unpad.argtypes = [ctypes.POINTER(_size), _buf, _size, _size]
_lib.sodium_bin2base64.argtypes = [ctypes.c_void_p, _size, _buf, _size,
    ctypes.c_int]
_lib.sodium_bin2base64.restype = ctypes.c_char_p
_lib.sodium_base642bin.argtypes = [ctypes.c_void_p, _size, _buf, _size,
    _buf, ctypes.POINTER(_size), ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]

URLSAFE_NO_PADDING = 7		# sodium_base64_VARIANT_URLSAFE_NO_PADDING
NONCE, TAG = 24, 16
P0_MAX = 32767


def random_bytes(n):
	b = ctypes.create_string_buffer(n)
	_lib.randombytes_buf(b, n)
	return b.raw


def b64u_encode(raw):
	n = (len(raw) * 4 + 2) // 3 + 1
	out = ctypes.create_string_buffer(n)
	_lib.sodium_bin2base64(out, n, raw, len(raw), URLSAFE_NO_PADDING)
	return out.value.decode("ascii")


def b64u_decode(text):
	"""Strict unpadded base64url (libsodium rejects non-zero unused bits)."""
	s = text.encode("ascii", "replace")
	cap = len(s) * 3 // 4 + 3
	out = ctypes.create_string_buffer(cap)
	got = _size()
	# Without an end pointer libsodium fails unless it consumed everything.
	if _lib.sodium_base642bin(out, cap, s, len(s), None, ctypes.byref(got),
	    None, URLSAFE_NO_PADDING) != 0:
		return None
	if got.value != len(s) * 3 // 4:
		return None
	return out.raw[:got.value]


def derive_key(roomkey, secret):
	h = ctypes.create_string_buffer(64)
	data = b"sanctuary/1" + roomkey + secret
	_lib.crypto_hash_sha512(h, data, len(data))
	return h.raw[:32]


def parse_invite(invite):
	"""KEY.SECRET (or a whole link) -> (room key text, K), or ValueError."""
	frag = invite.rsplit("#", 1)[-1]
	m = re.fullmatch(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})", frag)
	if not m:
		raise ValueError("not an invite: " + invite)
	rk, secret = b64u_decode(m.group(1)), b64u_decode(m.group(2))
	if rk is None or len(rk) != 16 or secret is None or len(secret) != 32:
		raise ValueError("not an invite: " + invite)
	return m.group(1), derive_key(rk, secret)


def pad_block(n):
	for b in (256, 1024, 4096):
		if n < b:
			return b
	return 16384


def seal(key, kind, alias, text):
	p0 = (kind + "\n" + alias + "\n" + text).encode("utf-8")
	if len(p0) > P0_MAX:
		raise ValueError("message too long")
	cap = (len(p0) // 16384 + 1) * 16384
	p = ctypes.create_string_buffer(p0, cap)
	plen = _size()
	if _lib.sodium_pad(ctypes.byref(plen), p, len(p0), pad_block(len(p0)),
	    cap) != 0:
		raise RuntimeError("sodium_pad failed")
	nonce = random_bytes(NONCE)
	c = ctypes.create_string_buffer(TAG + plen.value)
	_lib.crypto_secretbox_easy(c, p.raw[:plen.value], plen.value, nonce, key)
	return b64u_encode(nonce + c.raw)


def unseal(key, kind, sender, body):
	"""The TEXT of an authentic KIND message from SENDER, else None."""
	raw = b64u_decode(body)
	if raw is None or len(raw) < NONCE + TAG + 1:
		return None
	plen = len(raw) - NONCE - TAG
	p = ctypes.create_string_buffer(plen)
	if _lib.crypto_secretbox_open_easy(p, raw[NONCE:], len(raw) - NONCE,
	    raw[:NONCE], key) != 0:
		return None
	p0len = _size()
	if _lib.sodium_unpad(ctypes.byref(p0len), p.raw, plen, plen) != 0:
		return None
	try:
		s = p.raw[:p0len.value].decode("utf-8", "strict")
	except UnicodeDecodeError:
		return None
	parts = s.split("\n", 2)
	if len(parts) != 3 or parts[0] != kind or parts[1] != sender:
		return None
	return parts[2]


def escape(s):
	"""Untrusted text on one line, exactly as the C client prints it."""
	out = []
	for ch in s:
		o = ord(ch)
		if ch == "\\":
			out.append("\\\\")
		elif ch == "\n":
			out.append("\\n")
		elif ch == "\r":
			out.append("\\r")
		elif ch == "\t":
			out.append("\\t")
		elif o < 0x20 or o == 0x7f:
			out.append("\\x%02x" % o)
		else:
			out.append(ch)
	return "".join(out)


def unescape(s):
	return re.sub(r"\\([n\\])", lambda m: "\n" if m.group(1) == "n" else "\\", s)


_out_lock = threading.Lock()


def emit(line):
	with _out_lock:
		sys.stdout.write(line + "\n")
		sys.stdout.flush()


def close_line(code, reason):
	return "close %d" % code + (" " + escape(reason) if reason else "")


class Member:
	"""One member's view: builds frames from commands, lines from frames."""

	def __init__(self, invite, alias, create=None):
		self.roomkey, self.key = parse_invite(invite)
		self.alias = alias
		self.create = create

	def hello(self):
		if self.create:
			return "create 1 %s %s %s" % (self.roomkey, self.alias, self.create)
		return "join 1 %s %s" % (self.roomkey, self.alias)

	def command(self, line):
		"""The frame for one stdin line, or None."""
		line = line.rstrip("\r\n")
		if not line:
			return None
		if not line.startswith("/") or line.startswith("//"):
			text = line[1:] if line.startswith("//") else line
			return "msg " + seal(self.key, "msg", self.alias, unescape(text))
		m = re.fullmatch(r"/purr (\S+) (.+)", line, re.S)
		if m:
			return "purr %s %s" % (m.group(1), seal(self.key, "purr",
			    self.alias, unescape(m.group(2))))
		m = re.fullmatch(r"/forge (\S+) (.+)", line, re.S)
		if m:
			return "msg " + seal(self.key, "msg", m.group(1),
			    unescape(m.group(2)))
		if line == "/exit":
			return "exit"
		if line.startswith("/exit "):
			return "exit " + seal(self.key, "exit", self.alias,
			    unescape(line[6:]))
		if line.startswith("/kick "):
			return line[1:]
		if line == "/stop":
			return "stop"
		if line.startswith("/raw "):
			return line[5:]
		sys.stderr.write("peer: unknown command %r\n" % line[:20])
		return None

	def line_for(self, frame):
		"""The output line for one frame received."""
		f = frame.split(" ")
		if len(f) == 3 and f[0] in ("msg", "purr", "left"):
			kind = "exit" if f[0] == "left" else f[0]
			text = unseal(self.key, kind, f[1], f[2])
			if text is None:
				return "unverified %s %s" % (f[0], escape(f[1]))
			return "%s %s %s" % (f[0], escape(f[1]), escape(text))
		known = (f[0] == "welcome" or
		    (len(f) == 2 and f[0] in ("joined", "left", "moderator",
		    "stopped", "error")) or (len(f) == 3 and f[0] == "kicked"))
		return escape(frame) if known else "frame " + escape(frame)
