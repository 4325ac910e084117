"""
test_tls.py: the relay over TLS (chatroom --tls-cert/--tls-key/--tls-min).

A throw-away CA is made at test time with certtool: a server certificate for
sanctuary.test and 127.0.0.1, an expired one, a second pair for reload. Python
websockets (Debian's) and Node's ws (ws_peer.cjs, test/bench/baseline's pinned
copy) talk wss trusting only that CA; gnutls-cli drives the renegotiation and
cipher cases. Every daemon must still be alive after its case and, on
SIGTERM, exit 0 having printed nothing after its banner but what the case
expects on stderr.

Run with /usr/bin/python3: test_tls.py BUILD/chatroom
"""

import asyncio
import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))

from testlib import Fail, check, eq, room_key, short, start_daemon  # noqa

TIMEOUT = 5.0
FLOOD = ["--flood-rate", "1000", "--flood-burst", "1000"]
TEMPLATES = {
	"ca": 'cn = "Sanctuary test CA"\nca\ncert_signing_key\n'
	    'expiration_days = 2\n',
	"srv": 'cn = "sanctuary.test"\ndns_name = "sanctuary.test"\n'
	    'ip_address = "127.0.0.1"\ntls_www_server\nsigning_key\n'
	    'encryption_key\nexpiration_days = 2\n',
}


def certtool(*args):
	subprocess.run(["certtool"] + list(args), check=True,
	    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
	"""ca.pem; srv, srv2 and old (expired): NAME.pem and NAME.key."""
	for name, text in TEMPLATES.items():
		with open(os.path.join(d, name + ".tmpl"), "w") as f:
			f.write(text)
	p = lambda n: os.path.join(d, n)  # noqa: E731
	for k in ("ca", "srv", "srv2", "old"):
		certtool("--generate-privkey", "--key-type", "ecdsa",
		    "--outfile", p(k + ".key"))
	certtool("--generate-self-signed", "--load-privkey", p("ca.key"),
	    "--template", p("ca.tmpl"), "--outfile", p("ca.pem"))
	for k in ("srv", "srv2"):
		certtool("--generate-certificate", "--load-privkey",
		    p(k + ".key"), "--load-ca-certificate", p("ca.pem"),
		    "--load-ca-privkey", p("ca.key"), "--template",
		    p("srv.tmpl"), "--outfile", p(k + ".pem"))
	# Expired: valid for one day of 2020.
	with open(p("old.tmpl"), "w") as f:
		f.write(TEMPLATES["srv"].replace("expiration_days = 2",
		    'activation_date = "2020-01-01 00:00:00 UTC"\n'
		    'expiration_date = "2020-01-02 00:00:00 UTC"'))
	certtool("--generate-certificate", "--load-privkey", p("old.key"),
	    "--load-ca-certificate", p("ca.pem"), "--load-ca-privkey",
	    p("ca.key"), "--template", p("old.tmpl"), "--outfile",
	    p("old.pem"))


class Relay:
	def __init__(self, binary, d, pair="srv", args=(), env=None):
		self.dir = d
		self.cert = os.path.join(d, pair + ".pem")
		self.key = os.path.join(d, pair + ".key")
		extra = list(args)
		old = dict(os.environ)
		if env is not None:
			os.environ.update(env)
		try:
			st = start_daemon(lambda port: [binary, "-4", "--bind",
			    "127.0.0.1", "-c", str(port), "--tls-cert",
			    self.cert, "--tls-key", self.key] + extra, "v4",
			    lambda line, port: line.endswith(
			    " wss://127.0.0.1:%d/" % port), TIMEOUT)
		finally:
			os.environ.clear()
			os.environ.update(old)
		self.proc, self.out, self.err = st.proc, st.out, st.err
		self.port = st.port
		self.url = "wss://127.0.0.1:%d/" % st.port

	def ctx(self):
		c = ssl.create_default_context(cafile=os.path.join(self.dir,
		    "ca.pem"))
		return c

	async def client(self, name="sanctuary.test"):
		return await asyncio.wait_for(websockets.connect(self.url,
		    ssl=self.ctx(), server_hostname=name, ping_interval=None,
		    close_timeout=2), TIMEOUT)

	def fingerprint(self):
		"""SHA-256 of the certificate a new handshake gets."""
		with socket.create_connection(("127.0.0.1", self.port),
		    TIMEOUT) as s:
			with self.ctx().wrap_socket(s,
			    server_hostname="sanctuary.test") as t:
				return hashlib.sha256(t.getpeercert(True)).hexdigest()

	def stop(self, err=b""):
		check(self.proc.poll() is None, "relay died: %s" %
		    short(self.err.data))
		self.proc.send_signal(signal.SIGTERM)
		eq(self.proc.wait(TIMEOUT), 0, "exit status")
		self.out.wait_eof(TIMEOUT)
		self.err.wait_eof(TIMEOUT)
		eq(self.out.data.count(b"\n"), 1, "stdout lines")
		eq(self.err.data, err, "stderr")


def pem_sha256(path):
	der = ssl.PEM_cert_to_DER_cert(open(path).read())
	return hashlib.sha256(der).hexdigest()


async def room(r, n=2):
	key = room_key()
	cs = [await r.client() for _ in range(n)]
	await cs[0].send("create 1 %s u0 everyone" % key)
	check((await cs[0].recv()).startswith("welcome "), "welcome")
	for i, c in enumerate(cs[1:], 1):
		await c.send("join 1 %s u%d" % (key, i))
		check((await c.recv()).startswith("welcome "), "welcome")
		for o in cs[:i]:
			eq(await o.recv(), "joined u%d" % i)
	return cs


async def talk(cs, tag, n=50):
	for i in range(n):
		await cs[0].send("msg %s%d" % (tag, i))
	for c in cs[1:]:
		for i in range(n):
			eq(await asyncio.wait_for(c.recv(), TIMEOUT),
			    "msg u0 %s%d" % (tag, i), "delivery")


async def close_all(cs):
	for c in cs:
		await c.close()


# ------------------------------------------------------------------ cases

async def t_chat(b, d):
	"""join, chat, exact delivery over wss; a burst fills many records."""
	r = Relay(b, d, args=FLOOD)
	cs = await room(r, 3)
	await talk(cs, "m", 300)
	big = "x" * 60000
	await cs[1].send("msg " + big)
	eq(await cs[0].recv(), "msg u1 " + big, "big message")
	await close_all(cs)
	r.stop()


async def t_wrong_name(b, d):
	"""a client asking for another name refuses the certificate"""
	r = Relay(b, d)
	try:
		await r.client("other.test")
		raise Fail("wrong name accepted")
	except ssl.SSLCertVerificationError:
		pass
	r.stop()


async def t_expired(b, d):
	"""an expired certificate is refused by the client"""
	r = Relay(b, d, pair="old")
	try:
		await r.client()
		raise Fail("expired certificate accepted")
	except ssl.SSLCertVerificationError as e:
		check("expired" in str(e), "reason: %s" % e)
	r.stop()


async def t_plaintext(b, d):
	"""plain HTTP on the TLS port is closed; an open room keeps talking"""
	r = Relay(b, d, args=FLOOD)
	cs = await room(r)
	with socket.create_connection(("127.0.0.1", r.port), TIMEOUT) as s:
		s.settimeout(TIMEOUT)
		s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket"
		    b"\r\n\r\n")
		data = b""
		while True:
			try:
				k = s.recv(4096)
			except ConnectionResetError:
				break
			if not k:
				break
			data += k
		check(b"HTTP" not in data, "no plaintext answer: %r" % data)
	await talk(cs, "p")
	await close_all(cs)
	r.stop()


