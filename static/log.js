/*
 * The conversation log: notices and chat messages, grouped by sender and
 * time, at most MAX_LOG entries; the unread count in the title while the
 * tab is hidden, an unread divider and a "new messages" pill while the
 * person reads further up; long messages folded, code blocks with a Copy
 * button, mentions of us highlighted. HTML comes only through
 * renderMessage(); aliases are text; everything added here around a
 * message is made with el().
 */

import {alertMessage} from './alert.js';
import {renderMessage, isEmptyRender} from './render.js';
import {state} from './state.js';
import {ui, el, TITLE} from './ui.js';

const GROUP_MS = 5 * 60 * 1000;
const MAX_LOG = 2000;		/* entries kept on screen; older ones go */
const FOLD_LINES = 25;		/* a longer message shows this many, then "Show more" */


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

function toBottom() {
	ui.log.scrollTop = ui.log.scrollHeight;
	state.log.pinned = true;
}

/* Adds NODE; DECORATE(node) runs once it is laid out, before scrolling. */
function append(node, force, decorate) {
	const stick = force || atBottom();
	ui.log.append(node);
	while (ui.log.childElementCount > MAX_LOG)
		ui.log.firstElementChild.remove();
	if (decorate)
		decorate(node);
	if (stick)
		toBottom();
	return stick;
}

function setPill() {
	ui.newPill.hidden = state.log.unseen === 0;
	ui.newPill.textContent = state.log.unseen === 1 ? '1 new message ↓' :
	    state.log.unseen + ' new messages ↓';
}

/* The first of a run of unread messages gets the divider above it. */
function markUnseen(m) {
	if (state.log.unseen === 0 && state.unread <= 1) {
		const old = ui.log.querySelector('.unread-divider');
		if (old)
			old.remove();
		const d = el('div', 'unread-divider');
		d.setAttribute('role', 'separator');
		d.append(el('span', '', 'New'));
		m.before(d);
	}
}

function onScroll() {
	state.log.pinned = atBottom();
	if (state.log.pinned && state.log.unseen) {
		state.log.unseen = 0;
		setPill();
	}
}

/* Shrinking the log (the composer grew, the keyboard opened) keeps its end in view. */
function onResize() {
	if (state.log.pinned)
		ui.log.scrollTop = ui.log.scrollHeight;
}

/* Resets the log for a new room. */
export function logClear() {
	ui.log.replaceChildren();
	state.log.unseen = 0;
	state.log.pinned = true;
	setPill();
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

function escapeRe(s) {
	return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/* "@alias" as a word of its own, in any case. */
function mentionRe(alias, flags) {
	return new RegExp('(^|[\\s(\\[{"\'“«])@' + escapeRe(alias) +
	    '(?=$|[\\s.,:;!?)\\]}"\'”»…])', 'iu' + (flags || ''));
}

export function mentions(text, alias) {
	return !!alias && mentionRe(alias).test(text);
}

/* Wraps each "@alias" of ours in ROOT's text (not in code) in a highlight. */
function highlightMentions(root, alias) {
	const re = mentionRe(alias, 'g');
	const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
	const hits = [];
	for (let n = walker.nextNode(); n; n = walker.nextNode())
		if (!n.parentNode.closest('code, pre, a'))
			hits.push(n);
	for (const n of hits) {
		const text = n.data;
		const out = [];
		let last = 0;
		for (const m of text.matchAll(re)) {
			const at = m.index + m[1].length;
			const end = m.index + m[0].length;
			out.push(text.slice(last, at));
			out.push(el('mark', 'mention', text.slice(at, end)));
			last = end;
		}
		if (out.length) {
			out.push(text.slice(last));
			n.replaceWith(...out);
		}
	}
}

/*
 * Copies TEXT. navigator.clipboard needs a secure context; elsewhere the
 * text is selected in NODE and copied with execCommand.
 */
async function copyText(text, node) {
	if (window.isSecureContext && navigator.clipboard) {
		try {
			await navigator.clipboard.writeText(text);
			return true;
		} catch (e) {
			/* fall through to the selection */
		}
	}
	const sel = window.getSelection();
	const r = document.createRange();
	r.selectNodeContents(node);
	sel.removeAllRanges();
	sel.addRange(r);
	try {
		return document.execCommand('copy');
	} catch (e) {
		return false;
	}
}

/* Each <pre> gets a Copy button beside it (the block itself scrolls). */
function addCopyButtons(bubble) {
	for (const pre of Array.from(bubble.querySelectorAll('pre'))) {
		const box = el('div', 'code');
		pre.replaceWith(box);
		const b = el('button', 'copy-code', 'Copy');
		b.type = 'button';
		b.addEventListener('click', async () => {
			const ok = await copyText(pre.textContent, pre);
			b.textContent = ok ? 'Copied' : 'Selected';
		});
		pre.tabIndex = 0;
		box.append(pre, b);
	}
}

/* A message taller than FOLD_LINES lines shows that many and "Show more". */
function foldIfLong(m, bubble) {
	const lh = parseFloat(getComputedStyle(bubble).lineHeight) || 22;
	if (bubble.scrollHeight <= lh * (FOLD_LINES + 2))
		return;
	bubble.id = 'bubble-' + (++state.log.serial);
	bubble.classList.add('folded');
	const b = el('button', 'fold', 'Show more');
	b.type = 'button';
	b.setAttribute('aria-expanded', 'false');
	b.setAttribute('aria-controls', bubble.id);
	b.addEventListener('click', () => {
		const open = bubble.classList.toggle('folded') === false;
		b.textContent = open ? 'Show less' : 'Show more';
		b.setAttribute('aria-expanded', String(open));
	});
	m.append(b);
}

/* Standard base64 of BYTES, in slices (String.fromCharCode takes so many arguments). */
function base64(bytes) {
	let bin = '';
	for (let i = 0; i < bytes.length; i += 0x8000)
		bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
	return btoa(bin);
}

/* Tapping IMG (or Enter, Space on it) opens it full size in the viewer. */
function openable(img) {
	img.tabIndex = 0;
	img.setAttribute('role', 'button');
	img.setAttribute('aria-label', 'Open the image full size');
	const open = () => {
		ui.imageFull.src = img.src;
		ui.imageDialog.showModal();
	};
	img.addEventListener('click', open);
	img.addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter' || ev.key === ' ') {
			ev.preventDefault();
			open();
		}
	});
}

