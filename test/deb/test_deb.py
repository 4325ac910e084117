#!/usr/bin/python3
"""The Debian package, built and used as an admin would.

1. dpkg-buildpackage -us -uc -b on a clean copy of the tree (the files git
   tracks or would add) builds sanctuary_VERSION_ARCH.deb; lintian reports no
   error and no warning.
2. dpkg -c lists exactly test/deb/contents; the option files are conffiles;
   no maintainer script creates a user; an upgrade neither stops nor
   restarts chatroom.
3. dpkg --root installs it into a throw-away root (maintainer scripts run
   outside a chroot, with DPKG_ROOT): both units are enabled there;
   systemd-analyze verify is clean and security rates each <= 2.0.
4. The installed binaries, started as their units' ExecStart says with the
   installed option files (ports moved to free loopback ones), serve a page
   and hold a short conversation.
5. dpkg --purge leaves no file in the root but dpkg's own database, and no
   directory but the empty ones deb-systemd-helper made for systemd.

Argument: the directory to build in (build/deb). Run as root (dpkg --root).
"""
import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
import testlib  # noqa: E402
import websockets  # noqa: E402

EXPOSURE_MAX = 2.0
DAEMONS = ("chatroom", "servchat")
results = []
# deb-systemd-helper leaves these, empty, in a root that had none; on a real
# system they belong to systemd.
SYSTEMD_DIRS = {"etc", "etc/systemd", "etc/systemd/system", "var/lib/systemd"}


def check(name, ok, detail=""):
	results.append(bool(ok))
	print("%s %s%s" % ("ok  " if ok else "FAIL", name,
	    "" if ok else ": " + str(detail)[-600:]))
	return ok


def run(argv, **kw):
	return subprocess.run(argv, capture_output=True, text=True, **kw)


def version():
	line = open(os.path.join(ROOT, "debian", "changelog")).readline()
	return re.match(r"sanctuary \(([^)]+)\)", line).group(1)


def arch():
	return run(["dpkg", "--print-architecture"]).stdout.strip()


def copy_tree(dst):
	"""The files a clean checkout of this tree would hold."""
	ls = run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard",
	    "-z"], check=True).stdout.split("\0")
	for f in filter(None, ls):
		if not os.path.lexists(os.path.join(ROOT, f)):
			continue	# deleted, not yet committed
		os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
		shutil.copy2(os.path.join(ROOT, f), os.path.join(dst, f),
		    follow_symlinks=False)


def build(out):
	shutil.rmtree(out, ignore_errors=True)
	src = os.path.join(out, "src")
	copy_tree(src)
	env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck",
	    DEB_BUILD_PROFILES="nocheck")
	p = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env)
	shutil.rmtree(src, ignore_errors=True)	# its build/ would join make's *.d
	deb = os.path.join(out, "sanctuary_%s_%s.deb" % (version(), arch()))
	check("dpkg-buildpackage -us -uc -b builds %s" % os.path.basename(deb),
	    p.returncode == 0 and os.path.exists(deb), p.stdout + p.stderr)
	return deb if os.path.exists(deb) else None


def check_lintian(deb):
	changes = deb[:-len(".deb")] + ".changes"
	p = run(["lintian", "--fail-on", "error,warning", changes])
	tags = [l for l in p.stdout.splitlines() if re.match(r"[EW]: ", l)]
	check("lintian: no error, no warning", p.returncode == 0 and not tags,
	    "\n".join(tags) or p.stderr)


def contents(deb):
	"""dpkg -c as 'MODE PATH' lines (PATH without the leading '.')."""
	out = run(["dpkg-deb", "-c", deb], check=True).stdout
	rows = []
	for line in out.splitlines():
		f = line.split()
		rows.append("%s %s" % (f[0], f[5][1:]))
	return rows


def check_contents(deb):
	want = [l.strip() for l in open(os.path.join(HERE, "contents"))
	    if l.strip() and not l.startswith("#")]
	got = contents(deb)
	missing = sorted(set(want) - set(got))
	extra = sorted(set(got) - set(want))
	check("dpkg -c lists exactly test/deb/contents", not missing and
	    not extra, "missing %s, extra %s" % (missing, extra))


def control_file(deb, name):
	p = subprocess.run("dpkg-deb --ctrl-tarfile %s | tar -xO ./%s" %
	    (shlex.quote(deb), name), shell=True, capture_output=True,
	    text=True)
	return p.stdout