async def t_stall(b, d):
	"""a client stalling mid-handshake is closed by --handshake-timeout"""
	r = Relay(b, d, args=["--handshake-timeout", "1"])
	s = socket.create_connection(("127.0.0.1", r.port), TIMEOUT)
	# Half a ClientHello record header: the handshake never completes.
	s.sendall(b"\x16\x03\x01\x02")
	s.settimeout(5)
	t0 = time.monotonic()
	try:
		eq(s.recv(100), b"", "closed")
	except ConnectionResetError:
		pass
	# Generous bounds: the deadline, not the speed, is what is checked.
	check(time.monotonic() - t0 > 0.5, "closed before the deadline")
	s.close()
	r.stop()


async def t_reload(b, d):
	"""SIGHUP with the second pair: new handshakes see it, a room talks on"""
	w = tempfile.mkdtemp(dir=d)
	for n in ("ca.pem",):
		shutil.copy(os.path.join(d, n), w)
	shutil.copy(os.path.join(d, "srv.pem"), os.path.join(w, "srv.pem"))
	shutil.copy(os.path.join(d, "srv.key"), os.path.join(w, "srv.key"))
	r = Relay(b, w, args=FLOOD)
	eq(r.fingerprint(), pem_sha256(os.path.join(d, "srv.pem")), "first")
	cs = await room(r)
	shutil.copy(os.path.join(d, "srv2.pem"), os.path.join(w, "srv.pem"))
	shutil.copy(os.path.join(d, "srv2.key"), os.path.join(w, "srv.key"))
	r.proc.send_signal(signal.SIGHUP)
	await asyncio.sleep(0.3)
	eq(r.fingerprint(), pem_sha256(os.path.join(d, "srv2.pem")), "new")
	await talk(cs, "r")
	cs2 = await room(r)
	await talk(cs2, "s")
	await close_all(cs + cs2)
	r.stop()


