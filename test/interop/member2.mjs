/*
 * member2.mjs: one member of a version 2 room for the Node peer, written
 * from sanctuary(7) ("END-TO-END ENCRYPTION, VERSION 2") with tweetnacl,
 * apart from the browser's code: member keys, the hello, the roster (taken,
 * and answered as the member present longest), signed and numbered
 * messages and whispers, the replay window, following a rekey. It does not
 * moderate. Lines printed as the C client prints them (room2.c).
 */

import nacl from 'tweetnacl';
import {b64uDecode, b64uEncode, bucketFor, escape, unescape} from './format.mjs';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', {fatal: true});
const SIG_CONTEXT = enc.encode('sanctuary/2 sig\0');
const OLD_EPOCH_MS = 10000;
const HELLO_WAIT_MS = 5000;
const KINDS = ['hello', 'msg', 'typing', 'img', 'purr', 'keys', 'exit', 'rekey'];

const cat = (...a) => {
	const o = new Uint8Array(a.reduce((n, x) => n + x.length, 0));
	let at = 0;
	for (const x of a) {
		o.set(x, at);
		at += x.length;
	}
	return o;
};
const hash32 = (ctx, ...a) => nacl.hash(cat(enc.encode(ctx), ...a)).slice(0, 32);
const same = (a, b) => a && b && a.length === b.length && a.every((x, i) => x === b[i]);
const key32 = (s) => {
	const k = b64uDecode(s);
	return k && k.length === 32 ? k : null;
};

function epochOf(n, e) {
	return {n, e, tag: n + '.' + b64uEncode(hash32('sanctuary/2 epoch', e).subarray(0, 16))};
}

/* P = pad(SIG || M) */
function plain(f, ssk) {
	const m = enc.encode([f.kind, f.from, f.to, f.seq, f.epoch, f.text].join('\n'));
	const p0 = cat(nacl.sign.detached(cat(SIG_CONTEXT, m), ssk), m);
	const p = new Uint8Array(bucketFor(p0.length));
	p.set(p0);
	p[p0.length] = 0x80;
	return p;
}

/* The fields of an opened P, with sig and m for verify(); null if malformed. */
function parse(p) {
	if (!p)
		return null;
	let i = p.length - 1;
	while (i >= 0 && p[i] === 0)
		i--;
	if (i < 64 || p[i] !== 0x80)
		return null;
	const sig = p.slice(0, 64), m = p.slice(64, i);
	let s;
	try {
		s = dec.decode(m);
	} catch (e) {
		return null;
	}
	const parts = s.split('\n');
	if (parts.length < 6 || !KINDS.includes(parts[0]) || !/^[1-9][0-9]{0,15}$/.test(parts[3]))
		return null;
	return {kind: parts[0], from: parts[1], to: parts[2], seq: Number(parts[3]), epoch: parts[4],
		text: parts.slice(5).join('\n'),
		verify: (spk) => nacl.sign.detached.verify(cat(SIG_CONTEXT, m), sig, spk)};
}

function openBox(body, off, key, bpk, bsk) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < off + 41)
		return null;
	const n = raw.subarray(off, off + 24), c = raw.subarray(off + 24);
	return {raw, p: parse(key ? nacl.secretbox.open(c, n, key) : nacl.box.open(c, n, bpk || raw.subarray(0, 32), bsk))};
}

export class Member2 {
	constructor(alias, roomKey, secret, send) {
		this.alias = alias;
		this.send = send;
		this.box = nacl.box.keyPair();
		this.sign = nacl.sign.keyPair();
		this.setLink(roomKey, secret);
		this.epoch = null;
		this.prev = null;
		this.flags = '-';
		this.seq = 0;
		this.peers = new Map();
		this.members = [];
		this.hellos = new Map();
		this.held = [];
		this.addPeer(alias, this.box.publicKey, this.sign.publicKey);
	}

