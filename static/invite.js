/*
 * Invites: http://HOST:PORT/#ROOMKEY.SECRET (see crypto.js). The fragment is
 * read once at start-up and removed from the address bar at once.
 */

import {b64uDecode, b64uEncode} from './crypto.js';
import {isRoomKey} from './proto.js';

const INVITE_RE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/*
 * Accepts a whole invite link or just its "KEY.SECRET" part. Returns
 * {roomKey, secret} (secret a fresh Uint8Array the caller must wipe) or null.
 */
export function parseInvite(text) {
	if (typeof text !== 'string')
		return null;
	let s = text.trim();
	const hash = s.lastIndexOf('#');
	if (hash >= 0)
		s = s.slice(hash + 1);
	const m = INVITE_RE.exec(s);
	if (!m || !isRoomKey(m[1]))
		return null;
	const secret = b64uDecode(m[2]);
	if (!secret || secret.length !== 32)
		return null;
	return {roomKey: m[1], secret};
}

export function formatInvite(roomKey, secret) {
	return location.origin + '/#' + roomKey + '.' + b64uEncode(secret);
}

/* Removes the fragment without adding a history entry. */
export function scrubAddressBar() {
	if (location.hash || location.href.endsWith('#'))
		history.replaceState(null, '', location.pathname + location.search);
}

/* Takes the invite out of the address bar; returns it parsed, or null. */
export function takeInviteFromLocation() {
	const frag = location.hash.length > 1 ? location.hash.slice(1) : '';
	scrubAddressBar();
	return frag ? parseInvite(frag) : null;
}

/* Draws TEXT as a QR code (dark on white, quiet zone 4) onto CANVAS. */
export function drawQr(canvas, text) {
	const qr = globalThis.qrcode(0, 'M');
	qr.addData(text, 'Byte');
	qr.make();
	const n = qr.getModuleCount();
	const quiet = 4;
	const scale = Math.max(3, Math.floor(264 / (n + 2 * quiet)));
	const size = (n + 2 * quiet) * scale;
	canvas.width = size;
	canvas.height = size;
	const g = canvas.getContext('2d');
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, size, size);
	g.fillStyle = '#111418';
	for (let r = 0; r < n; r++)
		for (let c = 0; c < n; c++)
			if (qr.isDark(r, c))
				g.fillRect((c + quiet) * scale, (r + quiet) * scale,
				    scale, scale);
}

/* Blanks a QR canvas so the invite does not linger in pixels. */
export function clearQr(canvas) {
	canvas.width = 1;
	canvas.height = 1;
}

/*
 * Copies the text of INPUT. navigator.clipboard needs a secure context, which
 * a LAN http page is not: fall back to selecting the text and execCommand.
 * Resolves to 'copied' or 'selected' (the user has to copy by hand).
 */
export async function copyField(input) {
	const text = input.value;
	if (window.isSecureContext && navigator.clipboard &&
	    navigator.clipboard.writeText) {
		try {
			await navigator.clipboard.writeText(text);
			return 'copied';
		} catch (e) {
			/* fall through to the selection */
		}
	}
	input.focus();
	input.select();
	input.setSelectionRange(0, text.length);
	let ok = false;
	try {
		ok = document.execCommand('copy');
	} catch (e) {
		ok = false;
	}
	return ok ? 'copied' : 'selected';
}
