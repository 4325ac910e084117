#!/usr/bin/python3
"""
peer.py: one member of a Sanctuary room over one of Debian's Python
WebSocket libraries, with the same command line and line protocol as the C
client sanctuary-client (see sanctuary.py for the lines):

  peer.py --lib websockets|websocket-client|wsproto --url ws://HOST:PORT/
          --invite KEY.SECRET --alias NAME [--create owner|everyone]
          [--deadline SECONDS]

websockets 10.4 runs on asyncio; websocket-client 1.2 blocks in a reader
thread; wsproto 1.2 is sans-I/O, driven by our own selector loop over the
socket and stdin. None of them offers compression. The relay's pings are
answered by websockets and websocket-client themselves, and by our loop for
wsproto. Exit status: 0 after the close, 1 on a refused or failed
connection, 3 when the deadline passes.
"""

import argparse
import asyncio
import os
import selectors
import socket
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sanctuary import Member, close_line, emit  # noqa: E402


def binary_line(n):
	return "frame <binary %d>" % n


# ---------------------------------------------------------------- websockets

async def _websockets_main(url, member):
	import websockets
	loop = asyncio.get_running_loop()
	reader = asyncio.StreamReader()
	await loop.connect_read_pipe(
	    lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
	try:
		ws = await websockets.connect(url, compression=None, max_size=None,
		    ping_interval=None, open_timeout=10, close_timeout=5)
	except websockets.InvalidStatusCode as e:
		emit("http %d" % e.status_code)
		return 1

	async def pump():
		while True:
			line = await reader.readline()
			if not line:
				await ws.close(1000)
				return
			frame = member.command(line.decode("utf-8"))
			if frame is not None:
				try:
					await ws.send(frame)
				except websockets.ConnectionClosed:
					return

	await ws.send(member.hello())
	task = asyncio.ensure_future(pump())
	try:
		async for msg in ws:
			emit(member.line_for(msg) if isinstance(msg, str) else
			    binary_line(len(msg)))
	except websockets.ConnectionClosed:
		pass
	task.cancel()
	emit(close_line(ws.close_code, ws.close_reason))
	return 0


def run_websockets(url, member):
	return asyncio.run(_websockets_main(url, member))


# ---------------------------------------------------------- websocket-client

def run_websocket_client(url, member):
	import websocket
	from websocket import ABNF
	try:
		# It sends an Origin built from the URL, as a browser would.
		ws = websocket.create_connection(url, timeout=10,
		    enable_multithread=True)
	except websocket.WebSocketBadStatusException as e:
		emit("http %d" % e.status_code)
		return 1
	ws.settimeout(None)
	ws.send(member.hello())

	def pump():
		for raw in iter(sys.stdin.buffer.readline, b""):
			frame = member.command(raw.decode("utf-8"))
			if frame is not None:
				try:
					ws.send(frame)
				except Exception:  # noqa: BLE001 - the reader reports the end
					return
		try:
			ws.send_close(1000)
		except Exception:  # noqa: BLE001
			return
		# recv_data_frame answers every close it receives: ours is sent.
		ws.send_close = lambda *a, **k: None

	threading.Thread(target=pump, daemon=True).start()
	code, reason = 1006, ""
	while True:
		try:
			op, frame = ws.recv_data_frame(False)
		except (websocket.WebSocketConnectionClosedException, OSError):
			break
		if op == ABNF.OPCODE_CLOSE:
			d = frame.data
			code = struct.unpack("!H", d[:2])[0] if len(d) >= 2 else 1005
			reason = d[2:].decode("utf-8", "replace")
			break
		if op == ABNF.OPCODE_TEXT:
			emit(member.line_for(frame.data.decode("utf-8")))
		elif op == ABNF.OPCODE_BINARY:
			emit(binary_line(len(frame.data)))
	ws.shutdown()
	emit(close_line(code, reason))
	return 0


# ------------------------------------------------------------------- wsproto

def _split_url(url):
	u = urllib.parse.urlsplit(url)
	if u.scheme != "ws" or not u.hostname or not u.port:
		raise SystemExit("peer: want ws://HOST:PORT/, got " + url)
	return u.hostname, u.port, u.netloc, u.path or "/"


class _WsprotoLoop:
	"""A selector loop over the socket and stdin around a sans-I/O wsproto
	connection. Every wait is bounded by the deadline of the caller."""

	def __init__(self, url, member):
		from wsproto import ConnectionType, WSConnection
		host, port, self.authority, self.path = _split_url(url)
		self.sock = socket.create_connection((host, port), timeout=10)
		self.conn = WSConnection(ConnectionType.CLIENT)
		self.member = member
		self.parts = []
		self.close = None	# (code, reason) once the relay closed
		self.status = None	# the HTTP status of a refusal
		self.stdin_buf = b""
		self.sel = selectors.DefaultSelector()

	def send(self, event):
		self.sock.sendall(self.conn.send(event))

	def on_events(self):
		from wsproto.connection import ConnectionState
		from wsproto.events import (AcceptConnection, BytesMessage,
		    CloseConnection, Ping, RejectConnection, TextMessage)
		for ev in self.conn.events():
			if isinstance(ev, AcceptConnection):
				self.send(TextMessage(data=self.member.hello()))
			elif isinstance(ev, RejectConnection):
				self.status = ev.status_code
			elif isinstance(ev, TextMessage):
				self.parts.append(ev.data)
				if ev.message_finished:
					emit(self.member.line_for("".join(self.parts)))
					self.parts = []
			elif isinstance(ev, BytesMessage):
				if ev.message_finished:
					emit(binary_line(len(ev.data)))
			elif isinstance(ev, Ping):
				self.send(ev.response())
			elif isinstance(ev, CloseConnection):
				# At EOF wsproto adds a 1006 even after a clean close.
				if self.close is None:
					self.close = (ev.code, ev.reason or "")
				if self.conn.state == ConnectionState.REMOTE_CLOSING:
					self.send(ev.response())

	def on_stdin(self):
		from wsproto.connection import ConnectionState
		from wsproto.events import CloseConnection, TextMessage
		chunk = os.read(sys.stdin.fileno(), 65536)
		if not chunk:
			self.sel.unregister(sys.stdin.fileno())
			if self.conn.state == ConnectionState.OPEN:
				self.send(CloseConnection(code=1000))
			return
		self.stdin_buf += chunk
		*lines, self.stdin_buf = self.stdin_buf.split(b"\n")
		for raw in lines:
			frame = self.member.command(raw.decode("utf-8"))
			if frame is not None and self.conn.state == ConnectionState.OPEN:
				self.send(TextMessage(data=frame))

	def run(self):
		from wsproto.events import Request
		self.send(Request(host=self.authority, target=self.path))
		self.sel.register(self.sock, selectors.EVENT_READ, "sock")
		self.sel.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
		while True:
			for key, _ in self.sel.select(timeout=1.0):
				if key.data == "stdin":
					self.on_stdin()
					continue
				data = self.sock.recv(65536)
				self.conn.receive_data(data or None)
				self.on_events()
				if self.status is not None:
					emit("http %d" % self.status)
					return 1
				if not data:
					code, reason = self.close or (1006, "")
					emit(close_line(code, reason))
					self.sock.close()
					return 0


def run_wsproto(url, member):
	return _WsprotoLoop(url, member).run()


# ---------------------------------------------------------------------- main

LIBS = {"websockets": run_websockets, "websocket-client": run_websocket_client,
    "wsproto": run_wsproto}


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--lib", required=True, choices=sorted(LIBS))
	ap.add_argument("--url", required=True)
	ap.add_argument("--invite", required=True)
	ap.add_argument("--alias", required=True)
	ap.add_argument("--create", choices=("owner", "everyone"))
	ap.add_argument("--deadline", type=float, default=600)
	a = ap.parse_args()
	member = Member(a.invite, a.alias, a.create)

	def expire():
		sys.stderr.write("peer: deadline of %g s passed\n" % a.deadline)
		sys.stderr.flush()
		os._exit(3)

	timer = threading.Timer(a.deadline, expire)
	timer.daemon = True
	timer.start()
	t0 = time.monotonic()
	try:
		rc = LIBS[a.lib](a.url, member)
	except (OSError, ConnectionError) as e:
		sys.stderr.write("peer: %s after %.1f s: %r\n" % (a.lib,
		    time.monotonic() - t0, e))
		rc = 1
	sys.stdout.flush()
	os._exit(rc)


if __name__ == "__main__":
	main()
