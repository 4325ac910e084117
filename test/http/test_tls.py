#!/usr/bin/python3
"""HTTPS tests of servchat (--tls-cert/--tls-key) against real daemons.

A throw-away CA is made at test time with certtool (Debian's gnutls-bin):
two server pairs for the name sanctuary.test (and 127.0.0.1), signed by it.
Python's ssl trusts that CA only. Environment as test_http.py (SERVCHAT,
SERVCHAT_FIXTURE); this suite uses the fixture build.

Prints one line per test and "N passed, N failed"; exits 1 on any failure.
"""

import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_http import (Daemon, FIXTURE_BIN, TIMEOUT, csp, headers_of,  # noqa
                       parse, recv_all, run_cli, wait_until)

NAME = "sanctuary.test"
CHATPORT = 7171
HSTS = "max-age=31536000"
PKI = None              # tempdir with ca.pem, a.pem/a.key, b.pem/b.key


def certtool(*args):
    subprocess.run(["certtool", *args], check=True, capture_output=True,
                   timeout=TIMEOUT)


def make_pki():
    d = tempfile.mkdtemp(prefix="servchat-tls-")
    p = lambda f: os.path.join(d, f)             # noqa: E731
    with open(p("ca.tmpl"), "w") as f:
        f.write('cn = "Sanctuary test CA"\nca\ncert_signing_key\n'
                'expiration_days = 2\n')
    with open(p("srv.tmpl"), "w") as f:
        f.write('cn = "%s"\ndns_name = "%s"\nip_address = "127.0.0.1"\n'
                'tls_www_server\nsigning_key\nencryption_key\n'
                'expiration_days = 2\n' % (NAME, NAME))
    certtool("--generate-privkey", "--key-type=ecdsa", "--outfile", p("ca.key"))
    certtool("--generate-self-signed", "--load-privkey", p("ca.key"),
             "--template", p("ca.tmpl"), "--outfile", p("ca.pem"))
    for n in "ab":
        certtool("--generate-privkey", "--key-type=ecdsa", "--outfile",
                 p(n + ".key"))
        certtool("--generate-certificate", "--load-privkey", p(n + ".key"),
                 "--load-ca-certificate", p("ca.pem"), "--load-ca-privkey",
                 p("ca.key"), "--template", p("srv.tmpl"), "--outfile",
                 p(n + ".pem"))
    return d


def pki(f):
    return os.path.join(PKI, f)


def der(pem_file):
    with open(pem_file) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def context(maximum=None):
    ctx = ssl.create_default_context(cafile=pki("ca.pem"))
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def tls_connect(d, name=NAME, ctx=None):
    s = socket.create_connection((d.host, d.port), timeout=TIMEOUT)
    try:
        return (ctx or context()).wrap_socket(s, server_hostname=name)
    except BaseException:
        s.close()
        raise


def tls_get(d, path="/", name=NAME, ctx=None):
    """(status, headers, body, peer certificate DER) over a new connection."""
    s = tls_connect(d, name, ctx)
    try:
        s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                  % (path.encode(), name.encode()))
        cert = s.getpeercert(binary_form=True)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ssl.SSLEOFError, ConnectionResetError):
                break
            if not chunk:
                break
            data += chunk
        return parse(data) + (cert,)
    finally:
        s.close()


class Pair:
    """A daemon serving the copy of a pair in its own directory."""

    def __init__(self, first="a", *args, env=None):
        self.dir = tempfile.mkdtemp(prefix="pair-", dir=PKI)
        self.cert = os.path.join(self.dir, "fullchain.pem")
        self.key = os.path.join(self.dir, "privkey.pem")
        self.put(first)
        self.d = Daemon(FIXTURE_BIN, "-4", "--bind", "127.0.0.1", "-c",
                        str(CHATPORT), "--tls-cert", self.cert, "--tls-key",
                        self.key, *args, env=env)

    def put(self, n, cert=None, key=None):
        shutil.copy(cert or pki(n + ".pem"), self.cert)
        shutil.copy(key or pki(n + ".key"), self.key)


def stderr_lines(d, n, wait=TIMEOUT):
    """The next n lines the daemon prints on stderr (bounded wait)."""
    out = b""
    deadline = time.monotonic() + wait
    while out.count(b"\n") < n:
        ready, _, _ = select.select([d.p.stderr], [], [],
                                    max(deadline - time.monotonic(), 0))
        if not ready:
            break
        chunk = os.read(d.p.stderr.fileno(), 4096)
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace").splitlines()


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


