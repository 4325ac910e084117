/*
 * Sanctuary interoperability suite.
 *
 * 1. The C test client (build/test/sanctuary-client: wslay + libsodium +
 *    nettle) and the real browser client in Chromium share a room, served by
 *    the real build/servchat and build/chatroom: invites both ways,
 *    messages and whispers both ways, each side shows the other's plaintext
 *    exactly.
 *    Version 2 (the C client with --version 2): the vector of sanctuary(7)
 *    opened in C; a room the browser creates and moderates, with two C
 *    clients, a second browser and the Node peer (member2.mjs), through a
 *    whisper, a forgery, a replay, a kick and rotate-on-leave; a room the C
 *    client creates and moderates, through a rotate, a kick of a browser
 *    and rotate-on-leave.
 * 2. A mixed version 1 room, over IPv4 and over IPv6 (::1): Python
 *    websockets, websocket-client and wsproto (peer.py), Node ws
 *    (peer_ws.mjs), the C client and Chromium run one scripted
 *    conversation. Every member records every frame it receives, decrypted;
 *    a model of the room rules of sanctuary(7) says what each must have
 *    received, in order, and the records must equal it exactly.
 *
 * Every peer speaks the same line protocol (see sanctuary.py). Each step
 * waits, bounded, until every member has what the model expects, so the
 * order of events on each connection is fully determined.
 *
 * Usage: node run.js. Environment: SANCTUARY_BUILD (default build/ of the
 * tree), CHROMIUM (default /usr/bin/chromium), DEBUG=1 (peer traffic).
 * Ends with "interop: N passed, N failed"; exits 1 on any failure.
 */

import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {parseInvite, lineFor, escape} from './format.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BUILD = path.resolve(ROOT, process.env.SANCTUARY_BUILD || 'build');
const CLIENT = path.join(BUILD, 'test/sanctuary-client');
const PYTHON = '/usr/bin/python3';
const SUITE_LIMIT_MS = 300000;
const STEP_MS = 15000;
const PACE_MS = 80;
const PEER_DEADLINE_S = 150;
const DEBUG = !!process.env.DEBUG;
/* No __pycache__ in the tree. */
const PEER_ENV = {...process.env, PYTHONDONTWRITEBYTECODE: '1'};

/* ---------- runner ---------- */

const results = {passed: 0, failed: 0, failures: []};
let aliveCheck = () => null;

async function test(title, fn, timeout = 60000) {
	const t0 = Date.now();
	let timer;
	try {
		await Promise.race([fn(), new Promise((_, rej) => {
			timer = setTimeout(() => rej(new Error('timed out after ' + timeout + ' ms')), timeout);
		})]);
		const dead = aliveCheck();
		if (dead)
			throw new Error(dead);
		results.passed++;
		console.log('ok   ' + title + ' (' + (Date.now() - t0) + ' ms)');
		return true;
	} catch (e) {
		results.failed++;
		results.failures.push(title);
		const msg = e && e.message ? e.message : String(e);
		const where = e && e.stack ? (e.stack.split('\n').find((l) => /run\.js:\d+/.test(l)) || '') : '';
		console.log('FAIL ' + title + ': ' + msg.replace(/\n/g, '\n     ') +
		    (where ? '\n     ' + where.trim() : ''));
		return false;
	} finally {
		clearTimeout(timer);
	}
}

/* Polls COND (bounded); resolves when true, rejects with WHAT() on timeout. */
async function until(cond, what, timeout = STEP_MS) {
	const end = Date.now() + timeout;
	for (;;) {
		if (await cond())
			return;
		if (Date.now() > end)
			throw new Error(typeof what === 'function' ? what() : what);
		await new Promise((r) => setTimeout(r, 20));
	}
}

/* ---------- daemons ---------- */

function freePort(host) {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, host, () => {
			const port = s.address().port;
			s.close(() => resolve(port));
		});
	});
}

class Daemon {
	/* Starts BIN and resolves once it printed WANT banner lines. */
	static start(bin, args, want) {
		return new Promise((resolve, reject) => {
			const d = new Daemon();
			d.name = path.basename(bin);
			d.out = '';
			d.err = '';
			d.proc = spawn(bin, args, {stdio: ['ignore', 'pipe', 'pipe']});
			const timer = setTimeout(() => {
				d.proc.kill('SIGKILL');
				reject(new Error(d.name + ': no banner in 10 s; stderr: ' + d.err));
			}, 10000);
			d.proc.stderr.on('data', (b) => { d.err += b; });
			d.proc.stdout.on('data', (b) => {
				d.out += b;
				if (d.out.split('\n').length > want) {
					clearTimeout(timer);
					resolve(d);
				}
			});
			d.proc.once('exit', (code, sig) => {
				d.exited = {code, sig};
				clearTimeout(timer);
				reject(new Error(d.name + ' exited ' + code + '/' + sig + ': ' + d.err));
			});
		});
	}

	dead() {
		return this.exited ? this.name + ' died: ' + JSON.stringify(this.exited) + ' ' + this.err : null;
	}

	/* SIGTERM; resolves with the exit status (SIGKILL after 5 s). */
	async stop() {
		if (this.exited)
			return this.exited;
		const done = new Promise((r) => this.proc.once('exit', (code, sig) => r({code, sig})));
		this.proc.kill('SIGTERM');
		const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
		const st = await done;
		clearTimeout(t);
		return st;
	}
}

/*
 * The two daemons on loopback, one family: chatroom with EXTRA options,
 * servchat pointing the page at it. Banners say where they listen.
 */
async function startPair(fam, extra = []) {
	const host = fam === 'v6' ? '::1' : '127.0.0.1';
	const flag = fam === 'v6' ? '-6' : '-4';
	const cport = await freePort(host);
	const sport = await freePort(host);
	const chatroom = await Daemon.start(path.join(BUILD, 'chatroom'),
	    ['-c', String(cport), flag, '--bind', host].concat(extra), 1);
	const servchat = await Daemon.start(path.join(BUILD, 'servchat'),
	    ['-s', String(sport), '-c', String(cport), flag, '--bind', host], 1);
	const hostUrl = fam === 'v6' ? '[::1]' : '127.0.0.1';
	assert.equal(chatroom.out.trim(), 'chatroom: 1.0.0 relay listening on ws://' + hostUrl + ':' + cport + '/');
	assert.match(servchat.out.trim(), new RegExp('^servchat [0-9.]+: http://' +
	    hostUrl.replace(/[[\]]/g, '\\$&') + ':' + sport + '/$'));
	const pageHost = fam === 'v6' ? 'sanctuary6.test' : 'sanctuary.test';
	return {fam, chatroom, servchat, relay: 'ws://' + hostUrl + ':' + cport + '/',
	    page: 'http://' + pageHost + ':' + sport + '/'};
}

/* Stops a pair; both must exit 0 having printed nothing after the banner. */
async function stopPair(p) {
	const problems = [];
	for (const d of [p.chatroom, p.servchat]) {
		const banner = d.out;
		const st = await d.stop();
		if (st.code !== 0)
			problems.push(d.name + ' exited ' + JSON.stringify(st));
		if (d.out !== banner || d.err !== '')
			problems.push(d.name + ' printed after its banner: ' + JSON.stringify((d.out.slice(banner.length) + d.err).slice(0, 300)));
	}
	return problems;
}

/* ---------- peers: the C client, peer.py, peer_ws.mjs ---------- */

/* Escapes TEXT for a command line: "\" and line feeds (see sanctuary.py). */
const inputText = (t) => t.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

class ProcPeer {
	/* KIND: c | websockets | websocket-client | wsproto | ws */
	constructor(kind, alias, {url, invite, create, version}) {
		this.kind = kind;
		this.alias = alias;
		this.lines = [];
		this.expected = [];
		this.stderr = '';
		let cmd, args;
		const common = ['--url', url, '--alias', alias, '--deadline', String(PEER_DEADLINE_S)];
		if (invite)
			common.push('--invite', invite);
		if (create)
			common.push('--create', create);
		if (version)
			common.push('--version', String(version));
		if (kind === 'c')
			[cmd, args] = [CLIENT, common];
		else if (kind === 'ws')
			[cmd, args] = [process.execPath, [path.join(HERE, 'peer_ws.mjs')].concat(common)];
		else
			[cmd, args] = [PYTHON, [path.join(HERE, 'peer.py'), '--lib', kind].concat(common)];
		this.proc = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe'], env: PEER_ENV});
		this.exit = new Promise((r) => this.proc.once('exit', (code, sig) => {
			this.exited = {code, sig};
			r(this.exited);
		}));
		this.proc.stdin.on('error', () => {});
		this.proc.stderr.on('data', (b) => { this.stderr += b; });
		readline.createInterface({input: this.proc.stdout}).on('line', (l) => {
			if (DEBUG)
				console.log('    [' + alias + '] < ' + l.slice(0, 160));
			this.lines.push(l);
		});
	}

