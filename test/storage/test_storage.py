#!/usr/bin/python3
"""Zero storage, proven on the real daemons.

1. A whole session (create, join, messages, whisper, farewell, stop) whose
   aliases and bodies carry a random marker, with chatroom and servchat under
   strace -f: after startup no file is opened for writing, every write goes to a
   socket, and neither daemon prints the marker (or anything after its banner).
2. After /stop, the relay's memory (/proc/PID/mem, every readable mapping)
   holds the marker 0 times.
3. SIGSEGV leaves no core file, and the kernel reports no core dumped.
1 and 2 run again with TLS on (--tls-cert/--tls-key on both daemons, a CA
made by certtool at test time, wss and https clients trusting only it):
nothing written either, and after /stop the relay's memory holds neither the
marker nor any TLS secret of the session's connections (the clients' own
key log, kept in the test's directory, says which secrets to look for).
"""
import asyncio
import base64
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("B", os.path.join(ROOT, "build"))
CHATROOM = os.path.join(BUILD, "chatroom")
SERVCHAT = os.path.join(BUILD, "servchat")
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from testlib import make_pki  # noqa: E402

results = []
started = []        # every daemon, killed at exit whatever happened


@__import__("atexit").register
def kill_leftovers():
    for p in started:
        if p.poll() is None:
            # Under strace the daemon is p's child: it goes first.
            subprocess.run(["pkill", "-KILL", "-P", str(p.pid)])
            p.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def room_key():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")


def start(argv, cwd, strace_log=None):
    if strace_log:
        argv = ["strace", "-f", "-yy", "-s", "64", "-o", strace_log,
                "-e", "trace=%file,%desc,%network"] + argv
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    started.append(p)
    line = p.stdout.readline().decode()
    if not line:
        raise RuntimeError("daemon printed no banner: %r" % p.stderr.read())
    return p, line


def stop(p, name=None):
    """SIGTERM to the daemon itself (under strace, p is strace)."""
    os.kill(daemon_pid(p, name) if name else p.pid, signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def daemon_pid(p, name):
    """The daemon's own pid (strace is the parent when traced)."""
    deadline = time.time() + 5
    while time.time() < deadline:
        r = subprocess.run(["pgrep", "-P", str(p.pid), "-x", name],
                           capture_output=True, text=True)
        if r.stdout.strip():
            return int(r.stdout.split()[0])
        time.sleep(0.05)
    return p.pid


def tls_args(pki):
    return ["--tls-cert", pki[1], "--tls-key", pki[2]] if pki else []


def client_ctx(pki, keylog=None):
    """A context trusting only the test CA; keylog: the client writes its
    TLS secrets there (the test's own file, never the daemon's)."""
    c = ssl.create_default_context(cafile=pki[0])
    if keylog:
        c.keylog_filename = keylog
    return c


async def session(port, marker, ctx=None):
    """Runs a room conversation carrying marker; returns after /stop closed
    all. ctx: an SSLContext, for wss."""
    key = room_key()
    url = "%s://127.0.0.1:%d/" % ("wss" if ctx else "ws", port)
    kw = {"ssl": ctx, "server_hostname": "sanctuary.test"} if ctx else {}
    a = await websockets.connect(url, **kw)
    b = await websockets.connect(url, **kw)
    c = await websockets.connect(url, **kw)
    recv = lambda ws: asyncio.wait_for(ws.recv(), 5)
    await a.send("create 1 %s A%s owner" % (key, marker))
    assert (await recv(a)).startswith("welcome ")
    await b.send("join 1 %s B%s" % (key, marker))
    assert (await recv(b)).startswith("welcome ")
    await recv(a)
    await c.send("join 1 %s C%s" % (key, marker))
    assert (await recv(c)).startswith("welcome ")
    await recv(a), await recv(b)
    for i in range(20):
        await a.send("msg body-%s-%d" % (marker, i))
        assert marker in await recv(b)
        assert marker in await recv(c)
    await b.send("purr A%s whisper-%s" % (marker, marker))
    assert marker in await recv(a)
    await c.send("exit farewell-%s" % marker)
    assert marker in await recv(a)
    assert marker in await recv(b)
    await a.send("stop")
    for ws in (a, b):
        try:
            while True:
                await recv(ws)
        except websockets.ConnectionClosed as e:
            assert e.code == 4002, e.code
    await c.wait_closed()


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("ok  " if ok else "FAIL", name,
                       "" if ok else ": " + detail))


