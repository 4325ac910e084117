/*
 * The end-to-end state of one person in one version 2 room (sanctuary(7),
 * "END-TO-END ENCRYPTION, VERSION 2"): its member keys, the keys announced
 * by the others, the epoch key, sequence numbers and replay windows. It
 * builds BODYs and judges received ones; crypto2.js does the bytes. No DOM,
 * no socket: the session decides what to send and when.
 *
 * Secrets owned here (all wiped by forget()): the member key pairs, the
 * invite key KI, a copy of SECRET, the epoch keys.
 */

import * as V from './crypto2.js';
import {b64uDecode, b64uEncode, wipe} from './crypto.js';

/* How long the previous epoch's key still opens messages after a switch. */
export const OLD_EPOCH_MS = 10000;
/* Retired invite keys that still open a resuming member's hello (the relay keeps 4 retired keys). */
const OLD_KI = 4;
const ROOM_KINDS = ['msg', 'typing', 'img'];
const PURR_KINDS = ['purr', 'img'];

function sameBytes(a, b) {
	if (!a || !b || a.length !== b.length)
		return false;
	let d = 0;
	for (let i = 0; i < a.length; i++)
		d |= a[i] ^ b[i];
	return d === 0;
}

function key32(s) {
	const k = b64uDecode(s);
	return k && k.length === 32 ? k : null;
}

function epochOf(n, e) {
	return {n, e, eh: V.epochHash(e), tag: n + '.' + V.epochHash(e)};
}

export class E2E {
	/* ROOMKEY and SECRET (Uint8Array(32), copied) of the invite. */
	constructor(alias, roomKey, secret) {
		this.alias = alias;
		this.keys = V.memberKeys();
		this.roomKey = roomKey;
		this.secret = secret.slice();
		this.ki = V.inviteKey(roomKey, this.secret);
		this.oldKi = [];	/* the invite keys of retired room keys, newest first */
		this.epoch = null;
		this.prev = null;	/* {epoch, until} after a switch */
		this.flags = '-';
		this.seq = 0;
		this.peers = new Map();	/* alias -> {bpk, spk, code, window} */
		this.addPeer(alias, this.keys.box.publicKey,
		    this.keys.sign.publicKey);
	}

	/* Goes on under another alias (ours was taken while we were away). */
	rename(alias) {
		this.peers.delete(this.alias);
		this.alias = alias;
		this.addPeer(alias, this.keys.box.publicKey, this.keys.sign.publicKey);
	}

	/* The creator's epoch 0. */
	startEpoch() {
		this.epoch = epochOf(0, globalThis.nacl.randomBytes(32));
	}

	ready() {
		return this.epoch !== null;
	}

	nextSeq() {
		return ++this.seq;
	}

	/* Remembers ALIAS's keys; returns true if they differ from earlier ones. */
	addPeer(alias, bpk, spk) {
		const old = this.peers.get(alias);
		if (old && sameBytes(old.bpk, bpk) && sameBytes(old.spk, spk))
			return false;
		this.peers.set(alias, {bpk: bpk.slice(), spk: spk.slice(),
			code: V.safetyCode(bpk, spk), window: new V.SeqWindow()});
		return !!old;
	}

	safetyCode(alias) {
		const p = this.peers.get(alias);
		return p ? p.code : null;
	}

	fields(kind, to, seq, text) {
		return {kind, from: this.alias, to, seq,
			epoch: kind === 'hello' ? '-' : this.epoch.tag, text};
	}

	hello(seq) {
		const t = b64uEncode(this.keys.box.publicKey) + ' ' +
		    b64uEncode(this.keys.sign.publicKey);
		return V.sealRoom(this.ki, this.fields('hello', '*', seq, t),
		    this.keys.sign.secretKey);
	}

	/* BODY of a room message of KIND (msg, exit, typing, rekey). */
	seal(kind, text, seq) {
		return V.sealRoom(this.epoch.e, this.fields(kind, '*', seq, text),
		    this.keys.sign.secretKey);
	}

	/* BODY of a whisper (or KIND img) to TO, or null if TO's keys are unknown. */
	sealTo(to, text, seq, kind = 'purr') {
		const p = this.peers.get(to);
		if (!p)
			return null;
		return V.sealPurr(p.bpk, this.keys.box.secretKey,
		    this.fields(kind, to, seq, text), this.keys.sign.secretKey);
	}

	/* The roster whisper for TO (a newcomer, or a member resuming). */
	keysFor(to, seq) {
		const p = this.peers.get(to);
		if (!p || !this.epoch)
			return null;
		const lines = [[this.epoch.n, b64uEncode(this.epoch.e),
			this.roomKey, b64uEncode(this.secret), this.flags].join(' ')];
		for (const [a, q] of this.peers)
			lines.push([a, b64uEncode(q.bpk), b64uEncode(q.spk)].join(' '));
		return V.sealKeys(p.bpk, this.keys,
		    this.fields('keys', to, seq, lines.join('\n')));
	}