	input(line) {
		if (DEBUG)
			console.log('    [' + this.alias + '] > ' + line.slice(0, 160));
		this.proc.stdin.write(line + '\n');
	}

	say(text) { this.input(inputText(text)); }
	purr(to, text) { this.input('/purr ' + to + ' ' + inputText(text)); }
	kick(who) { this.input('/kick ' + who); }
	stop() { this.input('/stop'); }
	exitRoom(farewell) { this.input(farewell ? '/exit ' + inputText(farewell) : '/exit'); }

	/* Resolves with the first line from AT on that LINE (string or RegExp) matches. */
	async waitLine(line, what, at = 0) {
		const hit = (l) => (typeof line === 'string' ? l === line : line.test(l));
		let found;
		await until(() => (found = this.lines.slice(at).find(hit)) !== undefined, () =>
		    (what || this.alias + ' never printed ' + line) + '; it printed:\n  ' +
		    this.lines.slice(-12).map((l) => l.slice(0, 140)).join('\n  ') +
		    (this.stderr ? '\n  stderr: ' + this.stderr.slice(0, 300) : ''));
		return found;
	}

	/* The room's invite link as the client holds it now (version 2: after rekeys). */
	async invite(page) {
		const at = this.lines.length;
		this.input('/invite');
		const l = await this.waitLine(/^invite /, this.alias + ' printed no invite', at);
		return page + '#' + l.slice(7);
	}

	/* Resolves with the process's exit; kills it after TIMEOUT. */
	async finish(timeout = 10000) {
		this.proc.stdin.end();
		const t = setTimeout(() => this.proc.kill('SIGKILL'), timeout);
		const st = await this.exit;
		clearTimeout(t);
		return st;
	}

	kill() {
		if (!this.exited)
			this.proc.kill('SIGKILL');
	}
}

/* ---------- Chromium: the real client, driven through its UI ---------- */

let browser;

class BrowserPeer {
	constructor(alias) {
		this.kind = 'chromium';
		this.alias = alias;
		this.frames = [];
		this.sockets = 0;
		this.closed = false;
		this.key = null;
		this.expected = [];
		this.shown = [];	/* messages from others the page must show */
		this.errors = [];
	}

	async open() {
		this.ctx = await browser.newContext();
		this.page = await this.ctx.newPage();
		this.page.on('pageerror', (e) => this.errors.push(e.message));
		this.page.on('dialog', (d) => {
			this.errors.push('dialog: ' + d.message());
			d.dismiss().catch(() => {});
		});
		/* Every frame the page's WebSocket receives: its record. */
		this.page.on('websocket', (ws) => {
			this.sockets++;
			ws.on('framereceived', (f) => {
				if (DEBUG)
					console.log('    [' + this.alias + '] < ' + String(f.payload).slice(0, 160));
				this.frames.push(typeof f.payload === 'string' ? f.payload : '<binary>');
			});
			ws.on('close', () => { this.frames.push('\u0000close'); });
		});
	}

	/*
	 * The record as lines, decrypted here with the invite's key. The
	 * page's version 2 join of a version 1 room gets roomversion before it
	 * joins with version 1: not part of the conversation.
	 */
	get lines() {
		return this.frames.filter((f) => f !== 'error roomversion').map((f) => f === '\u0000close' ? 'close' :
		    f === '<binary>' ? 'frame <binary>' : this.key ? lineFor(this.key, f) : escape(f));
	}

	async create(page, mode) {
		await this.page.goto(page);
		await this.page.fill('#create-alias', this.alias);
		await this.page.check('input[name="mode"][value="' + mode + '"]');
		await this.page.click('#create-button');
		await this.page.waitForSelector('#invite-dialog[open]', {timeout: STEP_MS});
		const link = await this.page.inputValue('#invite-link');
		await this.page.click('#invite-dialog .dialog-close');
		this.key = parseInvite(link).key;
		return link;
	}

	async join(link) {
		this.key = parseInvite(link).key;
		await this.page.goto(link);
		await this.page.waitForSelector('#join-form:not([hidden])', {timeout: STEP_MS});
		await this.page.fill('#join-alias', this.alias);
		await this.page.click('#join-button');
		await this.page.waitForSelector('#room:not([hidden])', {timeout: STEP_MS});
	}

	async type(text) {
		await this.page.fill('#message', text);
		await this.page.press('#message', 'Enter');
		/* The composer empties once the page has taken the message. */
		await this.page.waitForFunction(() => document.getElementById('message').value === '',
		    null, {timeout: STEP_MS});
	}

	say(text) { return this.type(text); }
	purr(to, text) { return this.type('/purr ' + to + ' ' + text); }
	kick(who) { return this.type('/kick ' + who); }
	stop() { return this.type('/stop'); }

	async exitRoom(farewell) {
		await this.page.click('#leave-button');
		await this.page.waitForSelector('#leave-dialog[open]');
		await this.page.fill('#farewell', farewell || '');
		await this.page.click('#leave-confirm');
		await this.page.waitForSelector('#lobby:not([hidden])', {timeout: STEP_MS});
	}

	/* What the page shows: messages from others, and warning notices. */
	async view() {
		return this.page.evaluate(() => ({
			msgs: Array.from(document.querySelectorAll('#log .msg:not(.mine)')).map((m) => ({
				from: m.querySelector('.who').textContent,
				text: m.querySelector('.bubble').textContent,
				whisper: m.classList.contains('whisper')
			})),
			unverified: Array.from(document.querySelectorAll('#log .notice'))
			    .filter((n) => /could not be verified/.test(n.textContent)).map((n) => n.textContent),
			members: Array.from(document.querySelectorAll('#member-list .member .name')).map((n) => n.textContent),
			lobby: !document.getElementById('lobby').hidden,
			note: document.getElementById('lobby-note').textContent
		}));
	}

	/* Waits until the page shows messages from others that begin with WANT, exactly. */
	async shows(want) {
		let view;
		await until(async () => {
			view = await this.view();
			return view.msgs.length >= want.length &&
			    JSON.stringify(view.msgs.slice(0, want.length)) === JSON.stringify(want);
		}, () => this.alias + ' shows ' + JSON.stringify(view && view.msgs).slice(0, 900) +
		    '\n  want ' + JSON.stringify(want).slice(0, 900));
		return view;
	}

	/*
	 * Version 2: waits until the page has received the roster whisper from
	 * FROM (what it sends meanwhile waits for it; what it receives before
	 * cannot be opened).
	 */
	async gotKeys(from) {
		await until(() => this.frames.some((f) => f.startsWith('purr ' + from + ' ')),
		    this.alias + ' got no roster from ' + from);
	}

	async logText() {
		return this.page.evaluate(() => document.getElementById('log').textContent);
	}

	/* The link in the invite sheet, as the page holds it now. */
	async inviteLink() {
		await this.page.click('#invite-button');
		await this.page.waitForSelector('#invite-dialog[open]');
		const link = await this.page.inputValue('#invite-link');
		await this.page.click('#invite-dialog .dialog-close');
		return link;
	}

	/* The safety code the member sheet shows for ALIAS. */
	async safetyCode(alias) {
		await this.page.click('#member-list .member:has-text("' + alias + '")');
		await this.page.waitForSelector('#member-dialog[open]');
		const code = await this.page.textContent('#member-code');
		await this.page.click('#member-dialog .dialog-close');
		return code;
	}

	async finish() {
		if (this.ctx)
			await this.ctx.close().catch(() => {});
		return {code: 0, sig: null};
	}

	kill() {}
}

/* ---------- the room model (sanctuary(7), Order of events) ---------- */

const TOKEN_RE = /^welcome [A-Za-z0-9_-]{21}[AQgw] /;

