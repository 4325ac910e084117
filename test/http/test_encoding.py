#!/usr/bin/python3
"""Content codings of the real servchat build (static/ bundled by
tools/bundle, gzip and brotli bodies made at build time by tools/embed.c):
the choice by Accept-Encoding and its q-values, Vary, an ETag and a 304 per
body, HEAD, Content-Length, and that each coded body decodes (Python's gzip,
Debian's brotli) to exactly the plain one. Also that the page the build
serves refers to the bundle and keeps its CSP: no inline script.

Environment (set by test/http/http.mk): SERVCHAT, the real build.
Prints one line per test and "N passed, N failed"; exits 1 on any failure.
"""

import gzip
import http.client
import os
import re
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_http as th                                          # noqa: E402

SERVCHAT = os.environ.get("SERVCHAT", "build/servchat")
BUNDLE = ["/", "/index.html", "/scripts.min.js", "/app.min.js",
          "/app.min.css"]
D = None
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def get(path, accept=None, method="GET", headers=None):
    """(response, headers {lower: [values]}, body); accept None: no header."""
    c = D.conn()
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        if accept is not None:
            c.putheader("Accept-Encoding", accept)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        return r, th.headers_of(r), body
    finally:
        c.close()


def coding(h):
    return (h.get("content-encoding") or ["identity"])[0]


def unbrotli(data):
    p = subprocess.run(["brotli", "-d", "-c"], input=data,
                       capture_output=True, timeout=th.TIMEOUT)
    assert p.returncode == 0, p.stderr
    return p.stdout


def decode(h, body):
    c = coding(h)
    return {"identity": lambda b: b, "gzip": gzip.decompress,
            "br": unbrotli}[c](body)


@test
def each_coding_decodes_to_the_plain_body():
    for path in BUNDLE + ["/vendor/qrcode.js", "/favicon.svg"]:
        r, h, plain = get(path)
        assert r.status == 200 and coding(h) == "identity", path
        for accept, want in [("gzip", "gzip"), ("br", "br")]:
            r, h, body = get(path, accept)
            assert r.status == 200, (path, r.status)
            assert coding(h) == want, (path, accept, h)
            assert h["content-length"] == [str(len(body))], path
            assert len(body) < len(plain), path
            assert decode(h, body) == plain, (path, want)
            assert body[:2] != b"\x1f\x8b" or want == "gzip", path


@test
def q_values_choose():
    cases = [
        (None, "identity"), ("", "identity"), ("identity", "identity"),
        ("gzip", "gzip"), ("br", "br"), ("gzip, br", "br"),
        ("br, gzip", "br"), ("gzip, deflate, br, zstd", "br"),
        ("BR", "br"), ("x-gzip", "gzip"), ("*", "br"),
        ("br;q=0, gzip", "gzip"), ("br; q=0, *", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"), ("gzip;q=0.501, br;q=0.5", "gzip"),
        ("gzip;q=0.5, br;q=0.5", "br"), ("gzip ; Q=0.9 , br ; q=0.8", "gzip"),
        ("br;q=0, gzip;q=0", "identity"), ("*;q=0, identity", "identity"),
        ("*;q=0", "identity"), ("identity;q=0", "identity"),
        ("identity;q=0, gzip;q=0.1", "gzip"), ("gzip;q=0.000", "identity"),
        # A malformed q voids its element only.
        ("br;q=1.5, gzip", "gzip"), ("br;q=abc", "identity"),
        ("br;q=0.1234, gzip", "gzip"), ("gzip;level=9;q=0.4, br;q=0.3", "gzip"),
        ("brotli, gzipx, gz", "identity"), (",,, ,br,", "br"),
    ]
    for accept, want in cases:
        r, h, _ = get("/app.min.js", accept)
        assert r.status == 200 and coding(h) == want, \
            "Accept-Encoding %r: %s, want %s" % (accept, coding(h), want)


@test
def vary_and_security_headers_on_every_body():
    for accept in [None, "gzip", "br"]:
        for path in BUNDLE:
            r, h, _ = get(path, accept)
            assert h.get("vary") == ["Accept-Encoding"], (path, h.get("vary"))
            th.check_headers(D, h, "no-store" if path in ("/", "/index.html")
                             else "no-cache")
    r, h, _ = get("/api/config", "br")
    assert "vary" not in h and "content-encoding" not in h


@test
def etag_and_304_per_body():
    tags = {}
    for accept in ["identity", "gzip", "br"]:
        r, h, body = get("/app.min.js", accept)
        tags[accept] = h["etag"][0]
        assert re.match(r'^"[A-Za-z0-9_-]{22}"$', tags[accept])
        assert tags[accept] == th.etag_of(body), accept
    assert len(set(tags.values())) == 3, tags
    for accept, tag in tags.items():
        r, h, body = get("/app.min.js", accept, headers={"If-None-Match": tag})
        assert r.status == 304 and body == b"", (accept, r.status)
        assert h["etag"] == [tag] and h.get("vary") == ["Accept-Encoding"]
        th.check_headers(D, h, "no-cache")
    # Another body's tag is no match: the client gets the body it asked for.
    r, h, body = get("/app.min.js", "br",
                     headers={"If-None-Match": tags["gzip"]})
    assert r.status == 200 and coding(h) == "br" and h["etag"] == [tags["br"]]
    r, h, _ = get("/app.min.js", "br", headers={
        "If-None-Match": "%s, W/%s" % (tags["gzip"], tags["br"])})
    assert r.status == 304


@test
def head_matches_get():
    for accept in [None, "gzip", "br"]:
        _, hg, body = get("/scripts.min.js", accept)
        r, hh, hbody = get("/scripts.min.js", accept, method="HEAD")
        assert r.status == 200 and hbody == b""
        for name in ["content-length", "content-encoding", "etag", "vary",
                     "content-type"]:
            assert hh.get(name) == hg.get(name), (accept, name)
        assert hh["content-length"] == [str(len(body))]


@test
def page_refers_to_the_bundle_no_inline_script():
    _, h, page = get("/")
    html = page.decode()
    srcs = re.findall(r'<script\b([^>]*)>', html)
    assert sorted(re.search(r'src="([^"]+)"', s).group(1) for s in srcs) == \
        ["/app.min.js", "/scripts.min.js"], srcs
    assert '<link rel="stylesheet" href="/app.min.css">' in html
    assert 'rel="icon" href="data:image/svg+xml,' in html
    assert re.search(r"<script[^>]*>[^<]", html) is None, "inline script"
    assert "script-src 'self';" in h["content-security-policy"][0]
    for path in ["/app.min.js", "/scripts.min.js", "/app.min.css"]:
        r, _, body = get(path)
        assert r.status == 200 and len(body) > 0, path
    # The separate modules stay served (--static-dir pages use them).
    assert get("/app.js")[0].status == 200


def main():
    global D
    D = th.Daemon(SERVCHAT, "-4", "--bind", "127.0.0.1")
    passed = failed = 0
    for i, fn in enumerate(TESTS, 1):
        try:
            fn()
            assert D.alive(), "the daemon died"
            print("ok %d %s" % (i, fn.__name__))
            passed += 1
        except Exception as e:          # report and go on with the next test
            print("not ok %d %s: %s" % (i, fn.__name__, e or type(e).__name__))
            traceback.print_exc(limit=3, file=sys.stdout)
            failed += 1
        sys.stdout.flush()
    try:
        D.stop_quietly()
        print("ok %d daemon silent after its banner, exit 0" % (passed + failed + 1))
        passed += 1
    except Exception as e:
        print("not ok %d daemon: %s" % (passed + failed + 1, e))
        failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