@test
def https_get_hsts_wss_csp():
    t = Pair()
    try:
        assert re.match(r"^servchat [0-9.]+: https://127\.0\.0\.1:\d+/$",
                        t.d.banner[0]), t.d.banner
        for path in ["/", "/api/config", "/nope"]:
            status, h, body, cert = tls_get(t.d, path)
            assert status == (404 if path == "/nope" else 200), (path, status)
            assert h.get("strict-transport-security") == [HSTS], (path, h)
            want = csp(CHATPORT).replace("ws://*:%d " % CHATPORT, "")
            assert h.get("content-security-policy") == [want], h
            assert "ws://" not in want and "wss://*:%d" % CHATPORT in want
            assert cert == der(pki("a.pem"))
        _, _, body, _ = tls_get(t.d, "/api/config")
        assert body == b'{"chatport":%d,"relay":null,"maxmessage":65536}' \
            % CHATPORT, body
        # Plain HTTP keeps its headers: no HSTS, ws: allowed.
        p = Daemon(FIXTURE_BIN, "-4", "--bind", "127.0.0.1")
        try:
            r, _ = p.request("/")
            assert r.getheader("Strict-Transport-Security") is None
            assert "ws://*:9696" in r.getheader("Content-Security-Policy")
        finally:
            p.stop_quietly()
    finally:
        t.d.stop_quietly()


@test
def plaintext_on_tls_port_gets_no_page():
    t = Pair()
    try:
        for req in [b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" % NAME.encode(),
                    b"GET / HTTP/1.0\r\n\r\n"]:
            try:
                data = t.d.raw(req)
            except socket.timeout:
                raise AssertionError("plaintext request kept open")
            assert b"HTTP/" not in data and b"<html" not in data.lower(), \
                data[:80]
        status, _, _, _ = tls_get(t.d)
        assert status == 200
    finally:
        t.d.stop_quietly()


@test
def wrong_name_and_old_tls_refused():
    t = Pair()
    try:
        try:
            tls_get(t.d, name="wrong.example")
            raise AssertionError("a certificate for another name accepted")
        except ssl.SSLCertVerificationError:
            pass
        # TLS 1.3 only by default; --tls-min 1.2 lets 1.2 in.
        try:
            tls_get(t.d, ctx=context(ssl.TLSVersion.TLSv1_2))
            raise AssertionError("TLS 1.2 accepted without --tls-min 1.2")
        except (ssl.SSLError, ConnectionResetError):
            pass
        assert tls_get(t.d)[0] == 200
    finally:
        t.d.stop_quietly()
    t = Pair("a", "--tls-min", "1.2")
    try:
        s = tls_connect(t.d, ctx=context(ssl.TLSVersion.TLSv1_2))
        assert s.version() == "TLSv1.2", s.version()
        s.close()
    finally:
        t.d.stop_quietly()