function normal(peer, line) {
	line = line.replace(TOKEN_RE, 'welcome TOKEN ');
	/* Playwright shows a WebSocket close without its code. */
	if (peer.kind === 'chromium' && line.startsWith('close'))
		return 'close';
	return line;
}

class Room {
	constructor(mode) {
		this.mode = mode;
		this.members = [];	/* peers, in the order they entered */
		this.moderator = null;
	}

	others(p) {
		return this.members.filter((m) => m !== p);
	}

	welcome(p) {
		const mod = this.mode === 'everyone' ? '*' : this.moderator.alias;
		p.expected.push('welcome TOKEN ' + this.mode + ' ' + mod + ' ' +
		    this.members.map((m) => m.alias).join(' '));
	}

	create(p) {
		this.members = [p];
		this.moderator = p;
		this.welcome(p);
	}

	join(p) {
		for (const m of this.members)
			m.expected.push('joined ' + p.alias);
		this.members.push(p);
		this.welcome(p);
	}

	msg(from, text) {
		for (const m of this.others(from)) {
			m.expected.push('msg ' + escape(from.alias) + ' ' + escape(text));
			if (m.shown)
				m.shown.push({from: from.alias, text, whisper: false});
		}
	}

	purr(from, to, text) {
		to.expected.push('purr ' + escape(from.alias) + ' ' + escape(text));
		if (to.shown)
			to.shown.push({from: from.alias, text, whisper: true});
	}

	forged(from) {
		for (const m of this.others(from))
			m.expected.push('unverified msg ' + escape(from.alias));
	}

	kick(by, victim) {
		for (const m of this.members)
			m.expected.push('kicked ' + victim.alias + ' ' + by.alias);
		victim.expected.push('close 4001 kicked');
		this.leave(victim);
	}

	exit(p, farewell) {
		for (const m of this.others(p))
			m.expected.push('left ' + p.alias + (farewell ? ' ' + escape(farewell) : ''));
		p.expected.push('close 1000 bye');
		this.leave(p);
	}

	/* Owner mode: the member present longest takes over from a leaving moderator. */
	leave(p) {
		this.members = this.others(p);
		if (this.mode === 'owner' && this.moderator === p && this.members.length) {
			this.moderator = this.members[0];
			for (const m of this.members)
				m.expected.push('moderator ' + this.moderator.alias);
		}
	}

	stop(by) {
		for (const m of this.members)
			m.expected.push('stopped ' + by.alias, 'close 4002 stopped');
		this.members = [];
	}
}

/* Where two records first differ, for a failure message. */
function diff(peer, got, want) {
	let i = 0;
	while (i < got.length && i < want.length && got[i] === want[i])
		i++;
	const cut = (s) => (s === undefined ? '(nothing)' : s.length > 200 ? s.slice(0, 200) + '…' : s);
	return peer.alias + ' (' + peer.kind + '): line ' + (i + 1) + ': got ' + cut(got[i]) +
	    '\n  want ' + cut(want[i]) + '\n  got ' + got.length + ' lines, want ' + want.length +
	    (peer.stderr ? '\n  stderr: ' + peer.stderr.slice(0, 300) : '');
}

function record(peer) {
	return peer.lines.map((l) => normal(peer, l));
}

function wanted(peer) {
	return peer.expected.map((l) => normal(peer, l));
}

/*
 * Waits until every peer received at least what the model expects, then
 * requires each record to equal the expectation exactly so far.
 */
async function settle(peers, timeout = STEP_MS) {
	await until(() => peers.every((p) => p.lines.length >= p.expected.length), () =>
	    'waiting for frames:\n' + peers.filter((p) => p.lines.length < p.expected.length)
	        .map((p) => diff(p, record(p), wanted(p))).join('\n'), timeout);
	for (const p of peers)
		assert.deepEqual(record(p), wanted(p), diff(p, record(p), wanted(p)));
}

/* ---------- part 1: the C client and Chromium ---------- */

/* Unmasks the client frames in BUF (complete, unfragmented, short). */
function clientFrames(buf) {
	const out = [];
	let i = 0;
	while (i + 6 <= buf.length) {
		const op = buf[i] & 15, masked = buf[i + 1] & 128;
		let len = buf[i + 1] & 127, h = 2;
		if (len === 126) {
			len = buf.readUInt16BE(i + 2);
			h = 4;
		}
		if (!masked || len === 127 || i + h + 4 + len > buf.length)
			break;
		const mask = buf.subarray(i + h, i + h + 4);
		const p = Buffer.from(buf.subarray(i + h + 4, i + h + 4 + len)).map((b, j) => b ^ mask[j % 4]);
		if (op === 1)
			out.push(p.toString('utf8'));
		i += h + 4 + len;
	}
	return out;
}

/*
 * Runs the C client against a one-shot fake relay on 127.0.0.1 that
 * answers the upgrade as MODE says. good: a correct 101 with two frames in
 * the same segment (so the client must feed wslay the bytes that came with
 * the response), error noroom and a close 1000 "bye".
 */
async function fakeRelay(mode, invite) {
	let request = '', rest = Buffer.alloc(0);
	const server = net.createServer((sock) => {
		let head = Buffer.alloc(0), done = false;
		sock.on('error', () => {});
		sock.on('data', (d) => {
			if (done) {
				rest = Buffer.concat([rest, d]);
				return;
			}
			head = Buffer.concat([head, d]);
			const end = head.indexOf('\r\n\r\n');
			if (end < 0)
				return;
			done = true;
			request = head.subarray(0, end).toString('latin1');
			rest = head.subarray(end + 4);
			const key = /sec-websocket-key: *(\S+)/i.exec(request)[1];
			const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
			const ok = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';
			if (mode === 'refused') {
				sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
			} else if (mode === 'badaccept') {
				sock.end(ok + 'Sec-WebSocket-Accept: ' + accept.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) + '\r\n\r\n');
			} else if (mode === 'extension') {
				sock.end(ok + 'Sec-WebSocket-Accept: ' + accept + '\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n');
			} else {
				const text = Buffer.from('error noroom');
				sock.write(Buffer.concat([Buffer.from(ok + 'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n'),
				    Buffer.from([0x81, text.length]), text, Buffer.from([0x88, 5, 0x03, 0xe8]), Buffer.from('bye')]));
				setTimeout(() => sock.end(), 200);
			}
		});
	});
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const port = server.address().port;
	const p = spawn(CLIENT, ['--url', 'ws://127.0.0.1:' + port + '/some/path', '--invite', invite,
	    '--alias', 'fakeuser', '--deadline', '10'], {stdio: ['pipe', 'pipe', 'pipe']});
	let out = '', err = '';
	p.stdout.on('data', (b) => { out += b; });
	p.stderr.on('data', (b) => { err += b; });
	const code = await new Promise((r) => p.on('exit', (c) => r(c)));
	p.stdin.destroy();
	await new Promise((r) => server.close(r));
	return {code, out, err, request, port, frames: clientFrames(rest)};
}

