/*
 * "ben is typing…" under the log: who sent a `typing` message in the last
 * SHOW_MS (a typist's page sends one every 3 s, see session.js), cleared
 * when their message arrives or they leave. The line is no live region:
 * announcing it every few seconds would drown the log. Off in the room
 * menu (prefs.typing) means none is sent and none is shown.
 */

import {prefs} from './alert.js';
import {ui} from './ui.js';

const SHOW_MS = 5000;
const typists = new Map();	/* alias -> timer */

function render() {
	const names = [...typists.keys()];
	ui.typing.hidden = names.length === 0;
	ui.typing.textContent = names.length === 0 ? '' :
	    names.length === 1 ? names[0] + ' is typing…' :
	    names.length === 2 ? names[0] + ' and ' + names[1] + ' are typing…' :
	    names.length + ' people are typing…';
}

export function typingStop(alias) {
	const t = typists.get(alias);
	if (t === undefined)
		return;
	clearTimeout(t);
	typists.delete(alias);
	render();
}

export function typingFrom(alias) {
	if (!prefs.typing)
		return;
	clearTimeout(typists.get(alias));
	typists.set(alias, setTimeout(() => typingStop(alias), SHOW_MS));
	render();
}

export function typingClear() {
	for (const t of typists.values())
		clearTimeout(t);
	typists.clear();
	render();
}