/*
 * Adds an image that came in parts (version 2): BYTES of MIME, already
 * verified. Shown as a data: URL, as images in messages are.
 */
export function addImage({from, mine, whisper, to, mime, bytes}) {
	const img = document.createElement('img');
	img.alt = 'image';
	img.src = 'data:' + mime + ';base64,' + base64(bytes);
	const frag = document.createDocumentFragment();
	frag.append(img);
	return addMessage({from, mine, whisper, to, frag});
}

/*
 * Adds one chat message: HTML, rendered here, or FRAG, nodes made by the
 * page. Returns the message element, or null.
 */
export function addMessage({from, html, mine, whisper, to, frag}) {
	if (!frag) {
		try {
			frag = renderMessage(html);
		} catch (e) {
			notice('A message from ' + (mine ? 'you' : from) + ' could not be displayed.', 'warn');
			return null;
		}
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
	if (frag.childNodes.length === 1 && frag.firstChild.nodeName === 'IMG') {
		bubble.classList.add('media');
		openable(frag.firstChild);
	}
	const text = frag.textContent || (frag.querySelector('img') ? 'an image' : '');
	const me = state.session ? state.session.alias : '';
	const mention = !mine && mentions(text, me);
	bubble.append(frag);
	if (mention) {
		highlightMentions(bubble, me);
		m.classList.add('mentions-me');
	}
	addCopyButtons(bubble);
	m.append(meta, bubble);
	const seen = append(m, mine, () => foldIfLong(m, bubble));
	if (!mine) {
		bumpUnread();
		if (!seen || document.visibilityState === 'hidden')
			markUnseen(m);
		if (!seen) {
			state.log.unseen++;
			setPill();
		}
		alertMessage({from, text, whisper, mention});
	}
	return m;
}

const DELIVERY = {queued: 'Waiting to send', wait: 'Sending…', sent: 'Sent',
	failed: 'Not sent'};

/*
 * Shows the delivery state ST (see Session.send) of our message M; a
 * failed one gets a Retry button that calls RETRY.
 */
export function markDelivery(m, st, why, retry) {
	m.dataset.delivery = st;
	m.classList.toggle('pending', st === 'queued' || st === 'wait');
	m.classList.toggle('failed', st === 'failed');
	let d = m.querySelector('.delivery');
	if (!d) {
		d = el('p', 'delivery');
		m.append(d);
	}
	d.replaceChildren(el('span', 'delivery-state', DELIVERY[st] || st));
	if (st === 'failed') {
		if (why)
			d.append(el('span', 'delivery-why', ' ' + why));
		const b = el('button', 'retry secondary', 'Retry');
		b.type = 'button';
		b.addEventListener('click', retry);
		d.append(' ', b);
	}
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
	ui.imageDialog.addEventListener('close', () => ui.imageFull.removeAttribute('src'));
	ui.imageDialog.addEventListener('click', () => ui.imageDialog.close());
	document.addEventListener('visibilitychange', onVisibility);
	ui.log.addEventListener('scroll', onScroll, {passive: true});
	new ResizeObserver(onResize).observe(ui.log);
	ui.newPill.addEventListener('click', () => {
		const d = ui.log.querySelector('.unread-divider');
		toBottom();
		if (d && d.offsetTop > ui.log.scrollTop - ui.log.clientHeight)
			d.scrollIntoView({block: 'start'});
		state.log.unseen = 0;
		setPill();
		ui.message.focus();
	});
}