async function partOne(pair) {
	await test('C client: decrypts the sanctuary(7) test vector and refuses a wrong sender or kind', async () => {
		const inv = 'http://192.0.2.1:6969/#AAECAwQFBgcICQoLDA0ODw.ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8';
		const body = 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXsNod3IwXydyoTvgZJerp2k-R' +
		    '8XHVEraNTacOpAzwJigydr44PHJbhRymO6Q5fa2Ns1vGu9Yjawu3xqqL' +
		    'icDE6BghtsL22HDmD0J1EFGIzvskvx_Q1G_blJ4amaa8VQjbtBsdWME4' +
		    'JDgHufJ2TWlyd0BZme5sm_moBhPtke86K1A4veidzvj7J3q07_uQJuIp' +
		    '2lwY4SM-DxV-Mu0mL5Nz3J0L96_yOXwzT4h_Oh8zneRsrgOSSdXZuWZy' +
		    '9zIEmBiT35wSiBP5SZi3ny6xMrJKRwlZLc5W8yENYvrYWI1-YRV9OAX_' +
		    'kneofT6zqSsrTQHZqShN4Az-Df-BeioZtM_81kBkjVf6Ume3FLDjeYRX' +
		    'IYg';
		const tampered = body.slice(0, 100) + (body[100] === 'A' ? 'B' : 'A') + body.slice(101);
		const run = (args) => new Promise((resolve) => {
			const p = spawn(CLIENT, ['--invite', inv, '--open'].concat(args));
			let out = '';
			p.stdout.on('data', (b) => { out += b; });
			p.on('exit', () => resolve(out));
		});
		assert.equal(await run(['msg', 'alice', body]), 'msg alice Hello, Bob!\n');
		assert.equal(await run(['msg', 'bob', body]), 'unverified msg bob\n');
		assert.equal(await run(['purr', 'alice', body]), 'unverified purr alice\n');
		assert.equal(await run(['msg', 'alice', tampered]), 'unverified msg alice\n');
		/* The same vector through the Node and Python implementations. */
		const key = parseInvite(inv).key;
		assert.equal(Buffer.from(key).toString('hex'),
		    '41373f078948b3a4d5bc8eb2e1358cb396c1c91e6b0356dfb6ab5c22eb34ef3c');
		assert.equal(lineFor(key, 'msg alice ' + body), 'msg alice Hello, Bob!');
		const py = await new Promise((resolve) => {
			const p = spawn(PYTHON, ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import sanctuary as s; ' +
			    'm = s.Member(sys.argv[2], "x"); print(m.line_for("msg alice " + sys.argv[3])); ' +
			    'print(m.line_for("msg alice " + sys.argv[4]))', HERE, inv, body, tampered], {env: PEER_ENV});
			let out = '';
			p.stdout.on('data', (b) => { out += b; });
			p.stderr.on('data', (b) => { out += b; });
			p.on('exit', () => resolve(out));
		});
		assert.equal(py, 'msg alice Hello, Bob!\nunverified msg alice\n');
	});

	await test('C client: opens the sanctuary(7) version 2 vector as bob; a replay is dropped, a wrong sender or a tampered whisper refused', async () => {
		/* The BODYs as the man page prints them, lines joined. */
		const man = fs.readFileSync(path.join(ROOT, 'man/sanctuary.7'), 'utf8');
		const block = man.slice(man.indexOf('.Ss Version 2 test vector'));
		const vec = {};
		let cur = null;
		for (const l of block.slice(block.indexOf('.Bd -literal'), block.indexOf('.Ed')).split('\n')) {
			const m = /^(hello|msg|purr) +(\S+)$/.exec(l);
			if (m)
				[cur, vec[m[1]]] = [m[1], m[2]];
			else if (cur && /^ +[A-Za-z0-9_-]+$/.test(l))
				vec[cur] += l.trim();
			else
				cur = null;
		}
		const tampered = vec.purr.slice(0, 100) + (vec.purr[100] === 'A' ? 'B' : 'A') + vec.purr.slice(101);
		const input = ['msg alice ' + vec.hello, 'msg alice ' + vec.msg, 'purr alice ' + vec.purr,
			'msg alice ' + vec.msg, 'msg bob ' + vec.msg, 'purr alice ' + tampered].join('\n') + '\n';
		const out = await new Promise((resolve) => {
			const p = spawn(CLIENT, ['--invite', 'AAECAwQFBgcICQoLDA0ODw.ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8',
			    '--vector2']);
			let o = '';
			p.stdout.on('data', (b) => { o += b; });
			p.stderr.on('data', (b) => { o += b; });
			p.on('exit', () => resolve(o));
			p.stdin.end(input);
		});
		assert.equal(out, ['hello alice 3264 9074 3805 6865 9617', 'msg alice Hello, Bob!', 'purr alice psst',
			'dropped msg alice', 'unverified msg bob', 'unverified purr alice'].join('\n') + '\n');
	});

	await test('C client: a real client handshake; a wrong accept, an extension or a refusal fails it', async () => {
		const inv = 'AAECAwQFBgcICQoLDA0ODw.ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8';
		const cases = {
			good: {code: 0, out: 'error noroom\nclose 1000 bye\n'},
			badaccept: {code: 1, out: '', err: /wrong Sec-WebSocket-Accept/},
			extension: {code: 1, out: '', err: /unrequested extension/},
			refused: {code: 1, out: 'http 403\n'}
		};
		for (const [mode, want] of Object.entries(cases)) {
			const got = await fakeRelay(mode, inv);
			assert.equal(got.code, want.code, mode + ': exit ' + got.code + ' ' + got.err);
			assert.equal(got.out, want.out, mode);
			if (want.err)
				assert.match(got.err, want.err, mode);
			else
				assert.equal(got.err, '', mode);
			/* What the client asked for, whatever the answer. */
			const h = got.request.split('\r\n');
			assert.equal(h[0], 'GET /some/path HTTP/1.1');
			const hdr = (n) => h.filter((l) => l.toLowerCase().startsWith(n.toLowerCase() + ':')).map((l) => l.slice(n.length + 1).trim());
			assert.deepEqual(hdr('Host'), ['127.0.0.1:' + got.port]);
			assert.deepEqual(hdr('Upgrade'), ['websocket']);
			assert.deepEqual(hdr('Connection'), ['Upgrade']);
			assert.deepEqual(hdr('Sec-WebSocket-Version'), ['13']);
			assert.equal(Buffer.from(hdr('Sec-WebSocket-Key')[0], 'base64').length, 16);
			assert.deepEqual(hdr('Origin').concat(hdr('Sec-WebSocket-Extensions'), hdr('Sec-WebSocket-Protocol')), []);
			if (mode === 'good')
				assert.deepEqual(got.frames, ['join 1 AAECAwQFBgcICQoLDA0ODw fakeuser']);
		}
	});

	await test('C client ⇄ Chromium: the browser creates a version 2 room; the C client (version 1) is refused with roomversion', async () => {
		const alice = new BrowserPeer('alice');
		await alice.open();
		let bob;
		try {
			const link = await alice.create(pair.page, 'owner');
			assert.match(link, new RegExp('^' + pair.page.replace(/[.]/g, '\\.') + '#[A-Za-z0-9_-]{21}[AQgw]\\.[A-Za-z0-9_-]{43}$'));
			/* One room, one format version (sanctuary(7)): mixing is refused. */
			bob = new ProcPeer('c', 'bob', {url: pair.relay, invite: link});
			await until(() => bob.lines.length >= 1, () => 'C client: no answer; ' + bob.lines.join('|') + bob.stderr);
			assert.equal(bob.lines[0], 'error roomversion');
			await bob.finish();
			assert.deepEqual(await alice.view().then((v) => v.members), ['alice']);
			assert.deepEqual(alice.errors, []);
		} finally {
			if (bob)
				bob.kill();
			await alice.finish();
		}
	});

	await test('C client ⇄ Chromium: the C client creates, the browser joins with its link, the C client stops the room', async () => {
		const cee = new ProcPeer('c', 'cee', {url: pair.relay, create: 'everyone'});
		const carol = new BrowserPeer('carol');
		await carol.open();
		try {
			await until(() => cee.lines.length >= 2, () => 'C client: ' + cee.lines.join('|') + cee.stderr);
			const m = /^invite ([A-Za-z0-9_-]{21}[AQgw]\.[A-Za-z0-9_-]{43})$/.exec(cee.lines[0]);
			assert.ok(m, 'C client minted no invite: ' + cee.lines[0]);
			assert.match(cee.lines[1], /^welcome [A-Za-z0-9_-]{21}[AQgw] everyone \* cee$/);
			await carol.join(pair.page + '#' + m[1]);
			await until(() => cee.lines.length >= 3, 'C client never saw carol join');
			assert.equal(cee.lines[2], 'joined carol');
			assert.deepEqual((await carol.view()).members, ['cee', 'carol']);
			cee.say('welcome, carol — ¿qué tal? 🙂');
			cee.purr('carol', 'a secret for carol');
			await until(async () => (await carol.view()).msgs.length >= 2, 'the browser did not show both');
			assert.deepEqual((await carol.view()).msgs, [
				{from: 'cee', text: 'welcome, carol — ¿qué tal? 🙂', whisper: false},
				{from: 'cee', text: 'a secret for carol', whisper: true}]);
			await carol.say('fine, thanks — «ça va» 👍');
			await carol.purr('cee', 'and a secret for cee');
			await until(() => cee.lines.length >= 5, 'C client did not receive both');
			cee.stop();
			await carol.page.waitForSelector('#lobby:not([hidden])', {timeout: STEP_MS});
			assert.match((await carol.view()).note, /closed by cee/);
			assert.deepEqual(await cee.finish(), {code: 0, sig: null});
			assert.deepEqual(cee.lines.slice(2), ['joined carol', 'msg carol fine, thanks — «ça va» 👍',
			    'purr carol and a secret for cee', 'stopped cee', 'close 4002 stopped']);
			assert.equal(cee.stderr, '');
			await until(() => carol.lines.length >= 5, () => 'browser record: ' + carol.lines.join(' | '));
			assert.deepEqual(carol.lines.map((l) => normal(carol, l)), ['welcome TOKEN everyone * cee carol',
			    'msg cee welcome, carol — ¿qué tal? 🙂', 'purr cee a secret for carol', 'stopped cee', 'close']);
			assert.deepEqual(carol.errors, []);
		} finally {
			cee.kill();
			await carol.finish();
		}
	});
}

