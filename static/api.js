/*
 * What the page asks servchat: its configuration (where the relay is and
 * how large a message it takes), fetched once, and fresh room keys.
 */

import {frameLimit} from './proto.js';
import {state} from './state.js';

async function getConfig() {
	if (state.config)
		return state.config;
	const r = await fetch('/api/config', {cache: 'no-store', credentials: 'omit'});
	if (!r.ok)
		throw new Error('config ' + r.status);
	state.config = await r.json();
	return state.config;
}

export async function relayUrl() {
	const c = await getConfig();
	if (typeof c.relay === 'string' && /^wss?:\/\//.test(c.relay))
		return c.relay;
	const proto = location.protocol === 'https:' ? 'wss' : 'ws';
	/* location.hostname keeps the brackets of an IPv6 literal. */
	return proto + '://' + location.hostname + ':' + Number(c.chatport) + '/';
}

/* The relay's largest frame; the default if servchat does not say. */
export async function maxFrame() {
	return frameLimit((await getConfig()).maxmessage);
}

export async function freshRoomKey() {
	const r = await fetch('/api/key', {cache: 'no-store', credentials: 'omit'});
	if (!r.ok)
		throw new Error('key ' + r.status);
	const j = await r.json();
	return j.key;
}
