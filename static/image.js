/*
 * Image attachments: decode the file locally, downscale on a canvas and
 * re-encode (WebP, else JPEG). In a version 2 room a photo keeps up to 1600
 * px on its long side and travels in parts (imgparts.js); in version 1 it
 * must fit one message. Re-encoding also drops EXIF data such as GPS
 * position.
 */

const SIZES = [1600, 1280, 1024, 800, 640, 480, 360, 256, 160];
const QUALITIES = [0.85, 0.72, 0.6, 0.45, 0.32];

async function decode(file) {
	if (typeof createImageBitmap === 'function') {
		try {
			return await createImageBitmap(file,
			    {imageOrientation: 'from-image'});
		} catch (e) {
			/* fall back to an <img> below */
		}
	}
	const url = URL.createObjectURL(file);
	try {
		const img = new Image();
		img.decoding = 'async';
		img.src = url;
		await img.decode();
		return img;
	} finally {
		URL.revokeObjectURL(url);
	}
}

function draw(source, w, h) {
	const canvas = document.createElement('canvas');
	canvas.width = w;
	canvas.height = h;
	const g = canvas.getContext('2d');
	/* JPEG has no alpha: give transparent images a white ground. */
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, w, h);
	g.drawImage(source, 0, 0, w, h);
	return canvas;
}

function encode(source, w, h, type, quality) {
	const canvas = draw(source, w, h);
	const url = canvas.toDataURL(type, quality);
	canvas.width = canvas.height = 1;
	return url;
}

function encodeBlob(source, w, h, type, quality) {
	const canvas = draw(source, w, h);
	return new Promise((resolve) => canvas.toBlob((b) => {
		canvas.width = canvas.height = 1;
		resolve(b);
	}, type, quality));
}

async function readable(file) {
	if (!file || !/^image\//.test(file.type))
		throw new Error('That file is not an image.');
	let src;
	try {
		src = await decode(file);
	} catch (e) {
		throw new Error('This image could not be read.', {cause: e});
	}
	const w = src.width || src.naturalWidth, h = src.height || src.naturalHeight;
	if (!w || !h)
		throw new Error('This image could not be read.');
	const probe = encode(src, 1, 1, 'image/webp', 0.5);
	return {src, w, h,
		type: probe.startsWith('data:image/webp') ? 'image/webp' : 'image/jpeg'};
}

/*
 * Tries FILE at each size and quality, largest first, until TRY(src, w, h,
 * type, q) returns something (it returns null for "too big"); throws an
 * Error with a sentence for the user if nothing fits.
 */
async function firstFit(file, tryOne) {
	const {src, w: w0, h: h0, type} = await readable(file);
	try {
		for (const max of SIZES) {
			const s = Math.min(1, max / Math.max(w0, h0));
			const w = Math.max(1, Math.round(w0 * s));
			const h = Math.max(1, Math.round(h0 * s));
			for (const q of QUALITIES) {
				const r = await tryOne(src, w, h, type, q);
				if (r !== null)
					return r;
			}
		}
	} finally {
		if (typeof src.close === 'function')
			src.close();
	}
	throw new Error('This image is too detailed to send, even made small.');
}

/*
 * FILE re-encoded at up to 1600 px on its long side in at most MAXBYTES:
 * {bytes, mime, width, height}; throws an Error with a sentence for the
 * user.
 */
export function imageParts(file, maxBytes) {
	return firstFit(file, async (src, w, h, type, q) => {
		const b = await encodeBlob(src, w, h, type, q);
		return b && b.size <= maxBytes ? {bytes: new Uint8Array(await b.arrayBuffer()),
			mime: b.type, width: w, height: h} : null;
	});
}

/*
 * Returns the HTML of an <img> message for FILE whose UTF-8 length is at most
 * MAXBYTES, or throws an Error with a sentence for the user.
 */
export function imageMessage(file, maxBytes) {
	return firstFit(file, (src, w, h, type, q) => {
		const html = '<img src="' + encode(src, w, h, type, q) + '" alt="image">';
		return html.length <= maxBytes ? html : null;
	});
}