/* ---------- part 1b: version 2, the C client and Chromium ---------- */

const CODE_RE = /^\d{4} \d{4} \d{4} \d{4} \d{4}$/;
const shown = (from, text, whisper = false) => ({from, text, whisper});

/*
 * The browser creates a version 2 room and moderates it; two C clients
 * (--version 2) and a second browser take part, through a kick and the
 * rekey it makes. Each step builds on the one before.
 */
async function partV2Browser(pair) {
	const st = {};
	let ok = true;
	const step = async (title, fn, timeout) => {
		ok = ok && await test('version 2, the browser moderates: ' + title, fn, timeout);
		return ok;
	};
	const cpeer = (alias, link) => new ProcPeer('c', alias, {url: pair.relay, invite: link, version: 2});
	try {
		await step('two C clients and a second browser join; the C clients get the roster from the browser', async () => {
			st.alice = new BrowserPeer('alice');
			st.bob = new BrowserPeer('bob');
			await st.alice.open();
			await st.bob.open();
			st.link = await st.alice.create(pair.page, 'owner');
			st.cee = cpeer('cee', st.link);
			await st.cee.waitLine(/^welcome \S+ owner alice alice cee$/);
			/* The member present longest (alice) seals epoch 0 to cee's box key. */
			await st.cee.waitLine('keys alice 0');
			await st.bob.join(st.link);
			const hb = await st.cee.waitLine(/^hello bob /);
			await st.bob.gotKeys('alice');
			st.dee = cpeer('dee', st.link);
			await st.dee.waitLine('keys alice 0');
			await st.cee.waitLine(/^hello dee \d{4}/);
			/* The Node peer (member2.mjs, tweetnacl) speaks version 2 too. */
			st.node = new ProcPeer('ws', 'nöde', {url: pair.relay, invite: st.link, version: 2});
			await st.node.waitLine('keys alice 0');
			await st.cee.waitLine(/^hello nöde \d{4}/);
			await until(async () => (await st.alice.view()).members.length === 5, 'alice does not list five members');
			assert.deepEqual((await st.alice.view()).members, ['alice', 'cee', 'bob', 'dee', 'nöde']);
			/* Two implementations, one safety code for bob's keys. */
			const code = hb.slice('hello bob '.length);
			assert.match(code, CODE_RE);
			assert.equal(await st.alice.safetyCode('bob'), code);
			assert.equal(st.cee.stderr + st.dee.stderr + st.node.stderr, '');
		});
		if (!ok)
			return;

		await step('messages both ways: each of the five reads exactly what the four others sent', async () => {
			const t = {
				alice: 'alice here — grüße, 猫, 🐈 «quotes»',
				cee: 'cee, in C: Ελληνικά, русский, עברית',
				bob: 'bob in the second browser 👍',
				dee: 'dee, the other C client: back\\slash, 5 < 6 & 7 > 3',
				node: 'nöde, in Node: 🐈‍⬛ and “quotes”'
			};
			await st.alice.say(t.alice);
			await st.cee.waitLine('msg alice ' + escape(t.alice));
			st.cee.say(t.cee);
			await st.alice.shows([shown('cee', t.cee)]);
			await st.bob.say(t.bob);
			await st.cee.waitLine('msg bob ' + escape(t.bob));
			st.dee.say(t.dee);
			await st.cee.waitLine('msg dee ' + escape(t.dee));
			st.node.say(t.node);
			await st.cee.waitLine('msg nöde ' + escape(t.node));
			/* A line feed and a long text, C to C and C to the browser. */
			const long = 'two\nlines and ' + 'x'.repeat(3000);
			st.cee.say(long);
			await st.dee.waitLine('msg cee ' + escape(long));
			await st.node.waitLine('msg cee ' + escape(long));
			await st.alice.shows([shown('cee', t.cee), shown('bob', t.bob), shown('dee', t.dee), shown('nöde', t.node),
			    shown('cee', long)]);
			await st.bob.shows([shown('alice', t.alice), shown('cee', t.cee), shown('dee', t.dee), shown('nöde', t.node),
			    shown('cee', long)]);
			const msgs = (p) => p.lines.filter((l) => /^(msg|purr|unverified|dropped|split) /.test(l));
			assert.deepEqual(msgs(st.cee), ['msg alice ' + escape(t.alice), 'msg bob ' + escape(t.bob),
			    'msg dee ' + escape(t.dee), 'msg nöde ' + escape(t.node)]);
			assert.deepEqual(msgs(st.node), ['msg alice ' + escape(t.alice), 'msg cee ' + escape(t.cee),
			    'msg bob ' + escape(t.bob), 'msg dee ' + escape(t.dee), 'msg cee ' + escape(long)]);
			assert.ok(!st.dee.lines.includes('msg dee ' + escape(t.dee)), 'dee got its own message');
			assert.deepEqual(msgs(st.dee), ['msg alice ' + escape(t.alice), 'msg cee ' + escape(t.cee),
			    'msg bob ' + escape(t.bob), 'msg nöde ' + escape(t.node), 'msg cee ' + escape(long)]);
		});
		if (!ok)
			return;

		await step('whispers between the C client and the browser, both ways; only the one addressed reads them', async () => {
			const bobAt = st.bob.frames.length;
			const w1 = 'cee → alice: 🤫 only for you', w2 = 'alice → cee: and this only for cee', w3 = 'cee → dee, C to C';
			st.cee.purr('alice', w1);
			await until(async () => (await st.alice.view()).msgs.some((m) => m.whisper && m.text === w1),
			    'alice does not show the whisper from cee');
			await st.alice.purr('cee', w2);
			await st.cee.waitLine('purr alice ' + escape(w2));
			st.cee.purr('dee', w3);
			await st.dee.waitLine('purr cee ' + escape(w3));
			st.node.purr('cee', 'nöde → cee, Node to C');
			await st.cee.waitLine('purr nöde nöde → cee, Node to C');
			st.cee.purr('nöde', 'cee → nöde, C to Node');
			await st.node.waitLine('purr cee cee → nöde, C to Node');
			assert.ok(!st.node.lines.some((l) => / only for /.test(l)), 'nöde printed a whisper to another');
			const v = await st.alice.view();
			assert.deepEqual(v.msgs.filter((m) => m.whisper), [shown('cee', w1, true)]);
			assert.ok(!(await st.bob.logText()).includes('only for you'), 'bob shows a whisper to alice');
			assert.ok(!st.dee.lines.some((l) => l.includes('only for cee')), 'dee printed a whisper to cee');
			assert.ok(!st.bob.frames.slice(bobAt).some((f) => f.startsWith('purr ')), 'a whisper frame reached bob');
		});
		if (!ok)
			return;

		await step('a message signed with a key nobody announced is refused, a replayed one dropped', async () => {
			const at = st.dee.lines.length, nat = st.node.lines.length;
			st.cee.input('/forge I am cee, honestly');
			await st.dee.waitLine('unverified msg cee', 'dee took the forged message', at);
			await until(async () => (await st.alice.view()).unverified.length === 1,
			    'alice does not say the forged message could not be verified');
			assert.ok(!(await st.alice.logText()).includes('honestly'));
			/* The same frame twice (same SEQ): shown once, the copy dropped. */
			st.cee.say('said once, sent twice');
			st.cee.input('/again');
			st.cee.say('after the replay');
			await st.dee.waitLine('msg cee after the replay', null, at);
			await st.node.waitLine('msg cee after the replay', null, nat);
			const want = ['unverified msg cee', 'msg cee said once, sent twice', 'dropped msg cee', 'msg cee after the replay'];
			assert.deepEqual(st.dee.lines.slice(at).filter((l) => / cee( |$)/.test(l)), want);
			assert.deepEqual(st.node.lines.slice(nat).filter((l) => / cee( |$)/.test(l)), want);
			await until(async () => (await st.alice.view()).msgs.some((m) => m.text === 'after the replay'),
			    'alice does not show the message after the replay');
			const texts = (await st.alice.view()).msgs.map((m) => m.text);
			assert.equal(texts.filter((x) => x === 'said once, sent twice').length, 1);
			assert.equal((await st.alice.view()).unverified.length, 1);
		});
		if (!ok)
			return;

		await step('the browser kicks a C client: the other C client follows the rekey to epoch 1 and talks on; the old link gets noroom', async () => {
			const at = st.cee.lines.length;
			await st.alice.kick('dee');
			await st.dee.waitLine('close 4001 kicked');
			assert.deepEqual(st.dee.lines.slice(-2), ['kicked dee alice', 'close 4001 kicked']);
			await st.cee.waitLine('rekey alice 1', 'cee did not follow the rekey', at);
			const nat = st.node.lines.length;
			await st.node.waitLine('rekey alice 1', 'nöde did not follow the rekey');
			assert.deepEqual(st.cee.lines.slice(at).filter((l) => !/^ack /.test(l)), ['kicked dee alice', 'rekey alice 1']);
			/* The C client now holds the link the browser's invite sheet shows. */
			const fresh = await st.cee.invite(pair.page);
			assert.notEqual(fresh, st.link);
			assert.equal(await st.alice.inviteLink(), fresh);
			/* Epoch 1 both ways: a browser takes only its epoch (or the one before). */
			st.cee.say('cee in epoch 1');
			await until(async () => (await st.bob.view()).msgs.some((m) => m.text === 'cee in epoch 1'),
			    'bob does not show cee\'s message after the kick');
			await until(async () => (await st.alice.view()).msgs.some((m) => m.text === 'cee in epoch 1'),
			    'alice does not show cee\'s message after the kick');
			await st.alice.say('alice in epoch 1');
			await st.bob.say('bob in epoch 1');
			await st.cee.waitLine('msg alice alice in epoch 1', null, at);
			await st.cee.waitLine('msg bob bob in epoch 1', null, at);
			/* The kicked one cannot come back with the link it had. */
			const back = cpeer('dee', st.link);
			try {
				await back.waitLine('error noroom');
				assert.deepEqual(await back.finish(), {code: 0, sig: null});
			} finally {
				back.kill();
			}
			/*
			 * The new link admits a newcomer, who gets epoch 1; what it
			 * says before the keys are in waits for them.
			 */
			const eve = cpeer('eve', fresh);
			st.eve = eve;
			eve.say('eve came in with the new link');
			await eve.waitLine('keys alice 1');
			await st.cee.waitLine('msg eve eve came in with the new link', null, at);
			await st.node.waitLine('msg eve eve came in with the new link', null, nat);
			for (const l of ['msg cee cee in epoch 1', 'msg alice alice in epoch 1', 'msg bob bob in epoch 1'])
				await st.node.waitLine(l, null, nat);
			await until(async () => (await st.alice.view()).msgs.some((m) => m.text === 'eve came in with the new link'),
			    'alice does not show eve\'s message');
			assert.deepEqual(await st.alice.view().then((v) => v.unverified.length), 1);
			assert.deepEqual(st.alice.errors.concat(st.bob.errors), []);
			assert.equal(st.cee.stderr + st.dee.stderr + eve.stderr, '');
		}, 90000);
		if (!ok)
			return;

		await step('the browser turns rotate-on-leave on; the C client follows, and follows the rotation when a C client leaves', async () => {
			const at = st.cee.lines.length;
			await st.alice.page.click('#menu-button');
			await st.alice.page.waitForSelector('#menu-dialog[open]');
			await st.alice.page.check('#pref-rotate');
			await st.alice.page.click('#menu-done');
			await st.cee.waitLine('rekey alice 2', 'cee did not follow the flags rekey', at);
			await st.node.waitLine('rekey alice 2', 'nöde did not follow the flags rekey');
			st.eve.exitRoom('eve leaves');
			await st.eve.waitLine('close 1000 bye');
			await st.cee.waitLine('rekey alice 3', 'cee did not follow the rotation after eve left', at);
			await st.node.waitLine('rekey alice 3', 'nöde did not follow the rotation after eve left');
			assert.deepEqual(st.cee.lines.slice(at).filter((l) => !/^ack /.test(l)),
			    ['rekey alice 2', 'left eve eve leaves', 'rekey alice 3']);
			const fresh = await st.cee.invite(pair.page);
			assert.equal(await st.alice.inviteLink(), fresh);
			st.cee.say('cee in epoch 3');
			await until(async () => (await st.bob.view()).msgs.some((m) => m.text === 'cee in epoch 3'),
			    'bob does not show cee in epoch 3');
		});
		if (!ok)
			return;

		await step('the C clients and the Node peer leave: the farewells verify; exit status 0, nothing on standard error', async () => {
			st.cee.exitRoom('bye from cee, in epoch 3');
			await st.cee.waitLine('close 1000 bye');
			await until(async () => (await st.alice.logText()).includes('cee left: “bye from cee, in epoch 3”'),
			    'alice does not show cee\'s farewell');
			await st.node.waitLine('left cee bye from cee, in epoch 3');
			st.node.exitRoom('nöde leaves too');
			await st.node.waitLine('close 1000 bye');
			for (const k of ['cee', 'dee', 'eve', 'node']) {
				assert.deepEqual(await st[k].finish(), {code: 0, sig: null}, k + ' exit; stderr: ' + st[k].stderr);
				assert.equal(st[k].stderr, '', k + ' wrote to standard error');
			}
		});
	} finally {
		for (const k of ['cee', 'dee', 'eve', 'node'])
			if (st[k])
				await st[k].finish(5000).catch(() => {});
		for (const k of ['alice', 'bob'])
			if (st[k])
				await st[k].finish();
	}
}