def writes_after_banner(log, banner_fragment):
    """Non-socket writes and write-opens in a strace log after the banner."""
    lines = open(log, errors="replace").readlines()
    banner = [i for i, l in enumerate(lines)
              if banner_fragment in l and re.search(r"\bwrite\(1", l)]
    if not banner:
        return False, []
    bad, started = [], True
    for line in lines[banner[-1] + 1:]:
        m = re.match(r"\d+\s+(\w+)\((.*)", line)
        if not m:
            continue
        call, args = m.groups()
        if call in ("open", "openat", "creat", "openat2") and \
                re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND", args):
            bad.append(line.strip())
        elif call in ("write", "writev", "pwrite64", "pwritev", "sendto",
                      "sendmsg", "sendmmsg", "send", "sendfile"):
            fdpart = args.split(",", 1)[0]
            if not re.search(r"<(TCP|TCPv6|UDP|UDPv6|UNIX|socket):", fdpart) \
                    and "<anon_inode:" not in fdpart:
                bad.append(line.strip())
        elif call in ("rename", "renameat", "renameat2", "unlink", "unlinkat",
                      "mkdir", "mkdirat", "truncate", "ftruncate", "link",
                      "linkat", "symlink", "symlinkat"):
            bad.append(line.strip())
    return started, bad


def scan_memory(pid, needle):
    hits = 0
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or (len(fields) > 5 and
                                        fields[5] in ("[vvar]", "[vsyscall]")):
                continue
            try:
                mem.seek(lo)
                hits += mem.read(hi - lo).count(needle)
            except OSError:
                continue
    return hits


def test_strace_session(tmp, pki=None):
    """pki: (ca, cert, key), the same with TLS on (names say "(TLS)")."""
    tag, ws, http = (" (TLS)", "wss://", "https://") if pki else \
        ("", "ws://", "http://")
    marker = os.urandom(8).hex()
    port, sport = free_port(), free_port()
    clog, slog = os.path.join(tmp, "chat.strace"), os.path.join(tmp, "serv.strace")
    chat, cbanner = start([CHATROOM, "-c", str(port), "-4"] + tls_args(pki),
                          tmp, clog)
    serv = sbanner = None
    if os.path.exists(SERVCHAT):
        serv, sbanner = start([SERVCHAT, "-s", str(sport), "-c", str(port),
                               "-4"] + tls_args(pki), tmp, slog)
        ctx = client_ctx(pki) if pki else None
        host = "sanctuary.test" if pki else "127.0.0.1"
        for path in ("/", "/api/key", "/api/config"):
            # The name the certificate carries, on loopback.
            req = urllib.request.Request("%s127.0.0.1:%d%s" % (http, sport, path),
                                         headers={"Host": "%s:%d" % (host, sport)})
            if pki:
                ctx.check_hostname = False      # the CA is what is checked
            urllib.request.urlopen(req, timeout=5, context=ctx).read()
    asyncio.run(session(port, marker, client_ctx(pki) if pki else None))
    rc, out, err = stop(chat, "chatroom")
    check("chatroom exits 0 on SIGTERM" + tag, rc == 0, str(rc))
    check("chatroom prints nothing after its banner" + tag,
          out == "" and err == "", repr(out + err))
    check("marker in no chatroom output" + tag,
          marker not in out + err + cbanner)
    started, bad = writes_after_banner(clog, ws)
    check("chatroom strace shows its banner" + tag, bool(started))
    check("chatroom: no file written after startup" + tag, not bad,
          "\n".join(bad[:5]))
    if serv is not None:
        rc, out, err = stop(serv, "servchat")
        check("servchat exits 0 on SIGTERM" + tag, rc == 0, str(rc))
        extra = [l for l in out.splitlines()
                 if not re.match(r"^servchat \S+: https?://\S+/$", l)]
        check("servchat prints nothing but its banner" + tag, not extra and
              err == "", repr(extra + [err]))
        started, bad = writes_after_banner(slog, http)
        check("servchat strace shows its banner" + tag, bool(started))
        check("servchat: no file written after startup" + tag, not bad,
              "\n".join(bad[:5]))
    leftovers = sorted(set(os.listdir(tmp)) - {"chat.strace", "serv.strace"})
    check("no file left in the working directory" + tag, not leftovers,
          str(leftovers))


def keylog_secrets(path):
    """The secrets of a key log (NSS format: LABEL CLIENT_RANDOM SECRET)."""
    out = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and not line.startswith("#"):
                out.append((p[0], bytes.fromhex(p[2])))
    return out


