/*
 * Sanctuary end-to-end format, version 2 ("sanctuary/2"): member keys,
 * signed plaintexts with sequence numbers and epochs, whispers sealed
 * between two members, the sealed rekey. sanctuary(7) is the spec; this
 * file only builds and checks the bytes. Base64url, padding and wiping are
 * version 1's (crypto.js).
 *
 * Signed plaintext: M = KIND \n FROM \n TO \n SEQ \n EPOCH \n TEXT
 *                   SIG = Ed25519(SIG_CONTEXT || M), P0 = SIG || M, padded.
 * Room kinds are sealed with nacl.secretbox under the epoch key E (hello
 * under the invite key KI); whispers and keys with nacl.box.
 */

import {b64uDecode, b64uEncode, pad, unpad, wipe} from './crypto.js';

const nacl = globalThis.nacl;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', {fatal: true});

const SIG_CONTEXT = enc.encode('sanctuary/2 sig\0');
const SIG_LEN = 64;
const NONCE_LEN = 24;
export const FIELDS = ['kind', 'from', 'to', 'seq', 'epoch', 'text'];
export const KINDS = ['hello', 'msg', 'typing', 'img', 'purr', 'keys',
	'exit', 'rekey'];

function concat(...parts) {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/* First 32 bytes of SHA-512(context || parts...). */
function hash32(context, ...parts) {
	const input = concat(enc.encode(context), ...parts);
	const h = nacl.hash(input);
	const out = h.slice(0, 32);
	wipe(input);
	wipe(h);
	return out;
}

/* KI: the invite key that seals hellos; null if ROOMKEY is malformed. */
export function inviteKey(roomKey, secret) {
	const rk = b64uDecode(roomKey);
	if (!rk || rk.length !== 16 || !secret || secret.length !== 32)
		return null;
	const ki = hash32('sanctuary/2 invite', rk, secret);
	wipe(rk);
	return ki;
}

/* EH: names epoch key E in every signed message (22 characters). */
export function epochHash(e) {
	return b64uEncode(hash32('sanctuary/2 epoch', e).subarray(0, 16));
}

/* The five groups of four digits a member shows in its member sheet. */
export function safetyCode(bpk, spk) {
	const h = nacl.hash(concat(enc.encode('sanctuary/2 safety'), bpk, spk));
	const groups = [];
	for (let i = 0; i < 5; i++)
		groups.push(String(((h[2 * i] << 8) | h[2 * i + 1]) % 10000)
		    .padStart(4, '0'));
	return groups.join(' ');
}

/*
 * A member's two key pairs, fresh on entering a room; the arguments exist
 * for the test vector only.
 */
export function memberKeys(boxSecret, signSeed) {
	return {
		box: boxSecret ? nacl.box.keyPair.fromSecretKey(boxSecret) :
		    nacl.box.keyPair(),
		sign: signSeed ? nacl.sign.keyPair.fromSeed(signSeed) :
		    nacl.sign.keyPair()
	};
}

export function forgetKeys(keys) {
	if (!keys)
		return;
	wipe(keys.box.secretKey);
	wipe(keys.sign.secretKey);
}

/* P = pad(SIG || M) for the fields of FIELDS, signed with SIGNSECRET. */
function signedPlain(f, signSecret) {
	const m = enc.encode(FIELDS.map((k) => String(f[k])).join('\n'));
	const tbs = concat(SIG_CONTEXT, m);
	const p = pad(concat(nacl.sign.detached(tbs, signSecret), m));
	wipe(tbs);
	return p;
}

/*
 * Parses an opened P: the fields, plus verify(spk), which is true only if
 * SIG is FROM's signature over M. Returns null if P is malformed.
 */
function parsePlain(p) {
	const body = p ? unpad(p) : null;
	if (!body || body.length < SIG_LEN)
		return null;
	const sig = body.slice(0, SIG_LEN);
	const m = body.slice(SIG_LEN);
	let text;
	try {
		text = dec.decode(m);
	} catch (e) {
		return null;
	}
	const parts = text.split('\n');
	if (parts.length < FIELDS.length)
		return null;
	const f = {};
	FIELDS.forEach((k, i) => {
		f[k] = i < FIELDS.length - 1 ? parts[i] :
		    parts.slice(i).join('\n');
	});
	if (!KINDS.includes(f.kind) || !/^[1-9][0-9]{0,15}$/.test(f.seq))
		return null;
	f.seq = Number(f.seq);
	f.verify = (spk) => nacl.sign.detached.verify(concat(SIG_CONTEXT, m),
	    sig, spk);
	return f;
}

function bodyOf(nonce, c, prefix) {
	return b64uEncode(concat(prefix || new Uint8Array(0), nonce, c));
}

/* BODY of a room kind (or a hello, with KEY = KI). */
export function sealRoom(key, f, signSecret, nonce) {
	const p = signedPlain(f, signSecret);
	const n = nonce || nacl.randomBytes(NONCE_LEN);
	const body = bodyOf(n, nacl.secretbox(p, n, key));
	wipe(p);
	return body;
}

export function openRoom(key, body) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < NONCE_LEN + 17)
		return null;
	return parsePlain(nacl.secretbox.open(raw.subarray(NONCE_LEN),
	    raw.subarray(0, NONCE_LEN), key));
}