async def t_reload_broken(b, d):
	"""SIGHUP with a broken file keeps the old pair; one line names it"""
	w = tempfile.mkdtemp(dir=d)
	shutil.copy(os.path.join(d, "ca.pem"), w)
	shutil.copy(os.path.join(d, "srv.pem"), os.path.join(w, "srv.pem"))
	shutil.copy(os.path.join(d, "srv.key"), os.path.join(w, "srv.key"))
	r = Relay(b, w, args=FLOOD)
	cs = await room(r)
	with open(os.path.join(w, "srv.pem"), "w") as f:
		f.write("-----BEGIN CERTIFICATE-----\nbroken\n")
	r.proc.send_signal(signal.SIGHUP)
	r.err.wait_lines(1, TIMEOUT)
	await asyncio.sleep(0.3)
	eq(r.fingerprint(), pem_sha256(os.path.join(d, "srv.pem")), "old pair")
	await talk(cs, "b")
	await close_all(cs)
	r.stop(("chatroom: tls: cannot load certificate %s\n" %
	    r.cert).encode())


async def t_keylog(b, d):
	"""SSLKEYLOGFILE in the daemon's environment creates no file"""
	log = os.path.join(d, "keylog.txt")
	r = Relay(b, d, args=FLOOD, env={"SSLKEYLOGFILE": log})
	cs = await room(r)
	await talk(cs, "k", 5)
	await close_all(cs)
	r.stop()
	check(not os.path.exists(log), "key log written")


def relay_fd(pid, port, peer_port):
	"""The relay's descriptor for its TCP connection with peer_port."""
	inode = None
	with open("/proc/net/tcp") as f:
		for line in f.readlines()[1:]:
			x = line.split()
			if (int(x[1].split(":")[1], 16) == port and
			    int(x[2].split(":")[1], 16) == peer_port):
				inode = x[9]
	check(inode is not None, "no relay socket for port %d" % peer_port)
	for fd in os.listdir("/proc/%d/fd" % pid):
		try:
			link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
		except OSError:
			continue
		if link == "socket:[%s]" % inode:
			return int(fd)
	raise Fail("no descriptor for socket %s" % inode)


def frames(texts):
	"""Masked client text frames, short ones, back to back."""
	out = b""
	for t in texts:
		p, m = t.encode(), os.urandom(4)
		check(len(p) < 126, "short frame")
		out += bytes([0x81, 0x80 | len(p)]) + m + bytes(
		    c ^ m[i % 4] for i, c in enumerate(p))
	return out


async def t_one_write(b, d):
	"""a burst of 50 frames that reaches the relay in one record leaves for
	each recipient in one write (strace counts the relay's writes)"""
	n = 50
	r = Relay(b, d, args=FLOOD)
	cs = await room(r)
	fd = relay_fd(r.proc.pid, r.port,
	    cs[1].transport.get_extra_info("sockname")[1])
	log = os.path.join(d, "strace.txt")
	st = subprocess.Popen(["strace", "-qq", "-f", "-e",
	    "trace=write,writev,send,sendto,sendmsg", "-e", "signal=none",
	    "-o", log, "-p", str(r.proc.pid)], stdin=subprocess.DEVNULL,
	    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	try:
		for _ in range(500):	# attached: the relay has a tracer
			with open("/proc/%d/status" % r.proc.pid) as f:
				if re.search(r"^TracerPid:\s+[1-9]", f.read(),
				    re.M):
					break
			await asyncio.sleep(0.01)
		else:
			raise Fail("strace did not attach")
		# One transport write: one TLS record holding all n frames.
		cs[0].transport.write(frames(["msg w%d" % i
		    for i in range(n)]))
		for i in range(n):
			eq(await asyncio.wait_for(cs[1].recv(), TIMEOUT),
			    "msg u0 w%d" % i, "delivery")
	finally:
		st.terminate()
		st.wait(TIMEOUT)
	writes = [l for l in open(log) if re.search(
	    r"\b(write|writev|send|sendto|sendmsg)\(%d," % fd, l)]
	eq(len(writes), 1, "writes to the recipient: %s" % writes[:3])
	await close_all(cs)
	r.stop()


BASELINE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "bench", "baseline", "node_modules")


