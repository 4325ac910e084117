/*
 * The composer's suggestion list: "/" at the start opens the commands with
 * their one-line help, "@" completes an alias of the room. A listbox above
 * the text field; the field keeps the focus and points at the active option
 * (aria-activedescendant), so it works with arrows, Enter, Tab and Escape,
 * and by tapping an option.
 */

import {state} from './state.js';
import {ui, el} from './ui.js';

export const COMMANDS = [
	['/purr', 'ALIAS MESSAGE', 'whisper to one person'],
	['/kick', 'ALIAS', 'remove someone (moderators)'],
	['/stop', '', 'close the room for everyone (moderators)'],
	['/exit', '[farewell]', 'leave, with an optional goodbye'],
	['/help', '', 'the commands and formatting']
];


function close() {
	state.suggest.items = [];
	state.suggest.active = -1;
	ui.suggest.hidden = true;
	ui.suggest.replaceChildren();
	ui.message.removeAttribute('aria-activedescendant');
}

function setActive(i) {
	state.suggest.active = i;
	ui.suggest.querySelectorAll('[role="option"]').forEach((o, k) =>
	    o.setAttribute('aria-selected', k === i ? 'true' : 'false'));
	ui.message.setAttribute('aria-activedescendant', 'suggest-' + i);
}

function show(list, label) {
	state.suggest.items = list;
	ui.suggest.replaceChildren();
	ui.suggest.setAttribute('aria-label', label);
	list.forEach((it, i) => {
		const o = el('li', 'option');
		o.id = 'suggest-' + i;
		o.setAttribute('role', 'option');
		const name = el('span', 'option-name', it.label);
		name.dir = 'auto';
		o.append(name);
		if (it.help)
			o.append(el('span', 'option-help', it.help));
		/* Keep the focus (and the phone's keyboard) in the text field. */
		o.addEventListener('pointerdown', (ev) => ev.preventDefault());
		o.addEventListener('click', () => choose(i));
		ui.suggest.append(o);
	});
	ui.suggest.hidden = false;
	setActive(0);
}

function choose(i) {
	const it = state.suggest.items[i];
	if (!it)
		return;
	const v = ui.message.value;
	ui.message.value = v.slice(0, state.suggest.range[0]) + it.insert + v.slice(state.suggest.range[1]);
	const at = state.suggest.range[0] + it.insert.length;
	ui.message.setSelectionRange(at, at);
	close();
	ui.message.focus();
	ui.message.dispatchEvent(new Event('input'));
}

function commandItems(prefix) {
	return COMMANDS.filter(([c]) => c.startsWith(prefix.toLowerCase()))
	    .map(([c, args, help]) => ({label: c + (args ? ' ' + args : ''),
	    help, insert: c + ' '}));
}

function mentionItems(prefix) {
	const s = state.session;
	const p = prefix.toLowerCase();
	return s.members.filter((a) => a !== s.alias &&
	    a.toLowerCase().startsWith(p)).slice(0, 5)
	    .map((a) => ({label: '@' + a, help: '', insert: '@' + a + ' '}));
}

/* Looks at the text before the caret and lists what fits, if anything. */
export function suggestUpdate() {
	const v = ui.message.value;
	const caret = ui.message.selectionStart;
	if (!state.session || caret !== ui.message.selectionEnd) {
		close();
		return;
	}
	const before = v.slice(0, caret);
	let m = /^\/(\S*)$/.exec(before);
	if (m && !v.startsWith('//')) {
		state.suggest.range = [0, caret + (/^\S*/.exec(v.slice(caret))[0].length)];
		const list = commandItems('/' + m[1]);
		return list.length ? show(list, 'Commands') : close();
	}
	m = /(?:^|\s)@([^\s@]*)$/.exec(before);
	if (m) {
		state.suggest.range = [caret - m[1].length - 1, caret];
		const list = mentionItems(m[1]);
		return list.length ? show(list, 'People to mention') : close();
	}
	close();
}

/* The field's keys while the list is open; true if the key was used. */
export function suggestKey(ev) {
	if (ui.suggest.hidden || !state.suggest.items.length)
		return false;
	switch (ev.key) {
	case 'ArrowDown':
		setActive((state.suggest.active + 1) % state.suggest.items.length);
		break;
	case 'ArrowUp':
		setActive((state.suggest.active + state.suggest.items.length - 1) % state.suggest.items.length);
		break;
	case 'Enter':
	case 'Tab':
		if (ev.shiftKey || ev.isComposing)
			return false;
		/* Typed in full already: Enter sends, as without the list. */
		if (ev.key === 'Enter' && ui.message.value.slice(state.suggest.range[0],
		    state.suggest.range[1]).trim() === state.suggest.items[state.suggest.active].insert.trim()) {
			close();
			return false;
		}
		choose(state.suggest.active);
		break;
	case 'Escape':
		close();
		break;
	default:
		return false;
	}
	ev.preventDefault();
	return true;
}

export function suggestClose() {
	close();
}
