/*
 * The conversation log: notices and chat messages, grouped by sender and
 * time, at most MAX_LOG entries, and the unread count in the title while
 * the tab is hidden. HTML comes only through renderMessage(); aliases are
 * text.
 */

import {renderMessage, isEmptyRender} from './render.js';
import {state} from './state.js';
import {ui, el, TITLE} from './ui.js';

const GROUP_MS = 5 * 60 * 1000;
const MAX_LOG = 2000;		/* entries kept on screen; older ones go */

export function colorClass(alias) {
	let h = 2166136261;
	for (let i = 0; i < alias.length; i++)
		h = Math.imul(h ^ alias.charCodeAt(i), 16777619);
	return 'c' + ((h >>> 0) % 8);
}

function clock(d) {
	return d.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
}

function atBottom() {
	return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
}

function append(node, force) {
	const stick = force || atBottom();
	ui.log.append(node);
	while (ui.log.childElementCount > MAX_LOG)
		ui.log.firstElementChild.remove();
	if (stick)
		ui.log.scrollTop = ui.log.scrollHeight;
}

export function notice(text, kind) {
	const n = el('p', 'notice' + (kind ? ' ' + kind : ''), text);
	append(n);
	return n;
}

/* An alias as its own bidi island, so "مها" beside a time stays in order. */
function aliasSpan(name, text) {
	const a = el('span', 'who ' + colorClass(name), text);
	a.dir = 'auto';
	return a;
}

/* Adds one chat message. Returns the message element, or null. */
export function addMessage({from, html, mine, whisper, to}) {
	let frag;
	try {
		frag = renderMessage(html);
	} catch (e) {
		notice('A message from ' + (mine ? 'you' : from) + ' could not be displayed.', 'warn');
		return null;
	}
	if (isEmptyRender(frag))
		return null;
	const now = new Date();
	const prev = ui.log.lastElementChild;
	const key = (mine ? '\u0001' : from) + (whisper ? '\u0002' + (to || '') : '');
	const cont = prev && prev.classList.contains('msg') &&
	    prev.dataset.key === key && now - Number(prev.dataset.t) < GROUP_MS;

	const m = el('article', 'msg' + (mine ? ' mine' : '') +
	    (whisper ? ' whisper' : '') + (cont ? ' cont' : ''));
	m.dataset.key = key;
	m.dataset.t = String(now.getTime());
	const meta = el('header', 'meta');
	if (whisper) {
		meta.append(el('span', 'whisper-tag', mine ? 'whisper to' : 'whisper from'));
		meta.append(aliasSpan(mine ? to : from, mine ? to : from));
	} else {
		meta.append(aliasSpan(from, mine ? 'You' : from));
	}
	const t = el('time', 'time', clock(now));
	t.dateTime = now.toISOString();
	meta.append(t);
	if (cont)
		meta.classList.add('visually-hidden');
	const bubble = el('div', 'bubble');
	/* Each message finds its own direction: Arabic reads right to left. */
	bubble.dir = 'auto';
	if (frag.childNodes.length === 1 && frag.firstChild.nodeName === 'IMG')
		bubble.classList.add('media');
	bubble.append(frag);
	m.append(meta, bubble);
	append(m, mine);
	if (!mine)
		bumpUnread();
	return m;
}

export function bumpUnread() {
	if (document.visibilityState !== 'hidden')
		return;
	state.unread++;
	document.title = '(' + state.unread + ') ' + TITLE;
}

function onVisibility() {
	if (document.visibilityState === 'visible') {
		state.unread = 0;
		document.title = TITLE;
	}
}

export function logInit() {
	document.addEventListener('visibilitychange', onVisibility);
}
