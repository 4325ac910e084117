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