def check_scripts(deb):
	conf = control_file(deb, "conffiles").split()
	check("the option files are conffiles", sorted(conf) ==
	    ["/etc/sanctuary/chatroom.env", "/etc/sanctuary/servchat.env"],
	    conf)
	scripts = "".join(control_file(deb, s) for s in
	    ("preinst", "postinst", "prerm", "postrm"))
	check("no maintainer script creates a user", not re.search(
	    r"adduser|useradd|systemd-sysusers", scripts))
	# chatroom: prerm stops it on remove only; postinst only starts it.
	blocks = re.findall(r"# Automatically added by dh_installsystemd.*?"
	    r"# End automatically added section", scripts, re.S)
	chat = [b for b in blocks if "'chatroom.service'" in b]
	check("an upgrade does not restart chatroom", chat and not any(
	    "restart" in b for b in chat), chat)
	stops = [b for b in chat if "stop 'chatroom.service'" in b]
	check("chatroom is stopped on remove only", stops and all(
	    '"$1" = remove' in b for b in stops), stops)


def dpkg(root, *args):
	return run(["dpkg", "--root=" + root, "--log=/dev/null",
	    "--force-script-chrootless", "--force-depends"] + list(args))


def make_root():
	"""An empty dpkg database, and a policy that lets no service start."""
	root = tempfile.mkdtemp(prefix="sanctuary-deb-root-")
	for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates",
	    "var/lib/dpkg/triggers", "usr/sbin"):
		os.makedirs(os.path.join(root, d))
	open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
	policy = os.path.join(root, "usr/sbin/policy-rc.d")
	with open(policy, "w") as f:
		f.write("#!/bin/sh\nexit 101\n")
	os.chmod(policy, 0o755)
	return root


def snapshot(root):
	"""Every path under root, dpkg's database and our policy aside."""
	keep = ("var/lib/dpkg", "usr/sbin/policy-rc.d")
	paths = set()
	for d, dirs, files in os.walk(root):
		for n in dirs + files:
			rel = os.path.relpath(os.path.join(d, n), root)
			if not any(rel == k or rel.startswith(k + "/") or
			    k.startswith(rel + "/") for k in keep):
				paths.add(rel)
	return paths


def unit_settings(path):
	s = {}
	for line in open(path):
		line = line.strip()
		if line and not line.startswith(("#", "[")) and "=" in line:
			k, v = line.split("=", 1)
			s.setdefault(k, []).append(v)
	return s


def check_unit(root, daemon):
	path = os.path.join(root, "lib/systemd/system", daemon + ".service")
	wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants",
	    daemon + ".service")
	check("%s.service enabled in the root" % daemon, os.path.islink(wants))
	s = unit_settings(path)
	check("%s.service: DynamicUser=yes" % daemon,
	    s.get("DynamicUser") == ["yes"], s.get("DynamicUser"))
	with tempfile.TemporaryDirectory() as d:
		copy = os.path.join(d, daemon + ".service")
		with open(copy, "w") as f:
			f.write(open(path).read().replace("ExecStart=/",
			    "ExecStart=" + root + "/"))
		p = run(["systemd-analyze", "verify", "--man=no", copy])
		check("%s.service: systemd-analyze verify clean" % daemon,
		    p.returncode == 0 and not (p.stdout + p.stderr).strip(),
		    p.stdout + p.stderr)
	p = run(["systemd-analyze", "security", "--offline=true", path])
	m = re.search(r"Overall exposure level for %s\.service: (\d+\.\d)" %
	    daemon, p.stdout)
	check("%s.service: security exposure <= %.1f" % (daemon, EXPOSURE_MAX),
	    m and float(m.group(1)) <= EXPOSURE_MAX,
	    (m and m.group(1)) or p.stdout[-300:] + p.stderr)
	return s


def unit_argv(root, daemon, s, extra):
	"""The unit's ExecStart with $NAME_OPTS from the installed .env."""
	opts = ""
	env_file = s["EnvironmentFile"][0].lstrip("-")
	for line in open(root + env_file):
		if line.startswith(daemon.upper() + "_OPTS="):
			opts = line.split("=", 1)[1].strip()
	argv = []
	for word in s["ExecStart"][0].split():
		if word == "$%s_OPTS" % daemon.upper():
			argv += opts.split()
		else:
			argv.append(word)
	argv[0] = root + argv[0]
	env = dict(os.environ)
	for e in s.get("Environment", []):
		k, v = e.split("=", 1)
		env[k] = v
	return argv + extra, env, opts


