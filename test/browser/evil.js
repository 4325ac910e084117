/*
 * evil.js: what a lying relay does, for the tests. The relay stamps FROM
 * on every frame (sanctuary(7)); one that lies could stamp another alias or
 * send a captured frame again. ServerFrames reads the relay's side of one
 * connection (the 101 head, then unmasked frames); tapRelay() puts a hook
 * between the relay and one browser that may rewrite, repeat or drop each
 * text frame. What the browser sends passes as it is.
 */

export class ServerFrames {
	constructor() {
		this.buf = Buffer.alloc(0);
		this.inHead = true;
	}

	/* Frames completed by D: {raw, fin, opcode, text (a text frame) or null}. */
	push(d) {
		this.buf = Buffer.concat([this.buf, d]);
		const out = [];
		if (this.inHead) {
			const end = this.buf.indexOf('\r\n\r\n');
			if (end < 0)
				return out;
			out.push({raw: this.buf.subarray(0, end + 4), head: true});
			this.buf = this.buf.subarray(end + 4);
			this.inHead = false;
		}
		for (let f; (f = this.next()) !== null;)
			out.push(f);
		return out;
	}

	next() {
		const b = this.buf;
		if (b.length < 2)
			return null;
		let len = b[1] & 0x7f, off = 2;
		if (len === 126) {
			if (b.length < 4)
				return null;
			len = b.readUInt16BE(2);
			off = 4;
		} else if (len === 127) {
			if (b.length < 10)
				return null;
			len = Number(b.readBigUInt64BE(2));
			off = 10;
		}
		if (b.length < off + len)
			return null;
		const raw = b.subarray(0, off + len);
		this.buf = b.subarray(off + len);
		const fin = (b[0] & 0x80) !== 0, opcode = b[0] & 0x0f;
		return {raw, fin, opcode, text: fin && opcode === 1 ?
		    raw.subarray(off).toString('utf8') : null};
	}
}

/* An unmasked FIN text frame, as a relay sends it. */
export function textFrame(text) {
	const p = Buffer.from(text, 'utf8');
	let h;
	if (p.length < 126) {
		h = Buffer.from([0x81, p.length]);
	} else if (p.length < 65536) {
		h = Buffer.from([0x81, 126, 0, 0]);
		h.writeUInt16BE(p.length, 2);
	} else {
		h = Buffer.alloc(10);
		h[0] = 0x81;
		h[1] = 127;
		h.writeBigUInt64BE(BigInt(p.length), 2);
	}
	return Buffer.concat([h, p]);
}

/* Relay UP to browser CLIENT through HOOK(text) -> texts to send instead. */
export function tapRelay(up, client, hook) {
	const frames = new ServerFrames();
	up.on('data', (d) => {
		for (const f of frames.push(d)) {
			if (f.text === null || f.text === undefined) {
				client.write(f.raw);
				continue;
			}
			for (const t of hook(f.text))
				client.write(textFrame(t));
		}
	});
	up.on('end', () => client.end());
}