	/* The creator's epoch 0. */
	start() {
		this.epoch = epochOf(0, nacl.randomBytes(32));
	}

	setLink(roomKey, secret) {
		this.roomKey = roomKey;
		this.secret = secret;
		this.ki = hash32('sanctuary/2 invite', b64uDecode(roomKey), secret);
	}

	addPeer(alias, bpk, spk) {
		const old = this.peers.get(alias);
		if (old && same(old.bpk, bpk) && same(old.spk, spk))
			return;
		this.peers.set(alias, {bpk, spk, max: 0, seen: new Set()});
	}

	/* The replay window: 64 SEQs with the highest. */
	fresh(p, seq) {
		if (seq > p.max) {
			p.max = seq;
			p.seen = new Set([...p.seen, seq].filter((s) => s > seq - 64));
			return true;
		}
		if (seq <= p.max - 64 || p.seen.has(seq))
			return false;
		p.seen.add(seq);
		return true;
	}

	fields(kind, to, text) {
		return {kind, from: this.alias, to, seq: ++this.seq, epoch: kind === 'hello' ? '-' : this.epoch.tag, text};
	}

	sealRoom(key, f) {
		const n = nacl.randomBytes(24);
		return {seq: f.seq, body: b64uEncode(cat(n, nacl.secretbox(plain(f, this.sign.secretKey), n, key)))};
	}

	sealBox(toBpk, f, prefix) {
		const n = nacl.randomBytes(24);
		return {seq: f.seq, body: b64uEncode(cat(prefix || new Uint8Array(0), n,
		    nacl.box(plain(f, this.sign.secretKey), n, toBpk, this.box.secretKey)))};
	}

	hello() {
		const s = this.sealRoom(this.ki, this.fields('hello', '*',
		    b64uEncode(this.box.publicKey) + ' ' + b64uEncode(this.sign.publicKey)));
		this.send('msg ' + s.seq + ' ' + s.body);
	}

	welcome(frame) {
		this.members = frame.split(' ').slice(4);
		this.hello();
		setTimeout(() => {
			if (!this.epoch)
				this.hello();
		}, HELLO_WAIT_MS).unref();
	}

