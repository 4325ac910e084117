/*
 * Sanctuary end-to-end message format, version 1 ("sanctuary/1").
 *
 * The relay only ever sees ciphertext; the room secret never leaves the
 * browsers (it travels in the invite link's fragment, which browsers do not
 * send to any server).
 *
 * Invite:     http://HOST:PORT/#ROOMKEY.SECRET
 *             ROOMKEY = the 22-char base64url room key from GET /api/key
 *                       (16 bytes), also the relay's room name.
 *             SECRET  = 32 random bytes (nacl.randomBytes), base64url without
 *                       padding (43 chars).
 *
 * Key:        K = SHA-512( utf8("sanctuary/1") || ROOMKEY bytes (16)
 *                          || SECRET (32) )[0..32)
 *             (nacl.hash = libsodium crypto_hash_sha512; first 32 bytes).
 *
 * Plaintext:  P0 = utf8( KIND "\n" ALIAS "\n" TEXT )
 *             KIND  = "msg" (relay frame msg), "purr" (relay frame purr),
 *                     "exit" (farewell, relay frame left)
 *             ALIAS = the sender's own alias; the receiver requires it to
 *                     equal the sender alias the relay stamped on the frame.
 *             TEXT  = the message (HTML5 fragment, sanitized on display);
 *                     may contain "\n"; only the first two "\n" separate.
 *
 * Padding:    P = P0 || 0x80 || 0x00...  (ISO/IEC 7816-4, always >= 1 byte)
 *             up to the smallest bucket >= len(P0) + 1 out of
 *             256, 1024, 4096, 16384, then the next multiple of 16384.
 *             Equal to libsodium sodium_pad(P0, blocksize = bucket); the
 *             receiver strips trailing 0x00 then one 0x80 (sodium_unpad with
 *             blocksize = len(P)). Anything else is rejected.
 *
 * Box:        nonce = 24 fresh random bytes per message (nacl.randomBytes)
 *             C = nacl.secretbox(P, nonce, K)
 *               = libsodium crypto_secretbox_easy (XSalsa20-Poly1305,
 *                 16-byte tag first, then len(P) bytes)
 *             BODY = base64url, no "=" padding ( nonce (24) || C )
 *             So len(BODY) = ceil((40 + len(P)) * 4 / 3).
 *
 * Frames:     msg BODY / purr ALIAS BODY / exit BODY  (client -> relay)
 *             msg FROM BODY / purr FROM BODY / left FROM BODY (relay -> client)
 *             A body that fails to decrypt, unpad, decode as UTF-8, parse,
 *             or whose KIND or ALIAS does not match the frame, is shown as
 *             "a message could not be verified" and never displayed.
 *
 * Largest message: with a 65536-byte frame limit the largest bucket whose
 * frame fits (purr with a 32-byte alias) is 32768, so P0 <= 32767 bytes.
 *
 * Never uses crypto.subtle: it is absent on plain-http LAN pages.
 */

const nacl = globalThis.nacl;

const CONTEXT = new TextEncoder().encode('sanctuary/1');
const BUCKETS = [256, 1024, 4096, 16384];
const BIG = 16384;
export const NONCE_LEN = 24;
export const TAG_LEN = 16;
export const KINDS = ['msg', 'purr', 'exit'];

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64REV = (() => {
	const t = new Int16Array(128).fill(-1);
	for (let i = 0; i < 64; i++)
		t[B64.charCodeAt(i)] = i;
	return t;
})();

/* base64url without padding. */
export function b64uEncode(bytes) {
	const out = [];
	let i = 0;
	for (; i + 3 <= bytes.length; i += 3) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		out.push(B64[n >> 18], B64[(n >> 12) & 63], B64[(n >> 6) & 63],
		    B64[n & 63]);
	}
	const rest = bytes.length - i;
	if (rest === 1) {
		const n = bytes[i] << 16;
		out.push(B64[n >> 18], B64[(n >> 12) & 63]);
	} else if (rest === 2) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
		out.push(B64[n >> 18], B64[(n >> 12) & 63], B64[(n >> 6) & 63]);
	}
	return out.join('');
}

/*
 * Strict canonical base64url (no padding) decoder: returns null for any
 * character outside the alphabet, an impossible length, or non-zero unused
 * bits, so one byte string has exactly one text form.
 */