/*
 * A C client creates a version 2 room and moderates it: two browsers join
 * with its link, it rotates the link (rekey), then kicks one browser.
 */
async function partV2Moderator(pair) {
	const st = {};
	let ok = true;
	const step = async (title, fn, timeout) => {
		ok = ok && await test('version 2, the C client moderates: ' + title, fn, timeout);
		return ok;
	};
	try {
		await step('the C client creates; two browsers join with its link and get the roster from it', async () => {
			st.cee = new ProcPeer('c', 'cee', {url: pair.relay, create: 'owner', version: 2});
			const inv = await st.cee.waitLine(/^invite /);
			st.link = pair.page + '#' + inv.slice(7);
			await st.cee.waitLine(/^welcome \S+ owner cee cee$/);
			st.carol = new BrowserPeer('carol');
			st.frank = new BrowserPeer('frank');
			await st.carol.open();
			await st.frank.open();
			await st.carol.join(st.link);
			await st.cee.waitLine(/^hello carol \d{4}/);
			await st.carol.gotKeys('cee');
			await st.frank.join(st.link);
			await st.cee.waitLine(/^hello frank \d{4}/);
			await st.frank.gotKeys('cee');
			await st.carol.say('carol got the keys from C');
			await st.cee.waitLine('msg carol carol got the keys from C');
			st.cee.say('welcome, both of you 🙂');
			await st.carol.shows([shown('cee', 'welcome, both of you 🙂')]);
			await st.frank.shows([shown('carol', 'carol got the keys from C'), shown('cee', 'welcome, both of you 🙂')]);
		});
		if (!ok)
			return;

		await step('the C client rotates the link: the browsers follow to epoch 1 and show its new link', async () => {
			const at = st.cee.lines.length;
			st.cee.input('/rekey');
			await st.cee.waitLine('rekeyed 1', null, at);
			const fresh = await st.cee.invite(pair.page);
			assert.notEqual(fresh, st.link);
			for (const b of [st.carol, st.frank])
				await until(async () => (await b.logText()).includes('cee changed the room’s invite link'),
				    b.alias + ' does not say the link changed');
			assert.equal(await st.carol.inviteLink(), fresh);
			assert.equal(await st.frank.inviteLink(), fresh);
			st.frank.oldLink = fresh;
			await st.frank.say('frank in epoch 1');
			await st.cee.waitLine('msg frank frank in epoch 1', null, at);
			st.cee.say('cee in epoch 1');
			await st.carol.shows([shown('cee', 'welcome, both of you 🙂'), shown('frank', 'frank in epoch 1'),
			    shown('cee', 'cee in epoch 1')]);
			st.link = fresh;
		});
		if (!ok)
			return;

		await step('the C client kicks a browser: the other follows to epoch 2; the kicked page cannot get back in', async () => {
			const at = st.cee.lines.length;
			st.cee.kick('frank');
			await st.cee.waitLine('rekeyed 2', null, at);
			assert.deepEqual(st.cee.lines.slice(at).filter((l) => !/^ack /.test(l)), ['kicked frank cee', 'rekeyed 2']);
			await until(async () => (await st.frank.view()).lobby, 'frank is still in the room');
			await until(async () => (await st.carol.logText()).includes('frank was removed by cee.'),
			    'carol does not show the kick');
			const fresh = await st.cee.invite(pair.page);
			await until(async () => (await st.carol.inviteLink()) === fresh, 'carol does not hold the new link');
			/* frank opens the link it had: the room is gone for it. */
			await st.frank.page.goto(st.frank.oldLink);
			await st.frank.page.waitForSelector('#join-form:not([hidden])', {timeout: STEP_MS});
			await st.frank.page.fill('#join-alias', 'frank');
			await st.frank.page.click('#join-button');
			await st.frank.page.waitForFunction(() => /does not exist any more/.test(
			    document.getElementById('join-error').textContent), null, {timeout: STEP_MS});
			await st.carol.say('carol in epoch 2');
			await st.cee.waitLine('msg carol carol in epoch 2', null, at);
			st.cee.say('cee in epoch 2');
			await until(async () => (await st.carol.view()).msgs.some((m) => m.text === 'cee in epoch 2'),
			    'carol does not show cee in epoch 2');
		}, 90000);
		if (!ok)
			return;

		await step('the C client turns rotate-on-leave on; when a member leaves it rotates on its own and the browser follows', async () => {
			const at = st.cee.lines.length;
			st.cee.input('/rotate on');
			await st.cee.waitLine('rekeyed 3', null, at);
			await until(async () => (await st.carol.page.textContent('#mode-line')).includes('The link changes whenever someone leaves.'),
			    'carol does not show that the link changes on leave');
			const link3 = await st.cee.invite(pair.page);
			assert.equal(await st.carol.inviteLink(), link3);
			const gus = new ProcPeer('c', 'gus', {url: pair.relay, invite: link3, version: 2});
			try {
				await gus.waitLine('keys cee 3');
				gus.exitRoom();
				await gus.waitLine('close 1000 bye');
				await st.cee.waitLine('rekeyed 4', 'cee did not rotate after gus left', at);
				assert.deepEqual(await gus.finish(), {code: 0, sig: null});
				assert.equal(gus.stderr, '');
			} finally {
				gus.kill();
			}
			const link4 = await st.cee.invite(pair.page);
			assert.notEqual(link4, link3);
			await until(async () => (await st.carol.inviteLink()) === link4, 'carol does not hold the rotated link');
			const back = new ProcPeer('c', 'gus', {url: pair.relay, invite: link3, version: 2});
			try {
				await back.waitLine('error noroom');
				assert.deepEqual(await back.finish(), {code: 0, sig: null});
			} finally {
				back.kill();
			}
			await st.carol.say('carol in epoch 4');
			await st.cee.waitLine('msg carol carol in epoch 4', null, at);
		});
		if (!ok)
			return;

		await step('the C client leaves with a farewell; exit status 0, nothing on standard error', async () => {
			const at = st.cee.lines.length;
			st.cee.exitRoom('over to carol');
			await st.cee.waitLine('close 1000 bye', null, at);
			await until(async () => (await st.carol.logText()).includes('cee left: “over to carol”'),
			    'carol does not show the farewell');
			assert.equal((await st.carol.view()).unverified.length, 0);
			assert.deepEqual(st.carol.errors.concat(st.frank.errors), []);
			assert.deepEqual(await st.cee.finish(), {code: 0, sig: null});
			assert.equal(st.cee.stderr, '');
		}, 90000);
	} finally {
		if (st.cee)
			await st.cee.finish(5000).catch(() => {});
		for (const k of ['carol', 'frank'])
			if (st[k])
				await st[k].finish();
	}
}