def test_memory_scan(tmp, pki=None, keydir=None):
    """pki: with TLS on; the clients' key log goes to keydir."""
    tag = " (TLS)" if pki else ""
    marker = os.urandom(8).hex()
    port = free_port()
    env = dict(os.environ)
    env.pop("GLIBC_TUNABLES", None)     # the daemon must manage by itself
    chat = subprocess.Popen([CHATROOM, "-c", str(port), "-4"] + tls_args(pki),
                            cwd=tmp, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(chat)
    chat.stdout.readline()
    keylog = os.path.join(keydir, "clients.keylog") if pki else None
    ctx = client_ctx(pki, keylog) if pki else None
    scheme = "wss" if pki else "ws"
    kw = {"ssl": client_ctx(pki), "server_hostname": "sanctuary.test"} \
        if pki else {}
    asyncio.run(session(port, marker, ctx))
    time.sleep(0.5)     # let the relay's before-sleep free the closed conns
    needle = marker.encode()
    hits = scan_memory(chat.pid, needle)
    # The scan itself must be able to find what is there: a control marker
    # that lives in a still-open room.
    control = os.urandom(8).hex()

    live_log = os.path.join(keydir, "live.keylog") if pki else None
    if pki:
        kw["ssl"] = client_ctx(pki, live_log)

    async def keep_open():
        key = room_key()
        ws = await websockets.connect("%s://127.0.0.1:%d/" % (scheme, port),
                                      **kw)
        await ws.send("create 1 %s K%s everyone" % (key, control))
        await asyncio.wait_for(ws.recv(), 5)
        found = scan_memory(chat.pid, control.encode())
        live = [label for label, sec in (keylog_secrets(live_log)
                if pki else []) if scan_memory(chat.pid, sec) > 0]
        await ws.close()
        return found, live

    secrets = keylog_secrets(keylog) if pki else []
    leaked = [label for label, sec in secrets
              if scan_memory(chat.pid, sec) > 0]
    control_hits, live = asyncio.run(keep_open())
    stop(chat)
    check("memory scan finds a live alias (scan works)" + tag,
          control_hits > 0, str(control_hits))
    check("relay memory holds the marker 0 times after /stop" + tag,
          hits == 0, "%d hits" % hits)
    if pki:
        check("the clients logged their TLS secrets (3 connections)",
              len(secrets) >= 3 * 4, str(len(secrets)))
        # The scan finds a secret an open connection still needs.
        check("memory scan finds a live connection's TLS secret (scan "
              "works)", bool(live), "none found")
        check("relay memory holds none of the %d TLS secrets after /stop"
              % len(secrets), not leaked, ", ".join(leaked[:6]))


def test_no_core(tmp, binary, args):
    name = os.path.basename(binary)
    p = subprocess.Popen([binary] + args, cwd=tmp, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         preexec_fn=lambda: __import__("resource").setrlimit(
                             __import__("resource").RLIMIT_CORE,
                             (-1, -1)))
    p.stdout.readline()
    limits = open("/proc/%d/limits" % p.pid).read()
    core_line = [l for l in limits.splitlines() if l.startswith("Max core")]
    check("%s sets RLIMIT_CORE to 0" % name,
          bool(core_line) and core_line[0].split()[4] == "0", str(core_line))
    os.kill(p.pid, signal.SIGSEGV)
    _, status = os.waitpid(p.pid, 0)
    p.returncode = 0
    check("%s: SIGSEGV kills it" % name, os.WIFSIGNALED(status) and
          os.WTERMSIG(status) == signal.SIGSEGV, str(status))
    check("%s: kernel dumped no core" % name, not os.WCOREDUMP(status))
    cores = [f for f in os.listdir(tmp) if f.startswith("core")]
    check("%s: no core file" % name, not cores, str(cores))


def main():
    if os.geteuid() != 0:
        print("storage: needs root for /proc/PID/mem")
        print("storage: 0 passed, 1 failed")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        test_strace_session(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        test_memory_scan(tmp)
    with tempfile.TemporaryDirectory() as keydir:
        pki = make_pki(keydir)
        with tempfile.TemporaryDirectory() as tmp:
            test_strace_session(tmp, pki)
        with tempfile.TemporaryDirectory() as tmp:
            test_memory_scan(tmp, pki, keydir)
    for binary, args in ((CHATROOM, ["-c", str(free_port()), "-4"]),
                         (SERVCHAT, ["-s", str(free_port()), "-c",
                                     str(free_port()), "-4"])):
        if os.path.exists(binary):
            with tempfile.TemporaryDirectory() as tmp:
                test_no_core(tmp, binary, args)
    passed = sum(results)
    failed = len(results) - passed
    print("storage: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
