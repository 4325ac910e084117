#!/usr/bin/python3
"""Benchmarks: Sanctuary's daemons against a baseline that a typical developer
would write (test/bench/baseline/relay.mjs, Node with npm ws, one process for
WebSocket and HTTP), in the same run, on loopback. Not tests: nothing passes
or fails here. test/bench/README.md tells what each scenario measures.

    B=/abs/build /usr/bin/python3 test/bench/bench.py [--runs N] [--quick]
        [--only NAME[,NAME...]]

Prints a plain-text table on stdout (progress goes to stderr): every figure is
the median of --runs runs with the spread (min-max) and its ratio to the
baseline, turned so that bigger is always better. Stdlib only.
"""
import argparse
import json
import os
import platform
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
B = os.environ.get("B") or os.path.join(ROOT, "build")
CHATROOM = os.path.join(B, "chatroom")
SERVCHAT = os.path.join(B, "servchat")
LOADGEN = os.path.join(B, "test", "loadgen")
# Idle C programs (test/bench/floor.c): plain, and linking libmicrohttpd.
FLOORS = (("idle C", os.path.join(B, "test", "floor-libc")),
          ("C+libmicrohttpd", os.path.join(B, "test", "floor-mhd")))
BASEDIR = os.path.join(ROOT, "test", "bench", "baseline")
RELAY_MJS = os.path.join(BASEDIR, "relay.mjs")

CHATROOM_OPTS = ["-4", "--max-conns", "20000", "--max-per-ip", "20000",
                 "--max-rooms", "10000", "--max-members", "1000",
                 "--max-handshakes", "1000",
                 "--max-handshakes-per-ip", "1000", "--flood-rate", "100000",
                 "--flood-burst", "100000"]

SCENARIOS = ("fanout1x100", "fanout100x10", "latency", "conns", "rest", "http",
             "overload", "wss-fanout", "wss-conns", "tlsmem")
TLSMEM = os.path.join(B, "test", "tlsmem")

# The daemons' environment: the driver's own, less GLIBC_TUNABLES, so every
# process runs with glibc's default allocator (make run and the systemd units
# set glibc.malloc.tcache_count=0:glibc.malloc.perturb=165; measured as-is).
ENV = dict(os.environ)
TUNABLES_DROPPED = ENV.pop("GLIBC_TUNABLES", None)

LIVE = []           # every daemon started and not yet stopped
SERVER_PIN = []     # taskset prefixes, set in main()
GEN_PIN = []


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop("signal %d" % signum)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- daemons