/* ---------- part 2: the mixed room ---------- */

const LIBS = [
	['chromium', 'chromium'],
	['c', 'c-client'],
	['websockets', 'py-websockets'],
	['websocket-client', 'py-wsclient'],
	['wsproto', 'py-wsproto'],
	['ws', 'nöde-ws']
];

/* The conversation of each round: who does what (aliases). */
const SCRIPTS = {
	/*
	 * A room the browser creates speaks version 2, which these peers do
	 * not: here a version 1 peer creates, and the browser joins it in
	 * version 1 (its join 2 gets roomversion, then it says join 1).
	 */
	v4: {
		creator: 'c-client',
		order: ['c-client', 'chromium', 'py-websockets', 'py-wsclient', 'py-wsproto', 'nöde-ws'],
		whispers: [['py-wsproto', 'chromium'], ['chromium', 'c-client'], ['c-client', 'py-websockets'],
		    ['nöde-ws', 'py-wsclient'], ['py-wsclient', 'py-wsproto'], ['py-websockets', 'nöde-ws']],
		forge: ['py-websockets', 'chromium'],
		kick: ['c-client', 'nöde-ws'],
		exits: [['py-wsclient', 'so long — and thanks for all the fish 🐟']],
		stop: 'c-client'
	},
	v6: {
		creator: 'c-client',
		order: ['c-client', 'py-websockets', 'chromium', 'py-wsclient', 'nöde-ws', 'py-wsproto'],
		whispers: [['chromium', 'nöde-ws'], ['py-websockets', 'chromium'], ['nöde-ws', 'c-client'],
		    ['c-client', 'py-wsproto'], ['py-wsproto', 'py-wsclient'], ['py-wsclient', 'py-websockets']],
		forge: ['py-wsclient', 'c-client'],
		kick: ['c-client', 'py-wsproto'],
		exits: [['c-client', 'the moderator leaves: over to you'], ['chromium', 'au revoir from the browser']],
		stop: 'py-websockets'
	}
};

/* Message N of the 50, from ALIAS: assorted scripts, sizes and shapes. */
function messageText(n, alias) {
	const base = 'm' + String(n).padStart(2, '0') + ' from ' + alias + ':';
	switch (n % 10) {
	case 1: return base + ' grüße, 猫, 🐈, “quotes” & ’apostrophes’';
	case 2: return base + ' two\nlines';
	case 3: return base + ' back\\slash and\ttab';
	case 4: return base + ' ' + 'long '.repeat(60).trim();		/* 1024 bucket */
	case 5: return base + ' Ελληνικά, русский, עברית, العربية';
	case 7: return base + ' ' + 'x'.repeat(n === 47 ? 20000 : 3000);	/* 4096, 32768 */
	default: return base + ' plain ascii ' + n;
	}
}

