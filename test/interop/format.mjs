/*
 * format.mjs: the "sanctuary/1" message format of sanctuary(7) for Node,
 * written from the manual with tweetnacl (pinned here, the library the
 * browser uses), and the peers' line protocol: the line a member prints for
 * each frame it receives, exactly as the C client sanctuary-client does.
 */

import nacl from 'tweetnacl';

const B64U = /^[A-Za-z0-9_-]*$/;

/* Strict unpadded base64url: null for a non-canonical string. */
export function b64uDecode(s) {
	if (typeof s !== 'string' || !B64U.test(s) || s.length % 4 === 1)
		return null;
	const b = Buffer.from(s, 'base64url');
	return b.toString('base64url') === s ? new Uint8Array(b) : null;
}

export function b64uEncode(u8) {
	return Buffer.from(u8).toString('base64url');
}

export function deriveKey(roomKeyBytes, secret) {
	const h = nacl.hash(new Uint8Array(Buffer.concat([Buffer.from('sanctuary/1'),
	    Buffer.from(roomKeyBytes), Buffer.from(secret)])));
	return h.slice(0, 32);
}

/* KEY.SECRET or a whole invite link -> {roomKey, key}, or null. */
export function parseInvite(text) {
	const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(text.split('#').pop());
	if (!m)
		return null;
	const rk = b64uDecode(m[1]), secret = b64uDecode(m[2]);
	if (!rk || rk.length !== 16 || !secret || secret.length !== 32)
		return null;
	return {roomKey: m[1], key: deriveKey(rk, secret)};
}

export function bucketFor(n) {
	for (const b of [256, 1024, 4096, 16384])
		if (n + 1 <= b)
			return b;
	return Math.ceil((n + 1) / 16384) * 16384;
}

export function seal(key, kind, alias, text) {
	const p0 = Buffer.from(kind + '\n' + alias + '\n' + text, 'utf8');
	const p = new Uint8Array(bucketFor(p0.length));
	p.set(p0);
	p[p0.length] = 0x80;
	const nonce = nacl.randomBytes(24);
	return b64uEncode(Buffer.concat([nonce, nacl.secretbox(p, nonce, key)]));
}

/* The TEXT of an authentic KIND message from SENDER, else null. */
export function unseal(key, kind, sender, body) {
	const raw = b64uDecode(body);
	if (!raw || raw.length < 41)
		return null;
	const p = nacl.secretbox.open(raw.subarray(24), raw.subarray(0, 24), key);
	if (!p)
		return null;
	let i = p.length - 1;
	while (i >= 0 && p[i] === 0)
		i--;
	if (i < 0 || p[i] !== 0x80)
		return null;
	let s;
	try {
		s = new TextDecoder('utf-8', {fatal: true}).decode(p.subarray(0, i));
	} catch (e) {
		return null;
	}
	const a = s.indexOf('\n'), b = a < 0 ? -1 : s.indexOf('\n', a + 1);
	if (b < 0 || s.slice(0, a) !== kind || s.slice(a + 1, b) !== sender)
		return null;
	return s.slice(b + 1);
}

/* Untrusted text on one line, as the C client prints it. */
export function escape(s) {
	let o = '';
	for (const ch of s) {
		const c = ch.codePointAt(0);
		if (ch === '\\')
			o += '\\\\';
		else if (ch === '\n')
			o += '\\n';
		else if (ch === '\r')
			o += '\\r';
		else if (ch === '\t')
			o += '\\t';
		else if (c < 0x20 || c === 0x7f)
			o += '\\x' + c.toString(16).padStart(2, '0');
		else
			o += ch;
	}
	return o;
}

export function unescape(s) {
	return s.replace(/\\([n\\])/g, (m, c) => (c === 'n' ? '\n' : '\\'));
}

export function closeLine(code, reason) {
	return 'close ' + code + (reason ? ' ' + escape(reason) : '');
}

/* The line a member prints for one text frame from the relay. */
export function lineFor(key, frame) {
	const f = frame.split(' ');
	if (f.length === 3 && (f[0] === 'msg' || f[0] === 'purr' || f[0] === 'left')) {
		const text = unseal(key, f[0] === 'left' ? 'exit' : f[0], f[1], f[2]);
		return text === null ? 'unverified ' + f[0] + ' ' + escape(f[1]) :
		    f[0] + ' ' + escape(f[1]) + ' ' + escape(text);
	}
	const known = f[0] === 'welcome' ||
	    (f.length === 2 && ['joined', 'left', 'moderator', 'stopped', 'error'].includes(f[0])) ||
	    (f.length === 3 && f[0] === 'kicked');
	return known ? escape(frame) : 'frame ' + escape(frame);
}