/* BODY of a whisper from the holder of BOXSECRET to TOBPK. */
export function sealPurr(toBpk, boxSecret, f, signSecret, nonce) {
	const p = signedPlain(f, signSecret);
	const n = nonce || nacl.randomBytes(NONCE_LEN);
	const body = bodyOf(n, nacl.box(p, n, toBpk, boxSecret));
	wipe(p);
	return body;
}

export function openPurr(fromBpk, boxSecret, body) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < NONCE_LEN + 17)
		return null;
	return parsePlain(nacl.box.open(raw.subarray(NONCE_LEN),
	    raw.subarray(0, NONCE_LEN), fromBpk, boxSecret));
}

/* keys: the sender's box key first, since the newcomer does not know it. */
export function sealKeys(toBpk, keys, f, nonce) {
	const n = nonce || nacl.randomBytes(NONCE_LEN);
	const p = signedPlain(f, keys.sign.secretKey);
	const body = bodyOf(n, nacl.box(p, n, toBpk, keys.box.secretKey),
	    keys.box.publicKey);
	wipe(p);
	return body;
}

/* Returns the fields plus fromBpk, or null. */
export function openKeys(boxSecret, body) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < 32 + NONCE_LEN + 17)
		return null;
	const fromBpk = raw.slice(0, 32);
	const f = parsePlain(nacl.box.open(raw.subarray(32 + NONCE_LEN),
	    raw.subarray(32, 32 + NONCE_LEN), fromBpk, boxSecret));
	if (f)
		f.fromBpk = fromBpk;
	return f;
}

/*
 * One rekey line's sealed part for a member: nonce || box(NEWKEY (16) ||
 * SECRET (32) || E (32)), base64url.
 */
export function sealEpochFor(toBpk, boxSecret, roomKey, secret, e, nonce) {
	const rk = b64uDecode(roomKey);
	const n = nonce || nacl.randomBytes(NONCE_LEN);
	const plain = concat(rk, secret, e);
	const out = bodyOf(n, nacl.box(plain, n, toBpk, boxSecret));
	wipe(plain);
	wipe(rk);
	return out;
}

/* Returns {roomKey, secret, e} or null. */
export function openEpoch(fromBpk, boxSecret, sealed) {
	const raw = b64uDecode(sealed);
	if (!raw || raw.length !== NONCE_LEN + 16 + 80)
		return null;
	const plain = nacl.box.open(raw.subarray(NONCE_LEN),
	    raw.subarray(0, NONCE_LEN), fromBpk, boxSecret);
	if (!plain)
		return null;
	const r = {roomKey: b64uEncode(plain.subarray(0, 16)),
		secret: plain.slice(16, 48), e: plain.slice(48, 80)};
	wipe(plain);
	return r;
}

/*
 * Replay window per sender: a SEQ is new if above the highest seen, or
 * within the 64 below it and not seen yet.
 */
export class SeqWindow {
	constructor() {
		this.max = 0;
		this.seen = new Set();
	}

	accept(seq) {
		if (seq > this.max) {
			this.max = seq;
			this.seen.add(seq);
			for (const s of this.seen)
				if (s <= this.max - 64)
					this.seen.delete(s);
			return true;
		}
		if (seq <= this.max - 64 || this.seen.has(seq))
			return false;
		this.seen.add(seq);
		return true;
	}
}