export function b64uDecode(str) {
	if (typeof str !== 'string' || str.length % 4 === 1)
		return null;
	const full = Math.floor(str.length / 4);
	const rest = str.length % 4;
	const out = new Uint8Array(full * 3 + (rest ? rest - 1 : 0));
	const val = (c) => (c < 128 ? B64REV[c] : -1);
	let o = 0;
	for (let i = 0; i < str.length; i += 4) {
		const n = Math.min(4, str.length - i);
		let acc = 0;
		for (let j = 0; j < n; j++) {
			const v = val(str.charCodeAt(i + j));
			if (v < 0)
				return null;
			acc |= v << (18 - 6 * j);
		}
		if (n === 4) {
			out[o++] = acc >> 16; out[o++] = (acc >> 8) & 255;
			out[o++] = acc & 255;
		} else if (n === 3) {
			if (acc & 0xff)
				return null;
			out[o++] = acc >> 16; out[o++] = (acc >> 8) & 255;
		} else {
			if (acc & 0xffff)
				return null;
			out[o++] = acc >> 16;
		}
	}
	return out;
}

/* Overwrites a secret in place; the bytes stay zero after a key is dropped. */
export function wipe(u8) {
	if (u8 && typeof u8.fill === 'function')
		u8.fill(0);
}

export function randomSecret() {
	return nacl.randomBytes(32);
}

/* Returns the 32-byte room key K, or null if ROOMKEY is malformed. */
export function deriveKey(roomKey, secret) {
	const rk = b64uDecode(roomKey);
	if (!rk || rk.length !== 16 || !secret || secret.length !== 32) {
		wipe(rk);
		return null;
	}
	const input = new Uint8Array(CONTEXT.length + 16 + 32);
	input.set(CONTEXT, 0);
	input.set(rk, CONTEXT.length);
	input.set(secret, CONTEXT.length + 16);
	const h = nacl.hash(input);
	const k = h.slice(0, 32);
	wipe(input); wipe(h); wipe(rk);
	return k;
}

export function bucketFor(len) {
	for (const b of BUCKETS)
		if (len + 1 <= b)
			return b;
	return Math.ceil((len + 1) / BIG) * BIG;
}

export function pad(bytes) {
	const out = new Uint8Array(bucketFor(bytes.length));
	out.set(bytes, 0);
	out[bytes.length] = 0x80;
	return out;
}

/* Returns a view without the padding, or null if the padding is invalid. */
export function unpad(bytes) {
	let i = bytes.length - 1;
	while (i >= 0 && bytes[i] === 0)
		i--;
	if (i < 0 || bytes[i] !== 0x80)
		return null;
	return bytes.subarray(0, i);
}

export function bodyLength(plainLen) {
	return Math.ceil((NONCE_LEN + TAG_LEN + bucketFor(plainLen)) * 4 / 3);
}

/*
 * Largest P0 (bytes) whose body fits a frame of maxFrame bytes after
 * `overhead` bytes of command and fields ("purr " + alias + " ").
 */
export function maxPlainBytes(maxFrame, overhead) {
	const room = maxFrame - overhead;
	let best = 0;
	for (let b = BUCKETS[0]; b <= room; b = bucketFor(b)) {
		if (Math.ceil((NONCE_LEN + TAG_LEN + b) * 4 / 3) > room)
			break;
		best = b - 1;
	}
	return best;
}

const enc = new TextEncoder();

export function plainBytes(kind, alias, text) {
	return enc.encode(kind + '\n' + alias + '\n' + text);
}

/* Encrypts one message; returns the BODY string. */
export function seal(key, kind, alias, text) {
	const p0 = plainBytes(kind, alias, text);
	const p = pad(p0);
	const nonce = nacl.randomBytes(NONCE_LEN);
	const c = nacl.secretbox(p, nonce, key);
	const out = new Uint8Array(NONCE_LEN + c.length);
	out.set(nonce, 0);
	out.set(c, NONCE_LEN);
	const body = b64uEncode(out);
	wipe(p0); wipe(p);
	return body;
}

/*
 * Decrypts and parses one BODY. Returns {kind, alias, text} or null when the
 * body is not an authentic, well-formed sanctuary/1 message.
 */
export function open(key, body) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < NONCE_LEN + TAG_LEN + 1)
		return null;
	const p = nacl.secretbox.open(raw.subarray(NONCE_LEN),
	    raw.subarray(0, NONCE_LEN), key);
	if (!p)
		return null;
	const p0 = unpad(p);
	let s = null;
	if (p0) {
		try {
			s = new TextDecoder('utf-8', {fatal: true}).decode(p0);
		} catch (e) {
			s = null;
		}
	}
	wipe(p);
	if (s === null)
		return null;
	const a = s.indexOf('\n');
	const b = a < 0 ? -1 : s.indexOf('\n', a + 1);
	if (b < 0)
		return null;
	const kind = s.slice(0, a);
	if (!KINDS.includes(kind))
		return null;
	return {kind, alias: s.slice(a + 1, b), text: s.slice(b + 1)};
}
