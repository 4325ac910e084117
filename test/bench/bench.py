#!/usr/bin/python3
"""Benchmarks of the real relay on loopback (not tests: nothing here passes or
fails). Prints a table; README.md's performance figures come from it.

- fan-out: one sender, R receivers in a room, N messages of S bytes; reports
  delivered frames per second and the relay's CPU microseconds per delivery
  (utime+stime from /proc, so a slow client does not flatter the relay).
- memory: the relay's resident set when idle and with C joined connections.
- handshakes: connect, upgrade, join-less close cycles per second.
"""
import asyncio
import base64
import os
import signal
import socket
import struct
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHATROOM = os.path.join(os.environ.get("B", os.path.join(ROOT, "build")), "chatroom")
HZ = os.sysconf("SC_CLK_TCK")
REQ = ("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
       "Sec-WebSocket-Version: 13\r\n\r\n").encode()


def frame(text):
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    return head + mask + body


class Client:
    async def open(self, port):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port)
        self.w.write(REQ)
        await self.r.readuntil(b"\r\n\r\n")
        return self

    async def recv(self):
        """One frame's payload; pings are answered, other control frames skipped."""
        while True:
            b0, b1 = await self.r.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", await self.r.readexactly(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", await self.r.readexactly(8))[0]
            data = await self.r.readexactly(n)
            if b0 & 0x0F == 0x9:
                self.w.write(bytes([0x8A, 0x80]) + os.urandom(4))
                continue
            if b0 & 0x0F in (0x1, 0x0):
                return data

    def send(self, text):
        self.w.write(frame(text))


def cpu_ticks(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def key():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


async def room(port, members):
    k = key()
    cs = []
    for i in range(members):
        c = await Client().open(port)
        c.send(("create 1 %s m%d everyone" if i == 0 else "join 1 %s m%d") % (k, i))
        cs.append(c)
        while not (await c.recv()).startswith(b"welcome"):
            pass
    return cs


async def fanout(port, pid, receivers, count, size):
    cs = await room(port, receivers + 1)
    await asyncio.sleep(0.3)
    for c in cs[1:]:        # drain join notices
        while True:
            try:
                await asyncio.wait_for(c.recv(), 0.05)
            except asyncio.TimeoutError:
                break
    body = "x" * size
    t0, c0 = time.monotonic(), cpu_ticks(pid)

    async def drain(c):
        for _ in range(count):
            data = await c.recv()
            if not data.startswith(b"msg m0 x"):
                raise RuntimeError("unexpected frame %r" % data[:40])

    tasks = [asyncio.create_task(drain(c)) for c in cs[1:]]
    for i in range(count):
        cs[0].send("msg " + body)
        if i % 64 == 0:
            await cs[0].w.drain()
    await asyncio.gather(*tasks)
    dt, dc = time.monotonic() - t0, cpu_ticks(pid) - c0
    for c in cs:
        c.w.close()
    deliveries = count * receivers
    return deliveries / dt, dc / HZ * 1e6 / deliveries


async def memory(port, pid, conns, per_room):
    base = rss_kib(pid)
    cs = []
    for _ in range(conns // per_room):
        cs += await room(port, per_room)
    full = rss_kib(pid)
    for c in cs:
        c.w.close()
    return base, full, (full - base) / conns


async def handshakes(port, cycles):
    t0 = time.monotonic()
    for _ in range(cycles):
        c = await Client().open(port)
        c.w.close()
    return cycles / (time.monotonic() - t0)


def main():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    relay = subprocess.Popen([CHATROOM, "-c", str(port), "-4",
                              "--flood-rate", "100000", "--flood-burst", "100000",
                              "--max-members", "1000", "--max-per-ip", "100000",
                              "--max-conns", "10000", "--max-rooms", "100000",
                              "--max-handshakes", "1000"],
                             stdout=subprocess.PIPE)
    relay.stdout.readline()
    pid = relay.pid
    print("Sanctuary relay benchmark (%s, %d cores, loopback)" %
          (os.uname().machine, os.cpu_count()))
    try:
        idle = rss_kib(pid)
        print("idle resident memory: %d KiB" % idle)
        for receivers, count, size in ((1, 20000, 100), (15, 4000, 100),
                                       (15, 1000, 4000), (63, 1000, 100)):
            rate, us = asyncio.run(fanout(port, pid, receivers, count, size))
            print("fan-out 1->%d, %d msgs of %d B: %.0f deliveries/s, "
                  "relay CPU %.2f us/delivery" % (receivers, count, size, rate, us))
        base, full, per = asyncio.run(memory(port, pid, 2000, 20))
        print("memory: %d KiB with 0, %d KiB with 2000 joined connections "
              "(%.1f KiB each)" % (base, full, per))
        print("handshakes: %.0f upgrade+close cycles/s" %
              asyncio.run(handshakes(port, 5000)))
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=10)


if __name__ == "__main__":
    main()
