/*
 * Harness of the browser suite: the real daemons on ephemeral loopback
 * ports, a TCP proxy in front of the relay that can cut one browser's
 * connection for real, the raw Python relay client, and a tiny runner that
 * prints "browser: N passed, N failed".
 */

import {spawn} from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';

import {ServerFrames, tapRelay} from './evil.js';

/* ---------- runner ---------- */

export class Runner {
	constructor(name) {
		this.name = name;
		this.passed = 0;
		this.failed = 0;
		this.failures = [];
		this.alive = () => null;
	}

	async test(title, fn, {timeout = 60000} = {}) {
		const t0 = Date.now();
		this.current = title;
		let timer;
		try {
			await Promise.race([
				fn(),
				new Promise((_, rej) => {
					timer = setTimeout(() => rej(new Error('timed out after ' + timeout + ' ms')), timeout);
				})
			]);
			const dead = this.alive();
			if (dead)
				throw new Error(dead);
			this.passed++;
			console.log('ok   ' + title + ' (' + (Date.now() - t0) + ' ms)');
		} catch (e) {
			this.failed++;
			this.failures.push(title);
			if (this.onFail)
				await this.onFail(this.failures.length).catch(() => {});
			const where = e && e.stack ? (e.stack.split('\n').find((l) => /run\.js:\d+/.test(l)) || '') : '';
			console.log('FAIL ' + title + ': ' + (e && e.message ? e.message : e).replace(/\n/g, '\n     ') +
			    (where ? '\n     ' + where.trim() : ''));
		} finally {
			clearTimeout(timer);
		}
	}

	summary() {
		if (this.failures.length)
			console.log('failed: ' + this.failures.join('; '));
		console.log(this.name + ': ' + this.passed + ' passed, ' + this.failed + ' failed');
		return this.failed === 0 && this.passed > 0;
	}
}

/* ---------- ports and daemons ---------- */

export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const port = s.address().port;
			s.close(() => resolve(port));
		});
	});
}

/*
 * Starts BIN with ARGS and resolves once it printed its first stdout line
 * (the banner). Rejects if it exits or prints nothing within 10 s.
 */
export function startDaemon(bin, args) {
	return new Promise((resolve, reject) => {
		const child = spawn(bin, args, {stdio: ['ignore', 'pipe', 'pipe']});
		let err = '';
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(bin + ': no banner within 10 s; stderr: ' + err));
		}, 10000);
		child.stderr.on('data', (d) => { err += d; });
		child.once('error', (e) => {
			clearTimeout(timer);
			reject(e);
		});
		child.once('exit', (code, sig) => {
			clearTimeout(timer);
			child.exited = {code, sig};
			reject(new Error(bin + ' exited (' + code + '/' + sig + '): ' + err + out));
		});
		let out = '';
		child.stdout.on('data', (d) => {
			out += d;
			if (out.includes('\n')) {
				clearTimeout(timer);
				child.banner = out.split('\n')[0];
				child.stderrText = () => err;
				resolve(child);
			}
		});
	});
}

/* Stops a daemon we started; resolves when it has exited. */
export async function stopDaemon(child, signal = 'SIGTERM') {
	if (!child || child.exited)
		return;
	const done = new Promise((r) => child.once('exit', r));
	child.kill(signal);
	const t = setTimeout(() => child.kill('SIGKILL'), 5000);
	await done;
	clearTimeout(t);
}

/* ---------- a relay proxy that can cut connections ---------- */

/*
 * Every WebSocket from the browsers goes through here. The browser contexts
 * carry "SanctuaryTest/NAME" in their User-Agent, which the upgrade request
 * shows, so a test can cut NAME's connection exactly as a network would:
 * the browser side only (the relay still believes the member is there: a
 * silent drop), or both sides (the relay sees the TCP close).
 */
export class CutProxy {
	constructor(target) {
		this.target = target;
		this.conns = new Set();
		this.blocked = new Set();
		this.accepted = 0;
		/* name -> hook(text) -> texts: a lying relay for that browser (evil.js) */
		this.tamper = new Map();
		/* names whose relay frames go to recorded, as a network observer sees them */
		this.recording = new Set();
		this.recorded = [];
		this.upBytes = {};	/* name -> bytes from the browser to the relay */
		this.server = net.createServer((c) => this.accept(c));
	}

	listen(port) {
		return new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
	}

	accept(client) {
		let head = Buffer.alloc(0);
		const rec = {name: null, client, upstream: null};
		client.on('error', () => {});
		const onData = (d) => {
			head = Buffer.concat([head, d]);
			const end = head.indexOf('\r\n\r\n');
			if (end < 0) {
				if (head.length > 16384)
					client.destroy();
				return;
			}
			client.off('data', onData);
			const m = /SanctuaryTest\/(\w+)/.exec(head.subarray(0, end).toString('latin1'));
			rec.name = m ? m[1] : null;
			if (rec.name && this.blocked.has(rec.name)) {
				client.destroy();
				return;
			}
			this.accepted++;
			const up = net.connect(this.target, '127.0.0.1');
			rec.upstream = up;
			up.on('error', () => client.destroy());
			client.on('error', () => up.destroy());
			up.write(head);
			client.on('data', (chunk) => {
				this.upBytes[rec.name] = (this.upBytes[rec.name] || 0) + chunk.length;
			});
			client.pipe(up);
			const hook = rec.name && this.tamper.get(rec.name);
			if (hook)
				tapRelay(up, client, hook);	/* not for freeze() */
			else
				up.pipe(client);
			const frames = new ServerFrames();
			up.on('data', (chunk) => {
				for (const f of frames.push(chunk))
					if (f.text && this.recording.has(rec.name))
						this.recorded.push({name: rec.name, text: f.text});
			});
			up.on('close', () => {
				client.destroy();
				this.conns.delete(rec);
			});
			client.on('close', () => {
				if (!rec.keepUpstream)
					up.destroy();
				this.conns.delete(rec);
			});
			this.conns.add(rec);
		};
		client.on('data', onData);
	}