@test
def sighup_swaps_pair_broken_pair_kept():
    t = Pair("a")
    try:
        assert tls_get(t.d)[3] == der(pki("a.pem"))
        # A connection opened before the reload keeps talking after it.
        old = tls_connect(t.d)
        t.put("b")
        t.d.p.send_signal(signal.SIGHUP)
        wait_until(lambda: tls_get(t.d)[3] == der(pki("b.pem")),
                   "the new certificate after SIGHUP")
        old.sendall(b"GET /api/config HTTP/1.1\r\nHost: x\r\n"
                    b"Connection: close\r\n\r\n")
        status, _, _ = parse(recv_all(old))
        old.close()
        assert status == 200
        # Broken pairs: one line naming the file, the pair b stays.
        with open(os.path.join(t.dir, "junk.pem"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot base64\n")
        for cert, key, named in [
                (os.path.join(t.dir, "junk.pem"), pki("b.key"), t.cert),
                (pki("a.pem"), pki("b.key"), t.key)]:
            t.put(None, cert=cert, key=key)
            t.d.p.send_signal(signal.SIGHUP)
            lines = stderr_lines(t.d, 1)
            assert len(lines) == 1 and named in lines[0], lines
            assert lines[0].startswith("servchat"), lines
            assert stderr_lines(t.d, 1, wait=0.5) == [], "more than one line"
            assert tls_get(t.d)[3] == der(pki("b.pem"))
        rc, out, err = t.d.stop()
        assert rc == 0 and out == b"" and err == b"", (rc, out, err)
    finally:
        t.d.kill()


@test
def sslkeylogfile_writes_nothing():
    log = os.path.join(PKI, "keys.log")
    env = dict(os.environ, SSLKEYLOGFILE=log)
    t = Pair("a", env=env)
    try:
        for _ in range(3):
            assert tls_get(t.d)[0] == 200
        assert not os.path.exists(log), "SSLKEYLOGFILE written"
    finally:
        t.d.stop_quietly()


def client_hello_then_stall(d):
    """A socket that sent a real ClientHello, read the server's flight and
    then never finishes the handshake."""
    s = socket.create_connection((d.host, d.port), timeout=TIMEOUT)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = context().wrap_bio(inc, out, server_hostname=NAME)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s.sendall(out.read())
    assert s.recv(65536), "no ServerHello"
    return s


@test
def stalled_handshake_meets_request_timeout():
    # --http-timeout is far off: only --request-timeout can close these.
    t = Pair("a", "--request-timeout", "1", "--http-timeout", "3600")
    try:
        stalled = [client_hello_then_stall(t.d)]
        half = socket.create_connection((t.d.host, t.d.port), timeout=TIMEOUT)
        half.sendall(b"\x16\x03\x01\x02\x00\x01")      # a record cut short
        stalled.append(half)
        assert tls_get(t.d)[0] == 200, "not served beside stalled clients"
        for s in stalled:
            try:
                rest = recv_all(s)
            except socket.timeout:
                raise AssertionError("stalled handshake not closed")
            assert b"HTTP/" not in rest
            s.close()
        assert tls_get(t.d)[0] == 200
    finally:
        t.d.stop_quietly()


HOOK = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "contrib", "certbot-deploy-hook")


def run_hook(lineage, tlsdir, group):
    env = dict(os.environ, RENEWED_LINEAGE=lineage, SANCTUARY_TLS_DIR=tlsdir,
               SANCTUARY_TLS_GROUP=group, SANCTUARY_UNITS="")
    p = subprocess.run(["sh", HOOK], env=env, capture_output=True,
                       timeout=TIMEOUT)
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b"", p


@test
def certbot_hook_copies_pair_daemon_reloads_it():
    # As certbot would: live/NAME holds links into archive/ (root only).
    if os.geteuid() != 0:
        print("# skipped: the hook chowns, it needs root")
        return
    import grp
    group = grp.getgrgid(os.getgid()).gr_name
    live = os.path.join(PKI, "live", NAME)
    tlsdir = os.path.join(PKI, "tls")
    os.makedirs(live)
    for n, f in [("a.pem", "fullchain.pem"), ("a.key", "privkey.pem")]:
        os.symlink(pki(n), os.path.join(live, f))
    run_hook(live, tlsdir, group)
    st = os.stat(tlsdir)
    assert st.st_mode & 0o777 == 0o750 and st.st_uid == 0, oct(st.st_mode)
    assert sorted(os.listdir(tlsdir)) == ["fullchain.pem", "privkey.pem"]
    for f, src in [("fullchain.pem", "a.pem"), ("privkey.pem", "a.key")]:
        st = os.lstat(os.path.join(tlsdir, f))
        assert st.st_mode == 0o100640, (f, oct(st.st_mode))
        assert grp.getgrgid(st.st_gid).gr_name == group
        assert open(os.path.join(tlsdir, f)).read() == open(pki(src)).read()
    d = Daemon(FIXTURE_BIN, "-4", "--bind", "127.0.0.1", "--tls-cert",
               os.path.join(tlsdir, "fullchain.pem"), "--tls-key",
               os.path.join(tlsdir, "privkey.pem"))
    try:
        assert tls_get(d)[3] == der(pki("a.pem"))
        # A renewal: new files in live/, the hook, the reload it would ask.
        for n, f in [("b.pem", "fullchain.pem"), ("b.key", "privkey.pem")]:
            os.unlink(os.path.join(live, f))
            os.symlink(pki(n), os.path.join(live, f))
        run_hook(live, tlsdir, group)
        d.p.send_signal(signal.SIGHUP)
        wait_until(lambda: tls_get(d)[3] == der(pki("b.pem")),
                   "the renewed certificate")
        assert sorted(os.listdir(tlsdir)) == ["fullchain.pem", "privkey.pem"]
    finally:
        d.stop_quietly()
    # No lineage, or one without the files: an error, nothing copied.
    p = subprocess.run(["sh", HOOK], env=dict(os.environ, RENEWED_LINEAGE=""),
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2, p


@test
def cli_tls_errors():
    for args, msg in [(["--tls-cert", "/x.pem"], "tls"),
                      (["--tls-key", "/x.key"], "tls"),
                      (["--tls-min", "1.1", "--tls-cert", pki("a.pem"),
                        "--tls-key", pki("a.key")], "tls-min"),
                      (["--tls-cert", pki("a.pem"), "--tls-key", pki("a.key"),
                        "--relay", "ws://relay.example:9696/"], "--relay")]:
        rc, out, err = run_cli(*args)
        assert rc == 2 and out == "", (args, rc, out, err)
        assert err.startswith("servchat: ") and msg in err.split("\n")[0], \
            (args, err)
    # A file that does not load: exit 1, one line naming it.
    missing = os.path.join(PKI, "missing.pem")
    rc, out, err = run_cli("-s", "0", "--bind", "127.0.0.1", "--tls-cert",
                           missing, "--tls-key", pki("a.key"))
    assert rc == 1 and out == "", (rc, out, err)
    assert len(err.splitlines()) == 1 and missing in err, err


def main():
    global PKI
    PKI = make_pki()
    passed = failed = 0
    try:
        for i, fn in enumerate(TESTS, 1):
            try:
                fn()
                print("ok %d %s" % (i, fn.__name__))
                passed += 1
            except Exception as e:
                print("not ok %d %s: %s" % (i, fn.__name__,
                                            e or type(e).__name__))
                traceback.print_exc(limit=3, file=sys.stdout)
                failed += 1
            sys.stdout.flush()
    finally:
        shutil.rmtree(PKI, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