async function mixedRound(fam) {
	const script = SCRIPTS[fam];
	let pair, creatorLink;
	const peers = {};
	const room = new Room('owner');
	const all = () => Object.values(peers);
	const P = (alias) => peers[alias];
	const label = (t) => 'mixed room over ' + (fam === 'v6' ? 'IPv6 (::1)' : 'IPv4') + ': ' + t;
	let ok = true;
	const step = async (title, fn, timeout) => {
		ok = ok && await test(label(title), fn, timeout);
		return ok;
	};

	try {
		await step('daemons start on loopback, the relay pinging every second', async () => {
			/* Pings every second, pong timeout 2 s: every library must answer them. */
			pair = await startPair(fam, ['--ping-interval', '1', '--pong-timeout', '2']);
			aliveCheck = () => pair.chatroom.dead() || pair.servchat.dead();
		});
		if (!ok)
			return;

		await step('all six clients join, each gets welcome and the others joined', async () => {
			const lib = Object.fromEntries(LIBS.map(([k, a]) => [a, k]));
			for (const alias of script.order) {
				const creator = alias === script.creator;
				let p;
				if (lib[alias] === 'chromium') {
					p = new BrowserPeer(alias);
					peers[alias] = p;
					await p.open();
					if (creator)
						creatorLink = await p.create(pair.page, 'owner');
					else
						await p.join(creatorLink);
				} else if (creator) {
					p = new ProcPeer(lib[alias], alias, {url: pair.relay, create: 'owner'});
					peers[alias] = p;
					await until(() => p.lines.length >= 1, () => alias + ' printed no invite ' + p.stderr);
					const m = /^invite (\S+)$/.exec(p.lines.shift());
					assert.ok(m, 'no invite line');
					creatorLink = pair.page + '#' + m[1];
				} else {
					p = new ProcPeer(lib[alias], alias, {url: pair.relay, invite: creatorLink});
					peers[alias] = p;
				}
				if (creator)
					room.create(p);
				else
					room.join(p);
				await settle(all());
			}
			const view = await P('chromium').view();
			assert.deepEqual(view.members, script.order);
		});
		if (!ok)
			return;

		await step('50 messages from all six, each delivered to the five others exactly', async () => {
			let last = 0;
			for (let n = 0; n < 50; n++) {
				/*
				 * Paced, not asserted on: 50 x 80 ms outlasts a ping
				 * interval plus pong timeout, so a library that does
				 * not answer pings is dropped (and its "left" fails the
				 * records); each sender stays near 2 messages a second.
				 */
				const wait = last + PACE_MS - Date.now();
				if (wait > 0)
					await new Promise((r) => setTimeout(r, wait));
				last = Date.now();
				const from = P(script.order[n % script.order.length]);
				const text = messageText(n, from.alias);
				await from.say(text);
				room.msg(from, text);
				await settle(all());
			}
		}, 90000);
		if (!ok)
			return;

		await step('whispers reach only their target; a forged sender is refused by everyone', async () => {
			for (const [a, b] of script.whispers) {
				const text = 'whisper ' + a + ' → ' + b + ': 🤫 nobody else';
				await P(a).purr(b, text);
				room.purr(P(a), P(b), text);
				await settle(all());
			}
			/* A member seals a message claiming another's alias: the relay stamps the real one. */
			const [forger, victim] = script.forge;
			P(forger).input('/forge ' + victim + ' I am really ' + victim);
			room.forged(P(forger));
			await settle(all());
			/* The page may still be rendering what its socket already got. */
			const b = P('chromium');
			const want = {msgs: b.shown, unverified: ['A message from ' + forger + ' could not be verified and is not shown.']};
			let view;
			await until(async () => {
				view = await b.view();
				return JSON.stringify({msgs: view.msgs, unverified: view.unverified}) === JSON.stringify(want);
			}, () => 'the browser shows ' + JSON.stringify(view).slice(0, 600));
		});
		if (!ok)
			return;

		await step('kick: everyone, the victim included, gets kicked; the victim is closed with 4001', async () => {
			const [by, victim] = script.kick;
			await P(by).kick(victim);
			room.kick(P(by), P(victim));
			await settle(all());
		});
		if (!ok)
			return;

		await step('exit with a farewell: the others read it, moderation passes on', async () => {
			for (const [who, farewell] of script.exits) {
				const b = P('chromium');
				const mod = room.moderator;
				await P(who).exitRoom(farewell);
				room.exit(P(who), farewell);
				await settle(all());
				if (who === 'chromium' || !room.members.includes(b))
					continue;
				const log = () => b.page.evaluate(() => document.getElementById('log').textContent);
				await until(async () => (await log()).includes(who + ' left: “' + farewell + '”'),
				    'the browser does not show the farewell of ' + who);
				if (room.moderator !== mod)
					await until(async () => (await log()).includes(room.moderator.alias + ' is now the moderator.'),
					    'the browser does not show the new moderator');
			}
		});
		if (!ok)
			return;

		await step('stop: everyone gets stopped and close 4002; a later join finds no room', async () => {
			const by = P(script.stop);
			const remaining = room.members.slice();
			await by.stop();
			room.stop(by);
			await settle(all());
			if (remaining.includes(P('chromium'))) {
				await P('chromium').page.waitForSelector('#lobby:not([hidden])', {timeout: STEP_MS});
				assert.match((await P('chromium').view()).note, new RegExp('closed by ' + script.stop));
			}
			const late = new ProcPeer('websockets', 'late', {url: pair.relay, invite: creatorLink});
			try {
				await until(() => late.lines.length >= 1, 'no answer to a late join');
				assert.equal(late.lines[0], 'error noroom');
				assert.deepEqual(await late.finish(), {code: 0, sig: null});
			} finally {
				late.kill();
			}
		});
		if (!ok)
			return;

		await step('every record is complete: nothing missing, nothing extra, clean exits', async () => {
			for (const p of all()) {
				const st = await p.finish();
				assert.deepEqual(st, {code: 0, sig: null}, p.alias + ' exit; stderr: ' + p.stderr);
			}
			for (const p of all()) {
				assert.deepEqual(record(p), wanted(p), diff(p, record(p), wanted(p)));
				assert.equal(p.stderr || '', '', p.alias + ' wrote to stderr');
			}
			const b = P('chromium');
			assert.equal(b.sockets, 1, 'the browser opened more than one WebSocket');
			/* On the wire, as the browser got it from all five: padded ciphertext only. */
			let bodies = 0;
			for (const f of b.frames) {
				const m = /^(?:msg|purr|left) \S+ (\S+)$/.exec(f);
				if (!m)
					continue;
				bodies++;
				assert.match(m[1], /^[A-Za-z0-9_-]+$/);
				const n = Buffer.from(m[1], 'base64url').length - 40;
				assert.ok([256, 1024, 4096].includes(n) || n % 16384 === 0, 'padded length ' + n);
			}
			assert.ok(bodies >= 42, 'only ' + bodies + ' bodies reached the browser');
			assert.deepEqual(b.errors, []);
			/* 50 messages, each to five; a whisper per member; a forgery. */
			const msgs = all().reduce((n, p) => n + record(p).filter((l) => l.startsWith('msg ')).length, 0);
			assert.equal(msgs, 250);
		});
	} finally {
		for (const p of all())
			p.kill();
		for (const p of all())
			if (p.kind === 'chromium')
				await p.finish();
		if (pair) {
			aliveCheck = () => null;
			const problems = await stopPair(pair);
			await test(label('daemons stop cleanly, having printed nothing but their banners'), async () => {
				assert.deepEqual(problems, []);
			});
		}
	}
}

/* ---------- main ---------- */

async function main() {
	const watchdog = setTimeout(() => {
		console.log('interop: suite exceeded ' + SUITE_LIMIT_MS / 1000 + ' s');
		console.log('interop: ' + results.passed + ' passed, ' + (results.failed + 1) + ' failed');
		process.exit(1);
	}, SUITE_LIMIT_MS);
	let pair;
	try {
		for (const f of ['chatroom', 'servchat', 'test/sanctuary-client'])
			if (!fs.existsSync(path.join(BUILD, f)))
				throw new Error(path.join(BUILD, f) + ' is missing: run make first');
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			args: ['--no-sandbox', '--headless', '--disable-gpu',
			    '--disable-background-networking', '--disable-component-update',
			    '--disable-sync', '--no-first-run',
			    '--host-resolver-rules=MAP sanctuary.test 127.0.0.1, MAP sanctuary6.test [::1]']
		});
		pair = await startPair('v4');
		aliveCheck = () => pair.chatroom.dead() || pair.servchat.dead();
		await partOne(pair);
		await partV2Browser(pair);
		await partV2Moderator(pair);
		aliveCheck = () => null;
		const problems = await stopPair(pair);
		pair = null;
		await test('part 1 daemons stop cleanly, having printed nothing but their banners', async () => {
			assert.deepEqual(problems, []);
		});
		await mixedRound('v4');
		await mixedRound('v6');
	} catch (e) {
		results.failed++;
		console.log('FAIL setup: ' + (e && e.stack ? e.stack : e));
	}
	if (pair)
		await stopPair(pair);
	if (browser)
		await browser.close().catch(() => {});
	clearTimeout(watchdog);
	if (results.failures.length)
		console.log('failed: ' + results.failures.join('; '));
	console.log('interop: ' + results.passed + ' passed, ' + results.failed + ' failed');
	process.exit(results.failed === 0 && results.passed > 0 ? 0 : 1);
}

main();
