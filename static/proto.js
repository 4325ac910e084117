/*
 * Relay protocol version 1 (see man/sanctuary.7): field checks that mirror
 * the relay's, frame parsing, and the human words for every error and close
 * code.
 */

export const VERSION = '1';
/* Rooms are created and joined with version 2 when the relay speaks it. */
export const VERSION2 = '2';
const ID_RE = /^[1-9][0-9]{0,15}$/;

/* A frame ID: decimal 1..2^53-1 without a leading zero. */
export function isId(s) {
	return typeof s === 'string' && ID_RE.test(s) &&
	    Number(s) <= Number.MAX_SAFE_INTEGER;
}
/* The relay's --max-message: its default and its range (chatroom(8)). */
export const MAX_FRAME = 65536;
export const MAX_FRAME_MIN = 256;
export const MAX_FRAME_MAX = 16777216;
export const MAX_ALIAS_BYTES = 32;

const KEY_RE = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const TOKEN_RE = /^[A-Za-z0-9_-]{22}$/;
const BODY_RE = /^[\x21-\x7e]+$/;

/* Characters the relay refuses in an alias (controls, white space, invisibles). */
const ALIAS_BAD = new RegExp('[' +
    '\\u0000-\\u0020\\u007f-\\u00a0\\u00ad' +
    '\\u061c\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f' +
    '\\u205f-\\u2064\\u2066-\\u206f\\u3000\\ufeff' +
    ']', 'u');
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

export function isRoomKey(s) {
	return typeof s === 'string' && KEY_RE.test(s);
}

export function isToken(s) {
	return typeof s === 'string' && TOKEN_RE.test(s);
}

export function isBody(s) {
	return typeof s === 'string' && BODY_RE.test(s);
}

/*
 * The frame limit servchat announced (its --max-message, which mirrors the
 * relay's), or MAX_FRAME when it said nothing usable: an older servchat, or
 * a value the relay could not have.
 */
export function frameLimit(n) {
	return Number.isInteger(n) && n >= MAX_FRAME_MIN && n <= MAX_FRAME_MAX ?
	    n : MAX_FRAME;
}

export function utf8Length(s) {
	return new TextEncoder().encode(s).length;
}

/* Returns null if ALIAS is acceptable, else a sentence saying why not. */
export function aliasProblem(alias) {
	if (typeof alias !== 'string' || alias.length === 0)
		return 'Pick an alias first.';
	if (LONE_SURROGATE.test(alias))
		return 'That alias contains a broken character.';
	if (ALIAS_BAD.test(alias))
		return 'Aliases cannot contain spaces or invisible characters.';
	if (alias === '*')
		return 'The alias “*” is reserved.';
	if (utf8Length(alias) > MAX_ALIAS_BYTES)
		return 'That alias is too long (at most 32 bytes).';
	return null;
}

/* Aliases are compared ASCII-case-insensitively, other bytes exactly. */
export function sameAlias(a, b) {
	return a.replace(/[A-Z]/g, (c) => c.toLowerCase()) ===
	    b.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/*
 * Splits a relay frame into its command and fields. Returns null for a frame
 * that does not follow the grammar, which the client then ignores.
 */
export function parseFrame(text) {
	if (typeof text !== 'string' || text.length === 0)
		return null;
	const f = text.split(' ');
	if (f.some((x) => x.length === 0))
		return null;
	const cmd = f[0];
	const n = f.length - 1;
	switch (cmd) {
	case 'welcome':
		if (n < 4 || !isToken(f[1]) || (f[2] !== 'owner' && f[2] !== 'everyone'))
			return null;
		return {cmd, token: f[1], mode: f[2],
		    moderator: f[3] === '*' ? null : f[3], members: f.slice(4)};
	case 'joined':
		return n === 1 ? {cmd, alias: f[1]} : null;
	case 'left':
		if (n === 1)
			return {cmd, alias: f[1], body: null};
		return n === 2 ? {cmd, alias: f[1], body: f[2]} : null;
	case 'moderator':
		return n === 1 ? {cmd, alias: f[1]} : null;
	case 'msg':
	case 'purr':
		return n === 2 ? {cmd, from: f[1], body: f[2]} : null;
	case 'kicked':
		return n === 2 ? {cmd, alias: f[1], by: f[2]} : null;
	case 'stopped':
		return n === 1 ? {cmd, by: f[1]} : null;
	case 'error':
		if (n === 2 && isId(f[2]))
			return {cmd, code: f[1], id: Number(f[2])};
		return n === 1 ? {cmd, code: f[1], id: null} : null;
	case 'ack':
	case 'pong':
		return n === 1 && isId(f[1]) ? {cmd, id: Number(f[1])} : null;
	case 'rekey':
		return n === 2 ? {cmd, from: f[1], body: f[2]} : null;
	default:
		return null;
	}
}

export const ERRORS = {
	version: 'This relay speaks another protocol version. Reload the page to get the matching client.',
	badcommand: 'The relay did not understand a command from this page.',
	badkey: 'This invite’s room key is not valid. Ask for a new invite.',
	badalias: 'That alias contains invisible or unusual characters (spaces, joiners, fillers, unassigned code points), or is longer than 32 bytes, or is “*”. Pick another one.',
	badmode: 'The relay refused the moderation mode.',
	badbody: 'The relay refused a message as malformed; it was not delivered.',
	badtoken: 'Your old place in the room could not be resumed.',
	notjoined: 'You are not in a room yet.',
	joined: 'You are already in a room.',
	exists: 'A room with this key already exists.',
	noroom: 'This room does not exist any more: everyone left, or it was stopped.',
	aliastaken: 'Someone in the room already uses that alias, or one that looks the same (other letters that render alike, other capitals). Pick another one.',
	roomfull: 'This room is full.',
	toomanyrooms: 'The relay is hosting as many rooms as it can. Try again later.',
	nosuchmember: 'There is nobody with that alias in the room.',
	self: 'You cannot do that to yourself.',
	notallowed: 'Only the moderator can do that.',
	flood: 'You are sending too fast: a message was not delivered.',
	badid: 'The relay refused a message number from this page.',
	roomversion: 'This room speaks another version of the protocol.',
	stale: 'Someone else changed the room’s link at the same moment; the room keeps theirs.'
};

export function errorText(code) {
	return ERRORS[code] || 'The relay refused the last command (' + code + ').';
}

export const CLOSES = {
	1000: 'You left the room.',
	1001: 'The relay is shutting down.',
	1002: 'The relay closed the connection: protocol error.',
	1003: 'The relay closed the connection: it only accepts text.',
	1006: 'The connection to the relay was lost.',
	1007: 'The relay closed the connection: invalid text encoding.',
	1009: 'The relay closed the connection: a message was too large.',
	1011: 'The relay ran into an internal error.',
	4001: 'You were removed from the room.',
	4002: 'The room was stopped.',
	4003: 'The relay closed the connection: joining took too long.',
	4004: 'This place in the room was taken over by another connection (another tab or device).'
};

const POLICY = {
	flood: 'The relay closed the connection: too many messages too fast.',
	queue: 'The relay closed the connection: this device was not keeping up.',
	timeout: 'The relay closed the connection: the connection stopped answering.'
};

export function closeText(code, reason) {
	if (code === 1008)
		return POLICY[reason] || 'The relay closed the connection (policy).';
	return CLOSES[code] || 'The connection to the relay closed (code ' + code + ').';
}