class Daemon:
    """A server under test in its own process group, pinned to the server
    core; started() once its ready line (matching ready_re) is on stdout."""

    def __init__(self, name, argv, ready_re, tmpdir, cwd=None, timeout=15):
        self.name = name
        self.errpath = os.path.join(tmpdir, "%s.%d.err" % (name, len(LIVE)))
        self.err = open(self.errpath, "wb")
        self.p = subprocess.Popen(SERVER_PIN + argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=self.err,
                                  env=ENV, cwd=cwd, start_new_session=True)
        LIVE.append(self)
        self.match = None
        fd = self.p.stdout.fileno()
        buf = b""
        deadline = time.monotonic() + timeout
        while self.match is None:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                raise RuntimeError("%s: no ready line in %ds%s" %
                                   (name, timeout, self.stderr_tail()))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                self.stop()
                raise RuntimeError("%s exited at start (status %s)%s" %
                                   (name, self.p.returncode, self.stderr_tail()))
            buf += chunk
            while b"\n" in buf and self.match is None:
                line, buf = buf.split(b"\n", 1)
                self.match = re.search(ready_re, line.decode("utf-8", "replace"))
        # Whatever else it prints must not fill the pipe and stall it.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        try:
            while os.read(self.p.stdout.fileno(), 65536):
                pass
        except OSError:
            pass

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stderr_tail(self):
        try:
            with open(self.errpath, "rb") as f:
                tail = f.read()[-600:].decode("utf-8", "replace").strip()
        except OSError:
            tail = ""
        return (": " + tail.replace("\n", " | ")) if tail else ""

    def stop(self):
        if self in LIVE:
            LIVE.remove(self)
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if self.p.poll() is not None:
                break
            try:
                os.killpg(self.p.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.p.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                pass
        try:    # the group may hold others (a daemon's own children)
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.err.close()


def start_chatroom(tmpdir, extra=(), tls=None):
    """tls: (cert, key) for wss, or None."""
    port = free_port()
    if tls:
        extra = list(extra) + ["--tls-cert", tls[0], "--tls-key", tls[1]]
    d = Daemon("chatroom", [CHATROOM, "-c", str(port)] + CHATROOM_OPTS +
               list(extra),
               r"listening", tmpdir)
    d.port = port
    return d


def start_servchat(tmpdir, chatport):
    d = Daemon("servchat", [SERVCHAT, "-s", "0", "-c", str(chatport), "-4"],
               r"http://127\.0\.0\.1:(\d+)/", tmpdir)
    d.port = int(d.match.group(1))
    return d


def start_node(tmpdir, page, tls=None):
    wsport, httpport = free_port(), free_port()
    d = Daemon("node", ["node", RELAY_MJS, str(wsport), str(httpport), page] +
               (list(tls) if tls else []),
               r"^listening$", tmpdir, cwd=BASEDIR)
    d.port, d.httpport = wsport, httpport
    return d


def proc_kb(pid, path, field):
    """A 'Field:   N kB' value from /proc/PID/<path>, in KiB."""
    with open("/proc/%d/%s" % (pid, path)) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/%s" % (field, pid, path))


# ---------------------------------------------------------------- results

class Row:
    """One figure: its values per side over the runs, which way is better,
    and the notes of runs that had errors or closed connections."""

    def __init__(self, label, unit, better, baseline=True):
        self.label, self.unit, self.better = label, unit, better
        self.vals = {"s": [], "b": []}
        self.flags = {"s": [], "b": []}
        self.fails = {"s": 0, "b": 0}
        self.baseline = baseline


class Section:
    def __init__(self, title):
        self.title = title
        self.rows = []
        self.notes = []

    def row(self, *a, **k):
        r = Row(*a, **k)
        self.rows.append(r)
        return r


def fmt(x):
    if x is None:
        return "-"
    a = abs(x)
    if a >= 1e7:
        return "%.1fM" % (x / 1e6)
    if a >= 1e6:
        return "%.2fM" % (x / 1e6)
    if a >= 1e5:
        return "%.0fk" % (x / 1e3)
    if a >= 1e4:
        return "%.1fk" % (x / 1e3)
    if a >= 100:
        return "%.0f" % x
    return "%.3g" % x


def cell(vals, flagged, fails, runs):
    if not vals:
        return "failed" if fails else "-"
    s = fmt(statistics.median(vals))
    if len(vals) > 1:
        s += " (%s–%s)" % (fmt(min(vals)), fmt(max(vals)))
    if flagged:
        s += " !"
    if fails:
        s += " [%d/%d failed]" % (fails, runs)
    return s


def ratio(row):
    if not row.baseline or not row.vals["s"] or not row.vals["b"] or row.better is None:
        return "-"
    s, b = statistics.median(row.vals["s"]), statistics.median(row.vals["b"])
    if row.better == "higher":
        num, den = s, b
    else:
        num, den = b, s
    if num <= 0 or den <= 0:
        return "-"
    r = num / den
    if r < 1:
        return "%.2g" % r
    return "%.1f" % r if r < 100 else "%.0f" % r


W_LABEL, W_CELL, W_RATIO = 44, 24, 10


def print_section(sec, runs):
    print()
    print(sec.title)
    for r in sec.rows:
        label = "  %s%s" % (r.label, " (%s)" % r.unit if r.unit else "")
        s = cell(r.vals["s"], r.flags["s"], r.fails["s"], runs)
        b = cell(r.vals["b"], r.flags["b"], r.fails["b"], runs) if r.baseline else "-"
        print("%-*s %-*s %-*s %*s" % (W_LABEL, label, W_CELL, s, W_CELL, b,
                                      W_RATIO, ratio(r)))
    for n in sec.notes:
        print("    " + n)
    sys.stdout.flush()


# ---------------------------------------------------------------- load generator

def loadgen(port, pid, args, timeout):
    """Runs the load generator once: (dict, None) or (None, why)."""
    argv = GEN_PIN + [LOADGEN, "--host", "127.0.0.1", "--port", str(port),
                      "--pid", str(pid)] + [str(a) for a in args]
    try:
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "loadgen timed out after %ds" % timeout
    err = cp.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")[-300:]
    if cp.returncode != 0:
        return None, "loadgen exit %d%s" % (cp.returncode, (": " + err) if err else "")
    lines = [l for l in cp.stdout.decode("utf-8", "replace").splitlines() if l.strip()]
    try:
        return json.loads(lines[-1]), None
    except (IndexError, ValueError):
        return None, "loadgen printed no JSON line%s" % ((": " + err) if err else "")


def trouble(res, want=None):
    """Non-empty text when a run saw errors or closed connections."""
    bits = []
    for k in ("errors", "closed", "skipped", "unparsed"):
        if res.get(k):
            bits.append("%s=%s" % (k, res[k]))
    for k in ("close_codes", "error_codes"):
        if bits and res.get(k):
            bits.append("%s %s" % (k.replace("_", " "), res[k]))
    if res.get("relay_cpu_s", 0) < 0:
        bits.append("the relay was gone at the end")
    if "seconds" in res and want and res["seconds"] < want / 2:
        bits.append("measured only %.3fs of %gs" % (res["seconds"], want))
    return " ".join(bits)


SIDES = (("s", "sanctuary"), ("b", "baseline"))


def record(sec, rows_fields, side, run, res, why, want=None):
    """Adds one run's figures (rows_fields: [(Row, field or function)])."""
    name = dict(SIDES)[side]
    if res is None:
        for row, _ in rows_fields:
            row.fails[side] += 1
        sec.notes.append("%s run %d failed: %s" % (name, run + 1, why))
        return
    t = trouble(res, want)
    for row, f in rows_fields:
        v = f(res) if callable(f) else res.get(f)
        if v is None:
            row.fails[side] += 1
            continue
        row.vals[side].append(float(v))
        if t:
            row.flags[side].append(run)
    if t:
        sec.notes.append("! %s run %d: %s" % (name, run + 1, t))


# ---------------------------------------------------------------- scenarios

def rate_scenario(ctx, title, args, seconds, rows_spec):
    """fanout or paced: both relays started fresh, a warm-up run of each
    (not counted), then the runs alternate between the two."""
    sec = Section(title)
    rows = [(sec.row(label, unit, better), field) for label, unit, better, field in rows_spec]
    daemons = {}
    try:
        daemons["s"] = start_chatroom(ctx.tmp)
        daemons["b"] = start_node(ctx.tmp, ctx.page)
        timeout = seconds + 90
        for side, _ in SIDES:
            d = daemons[side]
            loadgen(d.port, d.pid, args + ["--seconds", 1], timeout)    # warm-up
        for run in range(ctx.runs):
            for side, name in SIDES:
                d = daemons[side]
                if not d.alive():
                    record(sec, rows, side, run, None, "%s died%s" % (name, d.stderr_tail()))
                    continue
                log("%s: %s run %d/%d" % (title.split(":")[0], name, run + 1, ctx.runs))
                res, why = loadgen(d.port, d.pid, args + ["--seconds", seconds], timeout)
                record(sec, rows, side, run, res, why, seconds)
    finally:
        for d in daemons.values():
            d.stop()
    return sec


def per_cpu(res):
    return res.get("deliveries_per_cpu_s") if res.get("relay_cpu_s", 0) > 0 else None


def cpu_share(field):
    return lambda res: (100 * res[field] / res["seconds"]
                        if res.get(field, -1) >= 0 and res.get("seconds") else None)


FANOUT_ROWS = [
    ("deliveries/s", "", "higher", "deliveries_per_s"),
    ("deliveries per relay CPU-second", "", "higher", per_cpu),
    ("p99 latency", "µs", "lower", "p99_us"),
    ("relay CPU use", "% of a core", None, cpu_share("relay_cpu_s")),
    ("load generator CPU use", "% of a core", None, cpu_share("gen_cpu_s")),
]


def sc_fanout1x100(ctx):
    s = ctx.fanout_seconds
    return rate_scenario(
        ctx, "fanout1x100: 1 room × 100 members, 10 senders, 64 B, %gs" % s,
        ["--mode", "fanout", "--rooms", 1, "--members", 100, "--senders", 10,
         "--size", 64], s, FANOUT_ROWS)


def sc_fanout100x10(ctx):
    s = ctx.fanout_seconds
    return rate_scenario(
        ctx, "fanout100x10: 100 rooms × 10 members, 1 sender each, 64 B, %gs" % s,
        ["--mode", "fanout", "--rooms", 100, "--members", 10, "--senders", 1,
         "--size", 64], s, FANOUT_ROWS)


def sc_latency(ctx):
    s = ctx.paced_seconds
    return rate_scenario(
        ctx, "latency: paced, 10000 deliveries/s, 1 room × 100 members, "
        "10 senders, 64 B, %gs" % s,
        ["--mode", "paced", "--rooms", 1, "--members", 100, "--senders", 10,
         "--rate", 10000, "--size", 64], s,
        [("p50 latency", "µs", "lower", "p50_us"),
         ("p99 latency", "µs", "lower", "p99_us"),
         ("max latency", "µs", "lower", "max_us"),
         ("deliveries/s (as offered)", "", None, "deliveries_per_s"),
         ("relay CPU use", "% of a core", None, cpu_share("relay_cpu_s"))])


def sc_conns(ctx):
    conns, rooms = 5000, 500
    sec = Section("conns: %d idle connections joined in %d rooms (each relay fresh per run)"
                  % (conns, rooms))
    rows = [(sec.row(*spec[:3]), spec[3]) for spec in (
        ("Private_Dirty per connection", "B", "lower", "pd_per_conn_b"),
        ("Rss per connection", "B", "lower", "rss_per_conn_b"),
        ("Private_Dirty before", "KiB", "lower", "pd_before_kb"),
        ("Private_Dirty joined", "KiB", "lower", "pd_joined_kb"),
        ("Private_Dirty after all left", "KiB", "lower", "pd_after_kb"),
        ("Private_Dirty kept: after − before", "KiB", None,
         lambda r: r["pd_after_kb"] - r["pd_before_kb"]),
        ("Rss after all left", "KiB", "lower", "rss_after_kb"),
        ("Rss kept: after − before", "KiB", None,
         lambda r: r["rss_after_kb"] - r["rss_before_kb"]))]
    args = ["--mode", "idle", "--conns", conns, "--rooms", rooms]
    for run in range(ctx.runs):
        for side, name in SIDES:
            log("conns: %s run %d/%d" % (name, run + 1, ctx.runs))
            d = start_chatroom(ctx.tmp) if side == "s" else start_node(ctx.tmp, ctx.page)
            try:
                res, why = loadgen(d.port, d.pid, args, 240)
            finally:
                d.stop()
            record(sec, rows, side, run, res, why)
    return sec


def make_pair(ctx):
    """A throw-away self-signed pair for the wss scenarios (certtool), made
    once per bench run in its temporary directory: (cert, key)."""
    if getattr(ctx, "pair", None):
        return ctx.pair
    cert, key, tmpl = (os.path.join(ctx.tmp, n) for n in
                       ("bench.pem", "bench.key", "bench.tmpl"))
    with open(tmpl, "w") as f:
        f.write('cn = "localhost"\nip_address = "127.0.0.1"\n'
                'expiration_days = 2\ntls_www_server\nsigning_key\n')
    for argv in (["--generate-privkey", "--key-type", "ecdsa", "--outfile", key],
                 ["--generate-self-signed", "--load-privkey", key,
                  "--template", tmpl, "--outfile", cert]):
        subprocess.run(["certtool"] + argv, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ctx.pair = (cert, key)
    return ctx.pair


def plain_note(sec, label, vals, wss_vals):
    """One note line: the plaintext relay's figure of the same runs, and the
    wss figure as a share of it (medians)."""
    if not vals or not wss_vals:
        sec.notes.append("%s: no figure" % label)
        return
    m = statistics.median(vals)
    sec.notes.append("%s: %s (%s–%s) over ws://; wss is %.0f %% of it" % (
        label, fmt(m), fmt(min(vals)), fmt(max(vals)),
        100 * statistics.median(wss_vals) / m if m else 0))


def sc_wss_fanout(ctx):
    """fanout1x100 three ways, back to back in every run: the relay over ws,
    the relay over wss, Node ws over https (the baseline column)."""
    s = ctx.fanout_seconds
    pair = make_pair(ctx)
    sec = Section("wss-fanout: fanout1x100 over wss (1 room × 100, 10 senders, "
                  "64 B, %gs); baseline: Node ws over https" % s)
    rows = [(sec.row(label, unit, better), field)
            for label, unit, better, field in FANOUT_ROWS]
    plain = {"rate": [], "cpu": []}
    args = ["--mode", "fanout", "--rooms", 1, "--members", 100, "--senders", 10,
            "--size", 64]
    daemons = {}
    try:
        daemons["p"] = start_chatroom(ctx.tmp)
        daemons["s"] = start_chatroom(ctx.tmp, tls=pair)
        daemons["b"] = start_node(ctx.tmp, ctx.page, tls=pair)
        tls = {"p": [], "s": ["--tls"], "b": ["--tls"]}
        for side in ("p", "s", "b"):
            d = daemons[side]
            loadgen(d.port, d.pid, args + tls[side] + ["--seconds", 1], s + 90)
        for run in range(ctx.runs):
            for side in ("p", "s", "b"):
                d = daemons[side]
                log("wss-fanout: %s run %d/%d" % (side, run + 1, ctx.runs))
                res, why = loadgen(d.port, d.pid, args + tls[side] +
                                   ["--seconds", s], s + 90)
                if side != "p":
                    record(sec, rows, side, run, res, why, s)
                elif res is not None:
                    plain["rate"].append(res["deliveries_per_s"])
                    if per_cpu(res):
                        plain["cpu"].append(per_cpu(res))
    finally:
        for d in daemons.values():
            d.stop()
    plain_note(sec, "the relay, deliveries/s", plain["rate"], rows[0][0].vals["s"])
    plain_note(sec, "the relay, deliveries per relay CPU-second", plain["cpu"],
               rows[1][0].vals["s"])
    return sec


def sc_wss_conns(ctx):
    """5,000 idle wss connections in 500 rooms, each daemon fresh per run;
    the relay over ws in the same runs for the note."""
    conns, rooms = 5000, 500
    pair = make_pair(ctx)
    sec = Section("wss-conns: %d idle wss connections joined in %d rooms; "
                  "baseline: Node ws over https" % (conns, rooms))
    rows = [(sec.row(*spec[:3]), spec[3]) for spec in (
        ("Private_Dirty per connection", "B", "lower", "pd_per_conn_b"),
        ("Rss per connection", "B", "lower", "rss_per_conn_b"),
        ("set-ups per second (TCP, TLS, upgrade, join)", "", "higher",
         lambda r: r["conns"] / r["setup_s"] if r.get("setup_s") else None),
        ("set-ups per relay CPU-second", "", "higher",
         lambda r: r["conns"] / r["setup_relay_cpu_s"]
         if r.get("setup_relay_cpu_s", 0) > 0 else None))]
    plain, plain_setup = [], []
    args = ["--mode", "idle", "--conns", conns, "--rooms", rooms]
    for run in range(ctx.runs):
        for side in ("p", "s", "b"):
            log("wss-conns: %s run %d/%d" % (side, run + 1, ctx.runs))
            if side == "b":
                d = start_node(ctx.tmp, ctx.page, tls=pair)
            else:
                d = start_chatroom(ctx.tmp, tls=pair if side == "s" else None)
            try:
                res, why = loadgen(d.port, d.pid, args +
                                   (["--tls"] if side != "p" else []), 240)
            finally:
                d.stop()
            if side != "p":
                record(sec, rows, side, run, res, why)
            elif res is not None:
                plain.append(res["pd_per_conn_b"])
                if res.get("setup_relay_cpu_s", 0) > 0:
                    plain_setup.append(res["conns"] / res["setup_relay_cpu_s"])
    if plain:
        sec.notes.append("the relay over ws:// in the same runs: Private_Dirty "
                         "per connection %s B (%s–%s)" % (
                             fmt(statistics.median(plain)), fmt(min(plain)),
                             fmt(max(plain))))
    plain_note(sec, "the relay, set-ups per relay CPU-second", plain_setup,
               rows[3][0].vals["s"])
    return sec


def sc_tlsmem(ctx):
    """test/bench/tlsmem.c: the heap of N server sessions in one process,
    then the same with a corked 8 KiB burst from each."""
    cert, key = make_pair(ctx)
    sec = Section("tlsmem: one idle TLS server session's heap, GnuTLS in-process "
                  "(1000 sessions made as the relay makes them)")
    rows = [(sec.row(label, "B", "lower", baseline=False), field) for label, field in (
        ("after gnutls_init (the session)", "init_b"),
        ("kept after handshake and a record each way", "handshake_b"),
        ("total per idle session", "total_b"))]
    corked = [(sec.row("total after a corked 8 KiB burst (cork/uncork)", "B",
                       "lower", baseline=False), "total_b")]
    for run in range(ctx.runs):
        for extra, rs in (([], rows), (["cork"], corked)):
            cp = subprocess.run([TLSMEM, cert, key, "1000"] + extra,
                                capture_output=True, timeout=120)
            try:
                res, why = json.loads(cp.stdout.decode().strip().splitlines()[-1]), None
            except (IndexError, ValueError):
                res, why = None, "tlsmem exit %d" % cp.returncode
            record(sec, rs, "s", run, res, why)
            if res and run == 0 and not extra:
                sec.notes.append("cipher negotiated: %s" % res.get("cipher"))
    return sec


def sc_rest(ctx):
    sec = Section("rest: memory of each daemon freshly started, idle %gs "
                  "(baseline: the one Node process, WS and HTTP)" % ctx.rest_seconds)
    c_rss = sec.row("chatroom Rss", "KiB", None, baseline=False)
    c_pd = sec.row("chatroom Private_Dirty", "KiB", None, baseline=False)
    s_rss = sec.row("servchat Rss", "KiB", None, baseline=False)
    s_pd = sec.row("servchat Private_Dirty", "KiB", None, baseline=False)
    t_rss = sec.row("both together Rss", "KiB", "lower")
    t_pd = sec.row("both together Private_Dirty", "KiB", "lower")
    # What no code of ours goes below: the same measure of idle programs.
    floors = [(sec.row("floor (%s) Rss" % what, "KiB", None, baseline=False),
               sec.row("floor (%s) Private_Dirty" % what, "KiB", None,
                       baseline=False), exe)
              for what, exe in FLOORS if os.access(exe, os.X_OK)]
    for run in range(ctx.runs):
        log("rest: run %d/%d" % (run + 1, ctx.runs))
        ds = []
        try:
            chat = start_chatroom(ctx.tmp)
            ds.append(chat)
            serv = start_servchat(ctx.tmp, chat.port)
            ds.append(serv)
            node = start_node(ctx.tmp, ctx.page)
            ds.append(node)
            fl = []
            for _, _, exe in floors:
                fl.append(Daemon(os.path.basename(exe), [exe], r"ready", ctx.tmp))
                ds.append(fl[-1])
            time.sleep(ctx.rest_seconds)
            for (r_row, p_row, _), f in zip(floors, fl):
                r_row.vals["s"].append(proc_kb(f.pid, "smaps_rollup", "Rss"))
                p_row.vals["s"].append(proc_kb(f.pid, "smaps_rollup",
                                               "Private_Dirty"))
            cr, cp = (proc_kb(chat.pid, "smaps_rollup", f) for f in ("Rss", "Private_Dirty"))
            sr, sp = (proc_kb(serv.pid, "smaps_rollup", f) for f in ("Rss", "Private_Dirty"))
            nr, np_ = (proc_kb(node.pid, "smaps_rollup", f) for f in ("Rss", "Private_Dirty"))
        finally:
            for d in ds:
                d.stop()
        for row, v in ((c_rss, cr), (c_pd, cp), (s_rss, sr), (s_pd, sp),
                       (t_rss, cr + sr), (t_pd, cp + sp)):
            row.vals["s"].append(v)
        t_rss.vals["b"].append(nr)
        t_pd.vals["b"].append(np_)
    return sec


def wrk_once(port, seconds):
    """(requests/s, trouble text) or (None, why)."""
    argv = GEN_PIN + ["wrk", "-t1", "-c50", "-d%ds" % seconds,
                      "http://127.0.0.1:%d/" % port]
    try:
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        return None, "wrk timed out"
    out = cp.stdout.decode("utf-8", "replace")
    m = re.search(r"^Requests/sec:\s*([0-9.]+)", out, re.M)
    if cp.returncode != 0 or not m:
        return None, "wrk exit %d: %s" % (cp.returncode,
                                          (out + cp.stderr.decode()).strip()[-300:])
    bad = []
    for pat in (r"Socket errors:[^\n]*", r"Non-2xx or 3xx responses:[^\n]*"):
        e = re.search(pat, out)
        if e:
            bad.append(e.group(0).strip())
    return float(m.group(1)), "; ".join(bad)


def sc_http(ctx):
    secs = ctx.wrk_seconds
    sec = Section("http: GET / of the page (%d bytes), wrk -t1 -c50 -d%ds"
                  % (len(ctx.page_bytes), secs))
    if not shutil.which("wrk"):
        sec.notes.append("wrk is not installed (sh mk/deps.sh bench): skipped")
        return sec
    row = sec.row("requests/s", "", "higher")
    ds = {}
    try:
        ds["s"] = start_servchat(ctx.tmp, free_port())
        # The baseline serves exactly the bytes this servchat serves.
        body = fetch_page(ds["s"].port)
        if body != ctx.page_bytes:
            write_page(ctx, body)
        ds["b"] = start_node(ctx.tmp, ctx.page)
        if fetch_page(ds["b"].httpport) != body:
            raise RuntimeError("the baseline serves other bytes than servchat")
        ports = {"s": ds["s"].port, "b": ds["b"].httpport}
        for side, _ in SIDES:
            wrk_once(ports[side], 1)    # warm-up, not counted
        for run in range(ctx.runs):
            for side, name in SIDES:
                log("http: %s run %d/%d" % (name, run + 1, ctx.runs))
                v, t = wrk_once(ports[side], secs)
                if v is None:
                    row.fails[side] += 1
                    sec.notes.append("%s run %d failed: %s" % (name, run + 1, t))
                    continue
                row.vals[side].append(v)
                if t:
                    row.flags[side].append(run)
                    sec.notes.append("! %s run %d: %s" % (name, run + 1, t))
    finally:
        for d in ds.values():
            d.stop()
    return sec


def sc_overload(ctx):
    s = ctx.fanout_seconds
    sec = Section("overload: fanout100x10 with --window 100000 (senders "
                  "unconstrained) and one member per room reading only 64 KiB/s "
                  "(--slow 1); relay with --send-buffer 65536; sanctuary only, "
                  "one run, %gs" % s)
    # A fixed kernel buffer, so that a slow reader's backlog meets
    # --max-queue within the run rather than hiding in MiBs of kernel memory.
    d = start_chatroom(ctx.tmp, ["--send-buffer", "65536"])
    try:
        hwm0 = proc_kb(d.pid, "status", "VmHWM")
        res, why = loadgen(d.port, d.pid,
                           ["--mode", "fanout", "--rooms", 100, "--members", 10,
                            "--senders", 1, "--size", 64, "--window", 100000,
                            "--slow", 1, "--slow-rate", 65536,
                            "--seconds", s], s + 90)
        alive = d.alive()
        hwm = proc_kb(d.pid, "status", "VmHWM") if alive else None
    finally:
        d.stop()
    sec.notes.append("relay peak RSS (VmHWM): %s KiB at start, %s KiB after the run%s; "
                     "the queue caps allow 1000 x --max-queue = %d KiB"
                     % (hwm0, hwm if hwm is not None else "?",
                        "" if alive else " (the relay died)", 1000 * 256))
    if res is None:
        sec.notes.append("run failed: %s" % why)
    else:
        sec.notes.append("measured %ss: deliveries/s %s, sent %s, deliveries %s, "
                         "errors %s, closed %s, close codes %s (of them the slow "
                         "readers': %s)"
                         % (res.get("seconds"), fmt(res.get("deliveries_per_s")),
                            res.get("sent"),
                            res.get("deliveries"), res.get("errors"), res.get("closed"),
                            res.get("close_codes") or "none",
                            res.get("slow_close_codes") or "none"))
    return sec


# ---------------------------------------------------------------- set-up

def fetch_page(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=10) as r:
        return r.read()


def write_page(ctx, body):
    with open(ctx.page, "wb") as f:
        f.write(body)
    ctx.page_bytes = body


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() in ("model name", "Model", "Hardware", "cpu model"):
                    return v.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def versions():
    out = []
    try:
        git = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, timeout=10)
        if git.returncode == 0:
            out.append("sanctuary git %s" % git.stdout.decode().strip())
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, timeout=10)
        out.append("node %s" % node.stdout.decode().strip())
        with open(os.path.join(BASEDIR, "node_modules", "ws", "package.json")) as f:
            out.append("ws %s" % json.load(f)["version"])
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired):
        out.append("ws not installed (cd test/bench/baseline && npm ci)")
    return ", ".join(out)


