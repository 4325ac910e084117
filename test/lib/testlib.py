"""
testlib.py: what the Python suites that start the real daemons share (test/ws
harness.py, test/conformance wslib.py and through it test/abuse): checks,
keys, free loopback ports and a drained output pipe. Run with /usr/bin/python3.
"""

import base64
import hashlib
import os
import socket
import threading
import time

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LOOPBACK = {"v4": "127.0.0.1", "v6": "::1"}


class Fail(Exception):
	"""A check failed."""


def check(cond, what):
	if not cond:
		raise Fail(what)


def short(v, n=160):
	r = repr(v)
	return r if len(r) <= n else r[:n] + "...(%d chars)" % len(r)


def eq(got, want, what=""):
	if got != want:
		raise Fail("%sgot %s, want %s" % (what + ": " if what else "",
		    short(got), short(want)))


def room_key():
	"""A fresh canonical room key: base64url of 16 random bytes, 22 chars."""
	return base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()


def ws_key():
	return base64.b64encode(os.urandom(16)).decode()


def ws_accept(key):
	return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID)
	    .digest()).decode()


def free_port(fam):
	af = socket.AF_INET if fam == "v4" else socket.AF_INET6
	s = socket.socket(af, socket.SOCK_STREAM)
	try:
		s.bind((LOOPBACK[fam], 0))
		return s.getsockname()[1]
	finally:
		s.close()


class Pipe:
	"""Drains one of a daemon's output pipes in a thread (a chatty daemon
	must not block on a full pipe) and keeps everything it printed."""

	def __init__(self, f):
		self.data = b""
		self.cond = threading.Condition()
		self.eof = False
		self.thread = threading.Thread(target=self._run, args=(f,),
		    daemon=True)
		self.thread.start()

	def _run(self, f):
		while True:
			b = os.read(f.fileno(), 65536)
			with self.cond:
				if b:
					self.data += b
				else:
					self.eof = True
				self.cond.notify_all()
			if not b:
				return

	def wait_lines(self, n, timeout):
		"""What was printed once it holds n lines, at EOF or at timeout."""
		end = time.monotonic() + timeout
		with self.cond:
			while self.data.count(b"\n") < n and not self.eof:
				left = end - time.monotonic()
				if left <= 0:
					break
				self.cond.wait(left)
			return self.data

	def wait_eof(self, timeout):
		self.thread.join(timeout)
		return self.data