	/* Is TAG the current epoch, or the previous one still in its grace? */
	epochOk(tag) {
		if (this.epoch && tag === this.epoch.tag)
			return true;
		return !!this.prev && tag === this.prev.epoch.tag &&
		    performance.now() < this.prev.until;
	}

	/*
	 * The common checks of sanctuary(7) "Receiving" for a parsed F from
	 * the stamped alias FROM: 'bad', 'drop' (a repeated SEQ) or 'ok'.
	 */
	judge(f, from, kinds, to, spk) {
		if (!f || !kinds.includes(f.kind) || f.from !== from || f.to !== to)
			return 'bad';
		const p = this.peers.get(from);
		if (!p || !f.verify(spk || p.spk))
			return 'bad';
		if (f.kind !== 'hello' && !this.epochOk(f.epoch))
			return this.epoch && f.epoch.startsWith(this.epoch.n + '.') ?
			    'split' : 'bad';
		return p.window.accept(f.seq) ? 'ok' : 'drop';
	}

	openAny(body) {
		let f = this.epoch ? V.openRoom(this.epoch.e, body) : null;
		if (!f && this.prev && performance.now() < this.prev.until)
			f = V.openRoom(this.prev.epoch.e, body);
		return f;
	}

	/*
	 * A `msg FROM BODY`: {type: 'msg'|'typing'|'img', text} when genuine,
	 * {type: 'hello', changed, known} for a hello, {type: 'drop'} for a
	 * repeat, {type: 'split'} when it names another key for our epoch
	 * (the relay gave members different epochs), {type: 'bad'} otherwise.
	 */
	onMsg(from, body) {
		const f = this.openAny(body);
		if (f) {
			const r = this.judge(f, from, ROOM_KINDS, '*');
			return r === 'ok' ? {type: f.kind, text: f.text} : {type: r};
		}
		const h = V.openRoom(this.ki, body);
		return h ? this.onHello(from, h) : this.onOldHello(from, body);
	}

