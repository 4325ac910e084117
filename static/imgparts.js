/*
 * Images in parts (sanctuary(7), "Images"): an image too big for one frame
 * travels as COUNT `img` messages, each signed and numbered like any other;
 * the receiver keeps the parts until all are in and the hash of the whole
 * matches, and never shows a part alone. Bounds keep a hostile member from
 * making us hold unbounded memory: parts per image, bytes per image, images
 * being put together per sender and in all, and a deadline.
 *
 * TEXT = IMGID SP INDEX SP COUNT SP MIME SP HASH "\n" DATA
 * No DOM, no socket: session.js feeds the parts and reports what comes of
 * them. Part buffers are wiped when an image completes, fails or expires.
 */

import {b64uDecode, b64uEncode, wipe} from './crypto.js';

export const MAX_PARTS = 64;
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
export const MAX_PENDING_PER_SENDER = 2;
export const MAX_PENDING = 4;
export const PARTS_WAIT_MS = 30000;
export const MIMES = ['image/jpeg', 'image/png', 'image/webp'];
/* The head of TEXT at its longest: 16 + 2 + 2 + 10 + 43, four spaces, "\n". */
export const HEAD_MAX = 16 + 1 + 2 + 1 + 2 + 1 + 10 + 1 + 43 + 1;

const HEAD_RE = /^([A-Za-z0-9_-]{1,16}) (0|[1-9][0-9]?) ([1-9][0-9]?) (image\/(?:jpeg|png|webp)) ([A-Za-z0-9_-]{43})$/;

/* HASH: base64url of the first 32 bytes of SHA-512 of the whole image. */
export function imageHash(bytes) {
	const h = globalThis.nacl.hash(bytes);
	const out = b64uEncode(h.subarray(0, 32));
	wipe(h);
	return out;
}

/*
 * The TEXTs of BYTES (an image of MIME) in parts of at most PARTBYTES
 * bytes each, or null if that needs more than MAX_PARTS.
 */
export function splitImage(bytes, mime, partBytes) {
	const count = Math.max(1, Math.ceil(bytes.length / partBytes));
	if (count > MAX_PARTS || bytes.length > MAX_IMAGE_BYTES ||
	    !MIMES.includes(mime))
		return null;
	const id = b64uEncode(globalThis.nacl.randomBytes(9));
	const hash = imageHash(bytes);
	const texts = [];
	for (let i = 0; i < count; i++)
		texts.push([id, i, count, mime, hash].join(' ') + '\n' +
		    b64uEncode(bytes.subarray(i * partBytes, (i + 1) * partBytes)));
	return texts;
}

/* Bytes of image data that fit a TEXT of at most MAXTEXT bytes. */
export function partBytesFor(maxText) {
	return Math.floor((maxText - HEAD_MAX) / 4) * 3;
}

function parsePart(text) {
	const nl = text.indexOf('\n');
	const m = nl > 0 ? HEAD_RE.exec(text.slice(0, nl)) : null;
	if (!m || Number(m[2]) >= Number(m[3]) || Number(m[3]) > MAX_PARTS)
		return null;
	const data = b64uDecode(text.slice(nl + 1));
	if (!data || data.length === 0) {
		wipe(data);
		return null;
	}
	return {id: m[1], index: Number(m[2]), count: Number(m[3]), mime: m[4],
		hash: m[5], data};
}

function dropImage(img) {
	for (const p of img.parts)
		wipe(p);
	img.parts.length = 0;
}

export class ImageParts {
	constructor() {
		this.pending = new Map();	/* FROM \n kind \n IMGID -> image */
		this.dead = new Map();	/* key of a failed image -> until */
	}

	/*
	 * A verified `img` part TEXT from FROM (WHISPER if it came in a purr):
	 * {done: {mime, bytes}} when the image is complete and its hash
	 * matches, {failed: true} when the image cannot be received (a bad
	 * part, over a bound, a hash that does not match), null while waiting.
	 */
	add(from, whisper, text, now) {
		const p = parsePart(text);
		if (!p)
			return {failed: true};	/* nothing to tie it to: one note */
		const key = from + '\n' + (whisper ? 'purr' : 'msg') + '\n' + p.id;
		if (this.dead.has(key)) {
			wipe(p.data);	/* the rest of an image already given up */
			return null;
		}
		let img = this.pending.get(key);
		if (!img) {
			if (!this.room(from)) {
				wipe(p.data);
				this.bury(key, now);
				return {failed: true};
			}
			img = {from, count: p.count, mime: p.mime, hash: p.hash,
				parts: new Array(p.count), got: 0, bytes: 0,
				until: now + PARTS_WAIT_MS, whisper};
			this.pending.set(key, img);
		}
		if (p.count !== img.count || p.mime !== img.mime || p.hash !== img.hash ||
		    img.bytes + p.data.length > MAX_IMAGE_BYTES) {
			wipe(p.data);
			return this.fail(key);
		}
		if (img.parts[p.index]) {
			wipe(p.data);	/* a second copy of a part: the first stays */
			return null;
		}
		img.parts[p.index] = p.data;
		img.got++;
		img.bytes += p.data.length;
		return img.got === img.count ? this.finish(key) : null;
	}

	/* Room for one more image from FROM, within both bounds. */
	room(from) {
		if (this.pending.size >= MAX_PENDING)
			return false;
		let n = 0;
		for (const img of this.pending.values())
			if (img.from === from)
				n++;
		return n < MAX_PENDING_PER_SENDER;
	}

	fail(key) {
		const img = this.pending.get(key);
		dropImage(img);
		this.pending.delete(key);
		this.bury(key, img.until);
		return {failed: true};
	}

	/* Parts of KEY that still come are dropped without a word. */
	bury(key, until) {
		this.dead.set(key, until);
		if (this.dead.size > 2 * MAX_PARTS)
			this.dead.delete(this.dead.keys().next().value);
	}

	finish(key) {
		const img = this.pending.get(key);
		this.pending.delete(key);
		const bytes = new Uint8Array(img.bytes);
		let at = 0;
		for (const p of img.parts) {
			bytes.set(p, at);
			at += p.length;
		}
		dropImage(img);
		if (imageHash(bytes) !== img.hash) {
			wipe(bytes);
			this.bury(key, img.until);
			return {failed: true};
		}
		return {done: {mime: img.mime, bytes}};
	}

	/* Drops the images past their deadline: [{from, whisper}]. */
	expire(now) {
		const gone = [];
		for (const [key, until] of this.dead)
			if (now >= until + PARTS_WAIT_MS)
				this.dead.delete(key);
		for (const [key, img] of this.pending)
			if (now >= img.until) {
				gone.push({from: img.from, whisper: img.whisper});
				this.fail(key);
			}
		return gone;
	}

	clear() {
		for (const img of this.pending.values())
			dropImage(img);
		this.pending.clear();
		this.dead.clear();
	}

	get size() {
		return this.pending.size + this.dead.size;
	}
}