def t_node_ws(b, d):
	"""Node's ws over wss: a room of two, 200 messages each way in order,
	a clean close (OpenSSL's TLS 1.3 against GnuTLS)"""
	r = Relay(b, d, args=FLOOD)
	env = dict(os.environ, NODE_PATH=BASELINE)
	p = subprocess.run(["node", os.path.join(os.path.dirname(
	    os.path.abspath(__file__)), "ws_peer.cjs"), r.url,
	    os.path.join(d, "ca.pem"), room_key(), "200"],
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=30, env=env)
	out = p.stdout.decode(errors="replace") + p.stderr.decode(
	    errors="replace")
	eq(p.returncode, 0, "ws_peer: %s" % short(out, 300))
	check(out.startswith("ok "), "ws_peer said %s" % short(out))
	r.stop()


def aes_hardware():
	"""The relay's test: AES and carry-less multiply (x86) or AES and
	PMULL (ARMv8) in /proc/cpuinfo's flags; other processors have none."""
	flags = set()
	with open("/proc/cpuinfo") as f:
		for line in f:
			if re.match(r"(flags|Features)\s*:", line):
				flags |= set(line.split(":", 1)[1].split())
	return {"aes", "pclmulqdq"} <= flags or {"aes", "pmull"} <= flags


def t_cipher(b, d):
	"""the server's cipher order: AES-128-GCM with AES instructions,
	ChaCha20-Poly1305 without, whichever the client puts first"""
	r = Relay(b, d)
	want = "AES-128-GCM" if aes_hardware() else "CHACHA20-POLY1305"
	for first, second in (("CHACHA20-POLY1305", "AES-128-GCM"),
	    ("AES-128-GCM", "CHACHA20-POLY1305")):
		p = subprocess.run(["gnutls-cli", "--x509cafile",
		    os.path.join(d, "ca.pem"), "--priority",
		    "NORMAL:-CIPHER-ALL:+%s:+%s" % (first, second), "-p",
		    str(r.port), "--sni-hostname", "sanctuary.test",
		    "--verify-hostname", "sanctuary.test", "127.0.0.1"],
		    stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
		out = p.stdout.decode(errors="replace")
		m = re.search(r"Description: \(TLS1\.3[^\n]*-\(([A-Z0-9-]+)\)",
		    out)
		check(m is not None, "no description: %s" % short(out, 400))
		eq(m.group(1), want, "cipher with %s first" % first)
	r.stop()


def t_renegotiation(b, d):
	"""--tls-min 1.2: a client-initiated rehandshake ends that connection,
	the daemon lives"""
	r = Relay(b, d, args=["--tls-min", "1.2"])
	p = subprocess.run(["gnutls-cli", "--x509cafile",
	    os.path.join(d, "ca.pem"), "--priority",
	    "NORMAL:-VERS-ALL:+VERS-TLS1.2", "--rehandshake", "-p",
	    str(r.port), "--sni-hostname", "sanctuary.test",
	    "--verify-hostname", "sanctuary.test", "127.0.0.1"],
	    stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
	out = p.stdout.decode(errors="replace")
	check("Handshake was completed" in out, "first handshake: %s" %
	    short(out, 400))
	check("ReHandshake was completed" not in out, "rehandshake accepted")
	check(p.returncode != 0, "gnutls-cli exit 0: %s" % short(out, 400))
	eq(r.fingerprint() != "", True, "still serving")
	r.stop()


def t_min13(b, d):
	"""by default a TLS 1.2 client is refused"""
	r = Relay(b, d)
	c = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
	c.maximum_version = ssl.TLSVersion.TLSv1_2
	try:
		with socket.create_connection(("127.0.0.1", r.port),
		    TIMEOUT) as s:
			with c.wrap_socket(s, server_hostname="sanctuary.test"):
				raise Fail("TLS 1.2 accepted")
	except ssl.SSLError:
		pass
	r.stop()


CASES = [t_chat, t_wrong_name, t_expired, t_plaintext, t_stall, t_reload,
    t_reload_broken, t_keylog, t_one_write, t_cipher, t_node_ws,
    t_renegotiation, t_min13]


def main():
	binary = os.path.abspath(sys.argv[1])
	passed = failed = 0
	with tempfile.TemporaryDirectory() as d:
		make_pki(d)
		for case in CASES:
			try:
				if asyncio.iscoroutinefunction(case):
					asyncio.run(asyncio.wait_for(case(binary, d),
					    60))
				else:
					case(binary, d)
				passed += 1
				print("ok   %s" % case.__name__)
			except Exception:
				failed += 1
				print("FAIL %s" % case.__name__)
				traceback.print_exc(file=sys.stdout)
	print("tls: %d passed, %d failed" % (passed, failed))
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main())
