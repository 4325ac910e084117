#!/usr/bin/python3
"""Memory figures of the daemons under emulation (make cross-figures).

Argument: a directory holding chatroom and servchat, native binaries or the
launchers of build/ARCH/run/. Under qemu-user the process also holds qemu
(its code, heap and translated code, about 11 MiB): only the guest's own
mappings are counted, those below the qemu binary's in the address space
(the guest's program, libraries, brk and mmap areas), less ARM's emulated
kernel helper page. Natively the whole process counts. Prints, in KiB:
idle Rss and Private_Dirty of each daemon after 2 s, and Private_Dirty per
idle connection (CONNS connections joined ten to a room, growth / CONNS).
No time is measured: under emulation it means nothing.
"""
import asyncio
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
import testlib  # noqa: E402
import websockets  # noqa: E402

CONNS = 1000
PER_ROOM = 10
SKIP = ("[heap]", "[stack]", "[vdso]", "[vvar]", "[vsyscall]")


def mappings(pid):
	"""(start, name, rss_kb, private_dirty_kb) for each mapping."""
	out, cur = [], None
	for line in open("/proc/%d/smaps" % pid):
		f = line.split()
		if "-" in f[0] and not f[0].endswith(":"):
			cur = [int(f[0].split("-")[0], 16),
			    f[5] if len(f) > 5 else "", 0, 0]
			out.append(cur)
		elif f[0] == "Rss:":
			cur[2] = int(f[1])
		elif f[0] == "Private_Dirty:":
			cur[3] = int(f[1])
	return out


def guest_kb(pid):
	m = mappings(pid)
	if not any("/qemu-" in n for _, n, _, _ in m):
		return sum(r for _, _, r, _ in m), sum(d for _, _, _, d in m)
	top = min(s for s, n, _, _ in m if "/qemu-" in n or n == "[heap]")
	g = [x for x in m if x[0] < top and x[1] not in SKIP and
	    x[0] != 0xffff0000 and x[0] != 0xffff1000]
	return sum(x[2] for x in g), sum(x[3] for x in g)


def start(argv):
	p = subprocess.Popen(argv, stdout=subprocess.PIPE,
	    stderr=subprocess.DEVNULL)
	p.stdout.readline()
	time.sleep(2)
	return p


async def join_all(port):
	url = "ws://127.0.0.1:%d/" % port
	conns = []
	for r in range(CONNS // PER_ROOM):
		key = testlib.room_key()
		for i in range(PER_ROOM):
			ws = await websockets.connect(url, ping_interval=None,
			    max_queue=None)
			verb = "create 1 %s m%d owner" % (key, i) if i == 0 else \
			    "join 1 %s m%d" % (key, i)
			await ws.send(verb)
			conns.append(ws)
			await asyncio.wait_for(ws.recv(), 30)
	await asyncio.sleep(3)
	return conns


def per_conn(bindir):
	port = testlib.free_port("v4")
	p = start([os.path.join(bindir, "chatroom"), "-4", "--bind",
	    "127.0.0.1", "-c", str(port), "--max-conns", "20000",
	    "--max-per-ip", "20000", "--max-rooms", "10000"])
	try:
		_, before = guest_kb(p.pid)

		async def measure():
			conns = await join_all(port)
			_, joined = guest_kb(p.pid)
			for ws in conns:
				await ws.close()
			return joined

		joined = asyncio.run(measure())
		return before, joined, (joined - before) * 1024.0 / CONNS
	finally:
		p.terminate()
		p.wait()


def main():
	bindir = sys.argv[1]
	label = sys.argv[2] if len(sys.argv) > 2 else bindir
	cport, sport = testlib.free_port("v4"), testlib.free_port("v4")
	chat = start([os.path.join(bindir, "chatroom"), "-4", "-c", str(cport)])
	serv = start([os.path.join(bindir, "servchat"), "-4", "-s", str(sport),
	    "-c", str(cport)])
	(cr, cd), (sr, sd) = guest_kb(chat.pid), guest_kb(serv.pid)
	for p in (chat, serv):
		p.terminate()
		p.wait()
	before, joined, b = per_conn(bindir)
	print("%s: idle chatroom Rss %d KiB, Private_Dirty %d KiB; servchat "
	    "Rss %d KiB, Private_Dirty %d KiB; both Rss %d KiB, Private_Dirty "
	    "%d KiB" % (label, cr, cd, sr, sd, cr + sr, cd + sd))
	print("%s: %d idle connections in %d rooms: Private_Dirty %d -> %d "
	    "KiB, %.0f B per connection" % (label, CONNS, CONNS // PER_ROOM,
	    before, joined, b))


if __name__ == "__main__":
	socket.setdefaulttimeout(30)
	main()