class Ctx:
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, help="runs per figure (default 5; --quick: 1)")
    ap.add_argument("--only", help="comma-separated scenarios: " + ",".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true",
                    help="one run, shorter durations (a smoke run, not figures to quote)")
    opt = ap.parse_args()
    only = SCENARIOS
    if opt.only:
        only = [n.strip() for n in opt.only.split(",") if n.strip()]
        bad = [n for n in only if n not in SCENARIOS]
        if bad:
            ap.error("unknown scenario %s; known: %s" % (",".join(bad), ",".join(SCENARIOS)))
    ctx = Ctx()
    ctx.runs = opt.runs if opt.runs else (1 if opt.quick else 5)
    if ctx.runs < 1:
        ap.error("--runs must be at least 1")
    ctx.fanout_seconds = 1 if opt.quick else 3
    ctx.paced_seconds = 2 if opt.quick else 5
    ctx.wrk_seconds = 1 if opt.quick else 3
    ctx.rest_seconds = 2

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        sys.stdout.reconfigure(encoding="utf-8")
    except AttributeError:
        pass

    # Daemons and generator alike need a descriptor per connection.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) >= 2 and shutil.which("taskset"):
        SERVER_PIN[:] = ["taskset", "-c", str(cpus[0])]
        GEN_PIN[:] = ["taskset", "-c", str(cpus[1])]
        pinning = ("server under test on core %d, load generator on core %d (taskset)"
                   % (cpus[0], cpus[1]))
    else:
        pinning = "not pinned (%s)" % ("taskset missing" if len(cpus) >= 2
                                       else "fewer than 2 cores")

    for path in (CHATROOM, SERVCHAT):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing: make %s" % (path, os.path.relpath(path, ROOT)))
    if not os.path.isdir(os.path.join(BASEDIR, "node_modules", "ws")):
        sys.exit("bench: the baseline's ws is not installed: cd test/bench/baseline && npm ci")
    have_loadgen = os.access(LOADGEN, os.X_OK)

    u = os.uname()
    print("Sanctuary benchmark, %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    print("machine: %s, %d cores (%d usable), %s %s %s" %
          (cpu_model(), os.cpu_count(), len(cpus), u.sysname, u.release, u.machine))
    print("reproduce: make bench   (this run: %s)" %
          " ".join(["bench.py"] + sys.argv[1:]))
    print("versions: %s" % versions())
    print("pinning: %s; loopback 127.0.0.1, ephemeral ports; open files limit %d"
          % (pinning, nofile))
    print("daemon environment: the driver's, with GLIBC_TUNABLES unset%s (glibc's "
          "default malloc; make run and the systemd units set tcache_count=0:perturb=165)"
          % (" (it was %s)" % TUNABLES_DROPPED if TUNABLES_DROPPED else ""))
    print("chatroom options: -c PORT %s" % " ".join(CHATROOM_OPTS))
    print("baseline: test/bench/baseline/relay.mjs (Node, npm ws, one process for "
          "WebSocket and HTTP)")
    print("each figure: median of %d run%s (min–max); '!' = a run with errors, "
          "closed connections or skipped sends (notes below its section)"
          % (ctx.runs, "" if ctx.runs == 1 else "s"))
    print()
    print("%-*s %-*s %-*s %*s" % (W_LABEL, "scenario / figure", W_CELL, "sanctuary",
                                  W_CELL, "baseline", W_RATIO, "× better¹"))
    sys.stdout.flush()

    failed = False
    ctx.tmp = tempfile.mkdtemp(prefix="sanctuary-bench-")
    ctx.page = os.path.join(ctx.tmp, "page.html")
    try:
        serv = start_servchat(ctx.tmp, free_port())
        try:
            write_page(ctx, fetch_page(serv.port))
        finally:
            serv.stop()
        for name in only:
            if name in ("fanout1x100", "fanout100x10", "latency", "conns",
                        "overload", "wss-fanout", "wss-conns") and not have_loadgen:
                sec = Section(name)
                sec.notes.append("skipped: %s is missing (make %s)"
                                 % (LOADGEN, os.path.relpath(LOADGEN, ROOT)))
                print_section(sec, ctx.runs)
                failed = True
                continue
            try:
                sec = globals()["sc_" + name.replace("-", "_")](ctx)
            except (RuntimeError, OSError) as e:
                sec = Section(name)
                sec.notes.append("scenario failed: %s" % e)
                failed = True
            print_section(sec, ctx.runs)
    except Stop as e:
        print("\ninterrupted (%s)" % e)
        failed = True
    finally:
        for d in list(LIVE):
            d.stop()
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    print()
    print("¹ sanctuary/baseline for rates, baseline/sanctuary for memory and "
          "latency: bigger is better either way; '-' where no ratio applies")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