	/*
	 * A hello sealed with a retired invite key: a member that resumed with
	 * the room's old key and its token (sanctuary(7), "Hello and keys").
	 * Heard only from a member still here whose keys we know unchanged,
	 * so that it brings no new keys, and never from one kicked or gone.
	 */
	onOldHello(from, body) {
		const p = this.peers.get(from);
		let f = null;
		for (const k of this.oldKi)
			if (!f)
				f = V.openRoom(k, body);
		const m = f && f.kind === 'hello' ?
		    /^([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{43})$/.exec(f.text) : null;
		if (!m || !p || p.revoked || from === this.alias ||
		    !sameBytes(key32(m[1]), p.bpk) || !sameBytes(key32(m[2]), p.spk))
			return {type: 'bad'};
		return this.onHello(from, f);
	}

	/* ALIAS was kicked or left: its keys open no way back in (onOldHello). */
	revoke(alias) {
		const p = this.peers.get(alias);
		if (p && alias !== this.alias)
			p.revoked = true;
	}

	onHello(from, f) {
		const m = f && f.kind === 'hello' && f.epoch === '-' ?
		    /^([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{43})$/.exec(f.text) : null;
		const bpk = m ? key32(m[1]) : null, spk = m ? key32(m[2]) : null;
		if (!bpk || !spk || f.from !== from || f.to !== '*' ||
		    !f.verify(spk))
			return {type: 'bad'};
		const known = this.peers.has(from);
		const changed = from !== this.alias && this.addPeer(from, bpk, spk);
		this.peers.get(from).revoked = false;	/* back in with the current link */
		const r = this.judge(f, from, ['hello'], '*', spk);
		return r === 'ok' ? {type: 'hello', changed, known} : {type: r};
	}

	/* A `left ALIAS BODY`: {type: 'exit', text}, 'drop' or 'bad'. */
	onLeft(from, body) {
		const f = this.openAny(body);
		const r = this.judge(f, from, ['exit'], '*');
		return r === 'ok' ? {type: 'exit', text: f.text} : {type: r};
	}

	/*
	 * A `purr FROM BODY`: a whisper {type: 'purr'|'img', text}, a roster
	 * {type: 'keys', changed: [aliases], moved: bool}, 'drop' or 'bad'.
	 */
	onPurr(from, body) {
		const p = this.peers.get(from);
		if (p) {
			const f = V.openPurr(p.bpk, this.keys.box.secretKey, body);
			if (f) {
				const r = this.judge(f, from, PURR_KINDS, this.alias);
				return r === 'ok' ? {type: f.kind, text: f.text} :
				    {type: r};
			}
		}
		return this.onKeys(from, V.openKeys(this.keys.box.secretKey, body));
	}

	onKeys(from, f) {
		if (!f || f.kind !== 'keys' || f.from !== from || f.to !== this.alias)
			return {type: 'bad'};
		const r = parseRoster(f.text);
		const mine = r && r.peers.get(from);
		if (!mine || !sameBytes(mine.bpk, f.fromBpk) || !f.verify(mine.spk))
			return {type: 'bad'};
		const known = this.peers.get(from);
		if (this.epoch) {
			/* A resume: only a member we know, never an older epoch. */
			if (!known || !sameBytes(known.spk, mine.spk) ||
			    r.n < this.epoch.n)
				return {type: 'bad'};
		} else if (r.roomKey !== this.roomKey ||
		    !sameBytes(r.secret, this.secret)) {
			return {type: 'bad'};
		}
		const changed = [];
		for (const [a, q] of r.peers)
			if (a !== this.alias && this.addPeer(a, q.bpk, q.spk))
				changed.push(a);
		if (!this.peers.get(from).window.accept(f.seq))
			return {type: 'drop'};
		const moved = !!this.epoch && r.roomKey !== this.roomKey;
		if (!this.epoch || r.n > this.epoch.n)
			this.setEpoch(r.n, r.e, r.roomKey, r.secret);
		this.flags = r.flags;
		return {type: 'keys', changed, moved};
	}

	/*
	 * A moderator's rekey to ROOMKEY with FLAGS ('rotate' or '-'): the next
	 * epoch, sealed for each member of KEEP whose keys are known. Returns
	 * {text, next}; the switch to NEXT waits for the relay's ack (setEpoch).
	 */
	rekeyText(keep, roomKey, flags) {
		const nacl = globalThis.nacl;
		const next = {n: this.epoch.n + 1, e: nacl.randomBytes(32),
			secret: nacl.randomBytes(32), roomKey, flags};
		const lines = [[next.n, V.epochHash(next.e), flags].join(' ')];
		for (const a of keep) {
			const p = this.peers.get(a);
			if (p && a !== this.alias)
				lines.push(a + ' ' + V.sealEpochFor(p.bpk,
				    this.keys.box.secretKey, roomKey, next.secret, next.e));
		}
		return {text: lines.join('\n'), next};
	}

	/*
	 * A `rekey FROM BODY`: {type: 'rekey'} once switched to the epoch it
	 * brings, 'drop' for a repeat, 'bad' (also when it has no line for us).
	 */
	onRekey(from, body) {
		const f = this.openAny(body);
		const r = this.judge(f, from, ['rekey'], '*');
		if (r !== 'ok')
			return {type: r};
		const lines = f.text.split('\n');
		const h = /^([1-9][0-9]{0,15}) ([A-Za-z0-9_-]{22}) (rotate|-)$/.exec(lines[0]);
		const mine = lines.slice(1).find((l) => l.startsWith(this.alias + ' '));
		if (!h || !mine || Number(h[1]) !== this.epoch.n + 1)
			return {type: 'bad'};
		const o = V.openEpoch(this.peers.get(from).bpk,
		    this.keys.box.secretKey, mine.slice(this.alias.length + 1));
		if (!o || V.epochHash(o.e) !== h[2])
			return {type: 'bad'};
		this.setEpoch(Number(h[1]), o.e, o.roomKey, o.secret);
		this.flags = h[3];
		return {type: 'rekey'};
	}

	/* Switches to epoch N with key E (and the room's new key and secret). */
	setEpoch(n, e, roomKey, secret) {
		if (this.epoch) {
			if (this.prev)
				wipe(this.prev.epoch.e);
			this.prev = {epoch: this.epoch,
				until: performance.now() + OLD_EPOCH_MS};
		}
		this.epoch = epochOf(n, e);
		if (roomKey !== this.roomKey || !sameBytes(secret, this.secret)) {
			this.roomKey = roomKey;
			wipe(this.secret);
			this.secret = secret.slice();
			this.oldKi.unshift(this.ki);
			for (const k of this.oldKi.splice(OLD_KI))
				wipe(k);
			this.ki = V.inviteKey(roomKey, this.secret);
		}
	}

	forget() {
		V.forgetKeys(this.keys);
		wipe(this.secret);
		wipe(this.ki);
		for (const k of this.oldKi)
			wipe(k);
		this.oldKi = [];
		if (this.epoch)
			wipe(this.epoch.e);
		if (this.prev)
			wipe(this.prev.epoch.e);
		this.epoch = this.prev = null;
		this.peers.clear();
	}
}

/* The keys TEXT: first line N E ROOMKEY SECRET FLAGS, then ALIAS BPK SPK. */
function parseRoster(text) {
	const lines = text.split('\n');
	const h = /^(0|[1-9][0-9]{0,15}) ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{22}) ([A-Za-z0-9_-]{43}) (rotate|-)$/.exec(lines[0]);
	if (!h)
		return null;
	const e = key32(h[2]), secret = key32(h[4]);
	if (!e || !secret || !b64uDecode(h[3]))
		return null;
	const peers = new Map();
	for (const l of lines.slice(1)) {
		const m = /^(\S+) ([A-Za-z0-9_-]{43}) ([A-Za-z0-9_-]{43})$/.exec(l);
		const bpk = m ? key32(m[2]) : null, spk = m ? key32(m[3]) : null;
		if (!bpk || !spk || peers.has(m[1]))
			return null;
		peers.set(m[1], {bpk, spk});
	}
	return {n: Number(h[1]), e, roomKey: h[3], secret, flags: h[5], peers};
}