	/* One line of standard input; sealed ones wait for the epoch key. */
	command(line) {
		if (!this.epoch && (!line.startsWith('/') || line.startsWith('//') || line.startsWith('/purr '))) {
			this.held.push(line);
			return;
		}
		const r = /^\/purr (\S+) ([\s\S]+)$/.exec(line);
		if (!line.startsWith('/') || line.startsWith('//')) {
			const s = this.sealRoom(this.epoch.e, this.fields('msg', '*', unescape(line.replace(/^\//, ''))));
			this.send('msg ' + s.seq + ' ' + s.body);
		} else if (r && this.peers.has(r[1])) {
			const s = this.sealBox(this.peers.get(r[1]).bpk, this.fields('purr', r[1], unescape(r[2])));
			this.send('purr ' + s.seq + ' ' + r[1] + ' ' + s.body);
		} else if (line === '/exit' || (line.startsWith('/exit ') && !this.epoch)) {
			this.send('exit ' + ++this.seq);
		} else if (line.startsWith('/exit ')) {
			const s = this.sealRoom(this.epoch.e, this.fields('exit', '*', unescape(line.slice(6))));
			this.send('exit ' + s.seq + ' ' + s.body);
		} else if (line.startsWith('/raw ')) {
			this.send(line.slice(5));
		} else {
			process.stderr.write('peer_ws: unknown command\n');
		}
	}

	okEpoch(tag) {
		return (this.epoch && tag === this.epoch.tag) ||
		    (this.prev && tag === this.prev.epoch.tag && Date.now() < this.prev.until);
	}

	/* sanctuary(7) Receiving: 'ok', 'dropped' or 'unverified'. */
	judge(f, from, kinds, to, spk) {
		const p = this.peers.get(from);
		if (!f || !kinds.includes(f.kind) || f.from !== from || f.to !== to || !p || !f.verify(spk || p.spk))
			return 'unverified';
		if (f.kind !== 'hello' && !this.okEpoch(f.epoch))
			return 'unverified';
		return this.fresh(p, f.seq) ? 'ok' : 'dropped';
	}

	openRoom(body) {
		for (const ep of [this.epoch, this.prev && Date.now() < this.prev.until ? this.prev.epoch : null]) {
			const o = ep ? openBox(body, 0, ep.e) : null;
			if (o && o.p)
				return o.p;
		}
		return null;
	}

	setEpoch(ep, roomKey, secret) {
		if (this.epoch)
			this.prev = {epoch: this.epoch, until: Date.now() + OLD_EPOCH_MS};
		this.epoch = ep;
		this.setLink(roomKey, secret);
	}

	line(kind, from, v, text) {
		return v === 'ok' ? kind + ' ' + escape(from) + (text === undefined ? '' : ' ' + escape(text)) :
		    v + ' ' + kind + ' ' + escape(from);
	}

	onMsg(from, body) {
		const f = this.openRoom(body);
		if (f) {
			const v = this.judge(f, from, ['msg', 'typing', 'img'], '*');
			return v === 'ok' && f.kind !== 'msg' ? f.kind + ' ' + escape(from) : this.line('msg', from, v, f.text);
		}
		const o = openBox(body, 0, this.ki);
		const h = o && o.p && o.p.kind === 'hello' && o.p.epoch === '-' &&
		    /^([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{43})$/.exec(o.p.text);
		const bpk = h && key32(h[1]), spk = h && key32(h[2]);
		if (!bpk || !spk || !o.p.verify(spk) || o.p.from !== from)
			return this.line('msg', from, 'unverified');
		this.addPeer(from, bpk, spk);
		const v = this.judge(o.p, from, ['hello'], '*', spk);
		if (v !== 'ok')
			return this.line('msg', from, v);
		this.answerHello(from);
		return 'hello ' + escape(from);
	}

	/* The member present longest answers a hello; everyone a repeated one. */
	answerHello(from) {
		const n = (this.hellos.get(from) || 0) + 1;
		this.hellos.set(from, n);
		if (!this.epoch || (n === 1 && this.members.find((a) => a !== from) !== this.alias))
			return;
		const lines = [[this.epoch.n, b64uEncode(this.epoch.e), this.roomKey, b64uEncode(this.secret), this.flags].join(' ')];
		for (const [a, p] of this.peers)
			lines.push(a + ' ' + b64uEncode(p.bpk) + ' ' + b64uEncode(p.spk));
		const s = this.sealBox(this.peers.get(from).bpk, this.fields('keys', from, lines.join('\n')), this.box.publicKey);
		this.send('purr ' + s.seq + ' ' + from + ' ' + s.body);
	}

	onPurr(from, body) {
		const p = this.peers.get(from);
		const o = p ? openBox(body, 0, null, p.bpk, this.box.secretKey) : null;
		if (o && o.p) {
			const v = this.judge(o.p, from, ['purr', 'img'], this.alias);
			return v === 'ok' && o.p.kind !== 'purr' ? o.p.kind + ' ' + escape(from) : this.line('purr', from, v, o.p.text);
		}
		return this.onKeys(from, openBox(body, 32, null, null, this.box.secretKey));
	}

	onKeys(from, o) {
		const f = o && o.p;
		if (!f || f.kind !== 'keys' || f.from !== from || f.to !== this.alias)
			return this.line('purr', from, 'unverified');
		const lines = f.text.split('\n');
		const h = /^(0|[1-9][0-9]{0,15}) ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{22}) ([A-Za-z0-9_-]{43}) (rotate|-)$/.exec(lines[0]);
		const roster = new Map();
		for (const l of lines.slice(1)) {
			const m = /^(\S+) ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{43})$/.exec(l);
			if (m && key32(m[2]) && key32(m[3]))
				roster.set(m[1], {bpk: key32(m[2]), spk: key32(m[3])});
		}
		const mine = roster.get(from), e = h && key32(h[2]), secret = h && key32(h[4]);
		const ep = e && epochOf(Number(h[1]), e);
		if (!ep || !secret || !mine || !same(mine.bpk, o.raw.subarray(0, 32)) || !f.verify(mine.spk) ||
		    f.epoch !== ep.tag || (!this.epoch && (h[3] !== this.roomKey || !same(secret, this.secret))) ||
		    (this.epoch && ep.n < this.epoch.n))
			return this.line('purr', from, 'unverified');
		for (const [a, q] of roster)
			if (a !== this.alias)
				this.addPeer(a, q.bpk, q.spk);
		if (!this.fresh(this.peers.get(from), f.seq))
			return this.line('purr', from, 'dropped');
		if (!this.epoch || ep.n > this.epoch.n)
			this.setEpoch(ep, h[3], secret);
		this.flags = h[5];
		setImmediate(() => this.held.splice(0).forEach((l) => this.command(l)));
		return 'keys ' + escape(from) + ' ' + this.epoch.n;
	}

	onLeft(from, body) {
		const f = this.openRoom(body);
		const v = f ? this.judge(f, from, ['exit'], '*') : 'unverified';
		return this.line('left', from, v, f && f.text);
	}

	onRekey(from, body) {
		const f = this.openRoom(body);
		const v = f ? this.judge(f, from, ['rekey'], '*') : 'unverified';
		if (v !== 'ok')
			return this.line('rekey', from, v);
		const lines = f.text.split('\n');
		const h = /^([1-9][0-9]{0,15}) ([A-Za-z0-9_-]{22}) (rotate|-)$/.exec(lines[0]);
		const mine = lines.slice(1).find((l) => l.startsWith(this.alias + ' '));
		const raw = mine && b64uDecode(mine.slice(this.alias.length + 1));
		const pl = raw && raw.length === 120 && nacl.box.open(raw.subarray(24), raw.subarray(0, 24),
		    this.peers.get(from).bpk, this.box.secretKey);
		const ep = pl && epochOf(Number(h && h[1]), pl.slice(48, 80));
		if (!h || !ep || Number(h[1]) !== this.epoch.n + 1 || ep.tag !== h[1] + '.' + h[2])
			return this.line('rekey', from, 'unverified');
		this.setEpoch(ep, b64uEncode(pl.subarray(0, 16)), pl.slice(16, 48));
		this.flags = h[3];
		return 'rekey ' + escape(from) + ' ' + this.epoch.n;
	}

	/* The line for one relay frame, or null to print it as version 1 does. */
	frame(s) {
		const f = s.split(' ');
		if (f[0] === 'welcome')
			setImmediate(() => this.welcome(s));
		if (f.length === 2 && f[0] === 'joined') {
			this.members.push(f[1]);
			this.hellos.delete(f[1]);
		}
		if ((f[0] === 'left' && f.length <= 3) || (f[0] === 'kicked' && f.length === 3)) {
			this.members = this.members.filter((a) => a !== f[1]);
			this.hellos.delete(f[1]);
		}
		if (f.length === 3 && f[0] === 'msg')
			return this.onMsg(f[1], f[2]);
		if (f.length === 3 && f[0] === 'purr')
			return this.onPurr(f[1], f[2]);
		if (f.length === 3 && f[0] === 'left')
			return this.onLeft(f[1], f[2]);
		if (f.length === 3 && f[0] === 'rekey')
			return this.onRekey(f[1], f[2]);
		if ((f.length === 2 && (f[0] === 'ack' || f[0] === 'pong')) || (f.length === 3 && f[0] === 'error'))
			return escape(s);
		return null;
	}
}