async def conversation(port):
	url = "ws://127.0.0.1:%d/" % port
	key = testlib.room_key()
	recv = lambda ws: asyncio.wait_for(ws.recv(), 10)
	a = await websockets.connect(url)
	b = await websockets.connect(url)
	await a.send("create 1 %s alice owner" % key)
	ok = (await recv(a)).startswith("welcome ")
	await b.send("join 1 %s bob" % key)
	ok = ok and (await recv(b)).startswith("welcome ")
	await recv(a)			# bob joined
	await a.send("msg hello-from-the-package")
	ok = ok and "hello-from-the-package" in await recv(b)
	await b.send("exit bye")
	ok = ok and "bye" in await recv(a)
	await a.close()
	await b.close()
	return ok


def start(argv, env):
	p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE)
	return p, p.stdout.readline().decode()


def check_daemons(root, units):
	cport, sport = testlib.free_port("v4"), testlib.free_port("v4")
	cargv, cenv, copts = unit_argv(root, "chatroom", units["chatroom"],
	    ["--bind", "127.0.0.1", "-c", str(cport)])
	sargv, senv, sopts = unit_argv(root, "servchat", units["servchat"],
	    ["--bind", "127.0.0.1", "-s", str(sport), "-c", str(cport)])
	check("installed option files hold options", copts and sopts,
	    (copts, sopts))
	chat, cbanner = start(cargv, cenv)
	serv, sbanner = start(sargv, senv)
	try:
		check("installed chatroom starts on loopback",
		    ":%d" % cport in cbanner, cbanner)
		check("installed servchat starts on loopback",
		    ":%d" % sport in sbanner, sbanner)
		base = "http://127.0.0.1:%d" % sport
		page = urllib.request.urlopen(base + "/", timeout=10).read()
		check("servchat serves the page", b"<html" in page.lower())
		cfg = json.loads(urllib.request.urlopen(base + "/api/config",
		    timeout=10).read())
		check("the page points at the relay's port",
		    cfg.get("chatport") == cport, cfg)
		check("a short conversation through the installed relay",
		    asyncio.run(conversation(cport)))
	finally:
		for p, name in ((chat, "chatroom"), (serv, "servchat")):
			p.send_signal(signal.SIGTERM)
			try:
				out, err = p.communicate(timeout=10)
			except subprocess.TimeoutExpired:
				p.kill()
				out, err = p.communicate()
			check("installed %s exits 0, prints nothing more" % name,
			    p.returncode == 0 and not out and not err,
			    (p.returncode, out, err))


def check_install(deb):
	root = make_root()
	try:
		before = snapshot(root)
		p = dpkg(root, "-i", deb)
		check("dpkg --root -i installs it", p.returncode == 0,
		    p.stdout + p.stderr)
		q = run(["dpkg-query", "--root=" + root, "-W",
		    "-f=${Status}", "sanctuary"])
		check("dpkg says: install ok installed",
		    q.stdout == "install ok installed", q.stdout + q.stderr)
		check("no user or group file appears in the root", not any(
		    os.path.exists(os.path.join(root, "etc", f)) for f in
		    ("passwd", "group", "shadow")))
		units = {d: check_unit(root, d) for d in DAEMONS}
		check_daemons(root, units)
		p = dpkg(root, "--purge", "sanctuary")
		check("dpkg --root --purge removes it", p.returncode == 0,
		    p.stdout + p.stderr)
		left = snapshot(root) - before
		files = sorted(f for f in left
		    if not os.path.isdir(os.path.join(root, f)) or
		    os.path.islink(os.path.join(root, f)))
		check("no file is left after purge", not files, files)
		dirs = sorted(left - set(files) - SYSTEMD_DIRS)
		check("no directory is left after purge but systemd's own",
		    not dirs, dirs)
	finally:
		shutil.rmtree(root, ignore_errors=True)


def main():
	if os.geteuid() != 0:
		print("deb: needs root for dpkg --root")
		print("deb: 0 passed, 1 failed")
		return 1
	out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
	    os.path.join(ROOT, "build", "deb"))
	deb = build(out)
	if deb:
		check_lintian(deb)
		check_contents(deb)
		check_scripts(deb)
		check_install(deb)
	passed = sum(results)
	failed = len(results) - passed
	print("deb: %d passed, %d failed" % (passed, failed))
	return 0 if failed == 0 else 1


if __name__ == "__main__":
	sys.exit(main())