	count(name) {
		let n = 0;
		for (const r of this.conns)
			if (r.name === name && !r.client.destroyed)
				n++;
		return n;
	}

	/*
	 * Cuts NAME's open connections. silent: reset the browser side only and
	 * keep the relay side open and mute (a connection that died on the way).
	 */
	cut(name, {silent = false} = {}) {
		let n = 0;
		for (const r of Array.from(this.conns)) {
			if (r.name !== name || r.client.destroyed)
				continue;
			n++;
			if (silent) {
				r.keepUpstream = true;
				r.client.unpipe(r.upstream);
				r.upstream.unpipe(r.client);
				r.upstream.on('data', () => {});
			}
			r.client.resetAndDestroy();
		}
		return n;
	}

	/*
	 * Freezes NAME's open connections: no byte moves either way, both TCP
	 * streams stay open (a phone asleep, a train tunnel). thaw() lets them
	 * flow again; cut() ends them. down: only the relay's bytes stop (what
	 * the browser sends still arrives, the answers do not).
	 */
	freeze(name, {down = false} = {}) {
		let n = 0;
		for (const r of this.conns) {
			if (r.name !== name || r.client.destroyed || !r.upstream)
				continue;
			n++;
			r.frozen = down ? 'down' : true;
			if (!down) {
				r.client.unpipe(r.upstream);
				r.client.pause();
			}
			r.upstream.unpipe(r.client);
			r.upstream.pause();
		}
		return n;
	}

	thaw(name) {
		for (const r of this.conns)
			if (r.name === name && r.frozen && !r.client.destroyed) {
				if (r.frozen !== 'down')
					r.client.pipe(r.upstream);
				r.frozen = false;
				r.upstream.pipe(r.client);
			}
	}

	/* Drops the relay sides kept open by silent cuts. */
	release() {
		for (const r of Array.from(this.conns))
			if (r.keepUpstream && r.upstream)
				r.upstream.destroy();
	}

	close() {
		for (const r of this.conns) {
			r.client.destroy();
			if (r.upstream)
				r.upstream.destroy();
		}
		return new Promise((resolve) => this.server.close(() => resolve()));
	}
}

/*
 * An HTTP proxy in front of servchat that drops the Content-Security-Policy
 * header: a page loaded through it has only the sanitizer to protect it.
 */
export function startCspStripper(port, target) {
	const server = http.createServer((req, res) => {
		const up = http.request({host: '127.0.0.1', port: target, method: req.method,
		    path: req.url, headers: req.headers}, (ur) => {
			const h = {...ur.headers};
			delete h['content-security-policy'];
			res.writeHead(ur.statusCode, h);
			ur.pipe(res);
		});
		up.on('error', () => res.destroy());
		req.pipe(up);
	});
	return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/* ---------- the raw relay client (Python) ---------- */

export class RawClient {
	constructor(script) {
		this.proc = spawn('/usr/bin/python3', [script], {stdio: ['pipe', 'pipe', 'pipe']});
		this.events = [];
		this.waiters = [];
		this.stderr = '';
		this.proc.stderr.on('data', (d) => { this.stderr += d; });
		readline.createInterface({input: this.proc.stdout}).on('line', (line) => {
			let ev;
			try {
				ev = JSON.parse(line);
			} catch (e) {
				return;
			}
			this.events.push(ev);
			for (const w of this.waiters.slice())
				if (w.pred(ev)) {
					this.waiters.splice(this.waiters.indexOf(w), 1);
					clearTimeout(w.timer);
					w.resolve(ev);
				}
		});
	}

	cmd(obj) {
		this.proc.stdin.write(JSON.stringify(obj) + '\n');
	}

	/* Resolves with the first event (past or future) matching PRED. */
	waitFor(pred, timeout = 10000, since = 0) {
		for (let i = since; i < this.events.length; i++)
			if (pred(this.events[i]))
				return Promise.resolve(this.events[i]);
		return new Promise((resolve, reject) => {
			const w = {pred, resolve};
			w.timer = setTimeout(() => {
				this.waiters.splice(this.waiters.indexOf(w), 1);
				reject(new Error('raw client: no matching event in ' + timeout +
				    ' ms; last: ' + JSON.stringify(this.events.slice(-3)) + this.stderr));
			}, timeout);
			this.waiters.push(w);
		});
	}

	async open(id, url) {
		const since = this.events.length;
		this.cmd({op: 'open', id, url});
		const ev = await this.waitFor((e) => e.id === id && (e.ev === 'open' || e.ev === 'error'), 10000, since);
		if (ev.ev !== 'open')
			throw new Error('raw open failed: ' + ev.what);
	}

	send(id, frame) {
		this.cmd({op: 'send', id, frame});
	}

	/* Sends FRAME and waits for the reply matching PRED on connection ID. */
	async request(id, frame, pred, timeout = 10000) {
		const since = this.events.length;
		this.send(id, frame);
		return this.waitFor((e) => e.id === id && e.ev === 'recv' && pred(e.frame), timeout, since);
	}

	frames(id) {
		return this.events.filter((e) => e.ev === 'recv' && (id === undefined || e.id === id)).map((e) => e.frame);
	}

	async quit() {
		if (this.proc.exitCode !== null)
			return;
		const done = new Promise((r) => this.proc.once('exit', r));
		this.cmd({op: 'quit'});
		const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
		await done;
		clearTimeout(t);
	}
}

export {sleep};
