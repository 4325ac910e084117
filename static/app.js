/*
 * Sanctuary browser client: the lobby, the room view and the glue between
 * the person and their Session. Everything shown from the network is either
 * text (textContent) or a sanitized fragment from render.js.
 *
 * Nothing is ever written to localStorage, sessionStorage, IndexedDB,
 * cookies or the history; leaving (or closing the tab) empties the page.
 */

import {randomSecret, wipe} from './crypto.js';
import {aliasProblem, utf8Length, sameAlias, errorText} from './proto.js';
import {Session} from './session.js';
import {renderMessage, isEmptyRender} from './render.js';
import {parseInvite, formatInvite, takeInviteFromLocation, scrubAddressBar,
    drawQr, clearQr, copyField} from './invite.js';
import {imageMessage} from './image.js';

const $ = (id) => document.getElementById(id);
const TITLE = 'Sanctuary';
const GROUP_MS = 5 * 60 * 1000;
const MAX_LOG = 2000;		/* entries kept on screen; older ones go */

const ui = {
	lobby: $('lobby'), room: $('room'), lobbyNote: $('lobby-note'),
	tabCreate: $('tab-create'), tabJoin: $('tab-join'),
	createForm: $('create-form'), createAlias: $('create-alias'),
	createError: $('create-error'), createButton: $('create-button'),
	joinForm: $('join-form'), joinInvite: $('join-invite'),
	joinAlias: $('join-alias'), joinError: $('join-error'),
	joinButton: $('join-button'), inviteLoaded: $('invite-loaded'),
	inviteField: $('invite-field'),
	log: $('log'), status: $('room-status'), statusText: $('room-status-text'),
	peopleButton: $('people-button'), peopleCount: $('people-count'),
	members: $('members'), memberList: $('member-list'), modeLine: $('mode-line'),
	membersClose: $('members-close'), scrim: $('scrim'),
	composer: $('composer'), message: $('message'), attach: $('attach'),
	whisperChip: $('whisper-chip'), whisperTo: $('whisper-to'),
	whisperCancel: $('whisper-cancel'),
	inviteButton: $('invite-button'), inviteDialog: $('invite-dialog'),
	inviteLink: $('invite-link'), inviteQr: $('invite-qr'),
	copyButton: $('copy-button'), copyStatus: $('copy-status'),
	memberDialog: $('member-dialog'), memberName: $('member-name'),
	memberKick: $('member-kick'),
	leaveButton: $('leave-button'), leaveDialog: $('leave-dialog'),
	farewell: $('farewell'), stopButton: $('stop-button'),
	aliasDialog: $('alias-dialog'), aliasNew: $('alias-new'),
	aliasError: $('alias-error'), aliasText: $('alias-text')
};

let session = null;		/* the room we are in (or entering) */
let pendingInvite = null;	/* {roomKey, secret} read from the link */
let inviteText = '';		/* the link shown in the invite dialog */
let whisperTarget = null;
let unread = 0;
let config = null;
let busy = false;

/* ---------- small helpers ---------- */

function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	if (text !== undefined)
		e.textContent = text;
	return e;
}

function colorClass(alias) {
	let h = 2166136261;
	for (let i = 0; i < alias.length; i++)
		h = Math.imul(h ^ alias.charCodeAt(i), 16777619);
	return 'c' + ((h >>> 0) % 8);
}

function clock(d) {
	return d.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
}

function plural(n, one, many) {
	return n + ' ' + (n === 1 ? one : many);
}

async function getConfig() {
	if (config)
		return config;
	const r = await fetch('/api/config', {cache: 'no-store', credentials: 'omit'});
	if (!r.ok)
		throw new Error('config ' + r.status);
	config = await r.json();
	return config;
}

async function relayUrl() {
	const c = await getConfig();
	if (typeof c.relay === 'string' && /^wss?:\/\//.test(c.relay))
		return c.relay;
	const proto = location.protocol === 'https:' ? 'wss' : 'ws';
	/* location.hostname keeps the brackets of an IPv6 literal. */
	return proto + '://' + location.hostname + ':' + Number(c.chatport) + '/';
}

async function freshRoomKey() {
	const r = await fetch('/api/key', {cache: 'no-store', credentials: 'omit'});
	if (!r.ok)
		throw new Error('key ' + r.status);
	const j = await r.json();
	return j.key;
}

/* ---------- lobby ---------- */

function selectTab(which, focus) {
	const create = which === 'create';
	ui.tabCreate.setAttribute('aria-selected', String(create));
	ui.tabJoin.setAttribute('aria-selected', String(!create));
	ui.tabCreate.tabIndex = create ? 0 : -1;
	ui.tabJoin.tabIndex = create ? -1 : 0;
	ui.createForm.hidden = !create;
	ui.joinForm.hidden = create;
	if (focus)
		(create ? ui.tabCreate : ui.tabJoin).focus();
}

function lobbyNote(text, kind) {
	ui.lobbyNote.textContent = text || '';
	ui.lobbyNote.className = 'lobby-note' + (kind ? ' ' + kind : '');
	ui.lobbyNote.hidden = !text;
}

function setBusy(on, button, label) {
	busy = on;
	button.disabled = on;
	button.classList.toggle('busy', on);
	if (label)
		button.textContent = label;
}

function showLobby() {
	ui.room.hidden = true;
	ui.lobby.hidden = false;
	document.title = TITLE;
	setBusy(false, ui.createButton, 'Create a private room');
	setBusy(false, ui.joinButton, 'Join the room');
	if (pendingInvite) {
		ui.inviteLoaded.hidden = false;
		ui.inviteField.hidden = true;
		selectTab('join');
		ui.joinAlias.focus();
	} else {
		ui.inviteLoaded.hidden = true;
		ui.inviteField.hidden = false;
	}
}

function checkAlias(input, errorEl) {
	const alias = input.value.trim();
	const problem = aliasProblem(alias);
	errorEl.textContent = problem || '';
	input.setAttribute('aria-invalid', problem ? 'true' : 'false');
	if (problem) {
		input.focus();
		return null;
	}
	return alias;
}

async function onCreate(ev) {
	ev.preventDefault();
	if (busy)
		return;
	const alias = checkAlias(ui.createAlias, ui.createError);
	if (!alias)
		return;
	const mode = ui.createForm.elements.mode.value === 'everyone' ?
	    'everyone' : 'owner';
	lobbyNote('');
	setBusy(true, ui.createButton, 'Creating…');
	try {
		const url = await relayUrl();
		await enter({url, alias, mode, kind: 'create', tries: 2,
		    errorEl: ui.createError, button: ui.createButton,
		    label: 'Create a private room'});
	} catch (e) {
		ui.createError.textContent = 'The server could not be reached. Try again.';
		setBusy(false, ui.createButton, 'Create a private room');
	}
}

async function onJoin(ev) {
	ev.preventDefault();
	if (busy)
		return;
	let inv = pendingInvite;
	if (!inv) {
		inv = parseInvite(ui.joinInvite.value);
		if (!inv) {
			ui.joinError.textContent = 'That is not a Sanctuary invite link.';
			ui.joinInvite.setAttribute('aria-invalid', 'true');
			ui.joinInvite.focus();
			return;
		}
		ui.joinInvite.setAttribute('aria-invalid', 'false');
	}
	const alias = checkAlias(ui.joinAlias, ui.joinError);
	if (!alias) {
		if (inv !== pendingInvite)
			wipe(inv.secret);
		return;
	}
	pendingInvite = inv;
	lobbyNote('');
	setBusy(true, ui.joinButton, 'Joining…');
	try {
		const url = await relayUrl();
		await enter({url, alias, kind: 'join', roomKey: inv.roomKey,
		    secret: inv.secret.slice(), errorEl: ui.joinError,
		    button: ui.joinButton, label: 'Join the room'});
	} catch (e) {
		ui.joinError.textContent = 'The server could not be reached. Try again.';
		setBusy(false, ui.joinButton, 'Join the room');
	}
}

/*
 * Opens a session and waits for its welcome or refusal. For create, a room
 * key collision (`exists`) is retried with a fresh key.
 */
async function enter(o) {
	let roomKey = o.roomKey, secret = o.secret;
	if (o.kind === 'create') {
		roomKey = await freshRoomKey();
		secret = randomSecret();
	}
	const s = new Session({url: o.url, roomKey, secret, alias: o.alias,
	    mode: o.mode, events: {}});
	const invite = formatInvite(roomKey, secret);
	s.ev = roomEvents(s);
	s.ev.welcome = () => {
		s.ev = roomEvents(s);
		session = s;
		inviteText = invite;
		if (pendingInvite) {
			wipe(pendingInvite.secret);
			pendingInvite = null;
		}
		enterRoom(o.kind === 'create');
	};
	s.ev.failed = (code, text) => {
		s.dispose();
		if (code === 'exists' && o.kind === 'create' && o.tries > 1) {
			enter({...o, tries: o.tries - 1}).catch(() => {
				o.errorEl.textContent = 'The server could not be reached. Try again.';
				setBusy(false, o.button, o.label);
			});
			return;
		}
		o.errorEl.textContent = text;
		setBusy(false, o.button, o.label);
		if (code === 'aliastaken' || code === 'badalias')
			(o.kind === 'create' ? ui.createAlias : ui.joinAlias).focus();
	};
	s.ev.status = () => {};
	s.start(o.kind);
}

/* ---------- room view ---------- */

function enterRoom(created) {
	ui.lobby.hidden = true;
	ui.room.hidden = false;
	ui.log.replaceChildren();
	ui.createAlias.value = ui.joinAlias.value = ui.joinInvite.value = '';
	ui.createError.textContent = ui.joinError.textContent = '';
	lobbyNote('');
	setBusy(false, ui.createButton, 'Create a private room');
	setBusy(false, ui.joinButton, 'Join the room');
	notice(created ?
	    'You opened a private room as “' + session.alias + '”. Invite people with the link button above.' :
	    'You joined as “' + session.alias + '”.', 'info');
	if (!created && session.members.length > 1)
		notice('Already here: ' + session.members.filter((a) => a !== session.alias).join(', ') + '.');
	notice('Messages are end-to-end encrypted and vanish when you leave. Type /help for commands.', 'muted');
	renderMembers();
	updateStatus('online');
	ui.message.focus();
	if (created)
		openInvite();
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

function notice(text, kind) {
	const n = el('p', 'notice' + (kind ? ' ' + kind : ''), text);
	append(n);
	return n;
}

/*
 * Adds one chat message. HTML comes only through renderMessage(); aliases
 * are text. Returns the message element.
 */
function addMessage({from, html, mine, whisper, to}) {
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
		meta.append(el('span', 'who ' + colorClass(mine ? to : from), mine ? to : from));
	} else {
		meta.append(el('span', 'who ' + colorClass(from), mine ? 'You' : from));
	}
	const t = el('time', 'time', clock(now));
	t.dateTime = now.toISOString();
	meta.append(t);
	if (cont)
		meta.classList.add('visually-hidden');
	const bubble = el('div', 'bubble');
	if (frag.childNodes.length === 1 && frag.firstChild.nodeName === 'IMG')
		bubble.classList.add('media');
	bubble.append(frag);
	m.append(meta, bubble);
	append(m, mine);
	if (!mine)
		bumpUnread();
	return m;
}

function bumpUnread() {
	if (document.visibilityState !== 'hidden')
		return;
	unread++;
	document.title = '(' + unread + ') ' + TITLE;
}

function onVisibility() {
	if (document.visibilityState === 'visible') {
		unread = 0;
		document.title = TITLE;
	}
}

function renderMembers() {
	if (!session)
		return;
	const list = session.members;
	ui.memberList.replaceChildren();
	for (const a of list) {
		const li = el('li');
		const b = el('button', 'member ' + colorClass(a));
		b.type = 'button';
		const me = a === session.alias;
		const avatar = el('span', 'avatar', Array.from(a)[0].toUpperCase());
		avatar.setAttribute('aria-hidden', 'true');
		const name = el('span', 'name', a);
		b.append(avatar, name);
		if (me)
			b.append(el('span', 'badge', 'you'));
		if (session.mode === 'owner' && session.moderator === a)
			b.append(el('span', 'badge mod', 'moderator'));
		if (me)
			b.disabled = true;
		else
			b.addEventListener('click', () => openMember(a));
		li.append(b);
		ui.memberList.append(li);
	}
	ui.peopleCount.textContent = String(list.length);
	ui.peopleButton.setAttribute('aria-label', plural(list.length, 'person', 'people') + ' in the room');
	ui.modeLine.textContent = session.mode === 'everyone' ?
	    'Everyone here can remove people or close the room.' :
	    (session.isModerator() ? 'You moderate this room.' :
	    'Only the moderator can remove people.');
	ui.stopButton.hidden = !session.isModerator();
	if (session.state === 'online')
		updateStatus('online');
}

function updateStatus(state, detail, wait) {
	ui.status.dataset.state = state;
	if (state === 'online' && session) {
		ui.statusText.textContent = plural(session.members.length, 'person', 'people') +
		    ' · encrypted';
	} else if (state === 'offline') {
		ui.statusText.textContent = 'Offline · reconnecting in ' +
		    Math.max(1, Math.round((wait || 0) / 1000)) + ' s';
	} else if (state === 'reconnecting' || state === 'connecting') {
		ui.statusText.textContent = 'Reconnecting…';
	} else if (state === 'held') {
		ui.statusText.textContent = 'Waiting for a new alias';
	}
}

function roomEvents(s) {
	return {
		status: (state, detail, wait) => {
			if (s !== session)
				return;
			updateStatus(state, detail, wait);
			if (state === 'offline' && detail && !s.announcedDrop) {
				s.announcedDrop = true;
				notice(detail + ' Reconnecting…', 'warn');
			}
		},
		welcome: (w) => {
			if (s !== session)
				return;
			s.announcedDrop = false;
			if (w.recreated)
				notice('Reconnected. The room had emptied on the relay, so it was opened again; the others rejoin as they reconnect.', 'info');
			else if (w.resumed)
				notice('Reconnected. Messages sent while you were away did not reach you.', 'info');
			renderMembers();
		},
		joined: (a) => {
			notice(a + ' joined.', 'join');
			renderMembers();
		},
		left: (a, fw) => {
			if (fw && fw.text)
				notice(a + ' left: “' + fw.text + '”', 'leave');
			else if (fw && fw.bad)
				notice(a + ' left. Their farewell could not be verified.', 'warn');
			else
				notice(a + ' left.', 'leave');
			renderMembers();
		},
		moderator: (a) => {
			notice(a === s.alias ? 'You are now the moderator.' :
			    a + ' is now the moderator.', 'info');
			renderMembers();
		},
		kicked: (a, by) => {
			notice(a + ' was removed by ' + (by === s.alias ? 'you' : by) + '.', 'leave');
			renderMembers();
		},
		message: (m) => {
			addMessage({from: m.from, html: m.text, mine: false,
			    whisper: m.whisper});
		},
		unverified: (from, whisper) => {
			notice('A ' + (whisper ? 'whisper' : 'message') + ' from ' + from +
			    ' could not be verified and is not shown.', 'warn');
			bumpUnread();
		},
		notice: (text) => notice(text, 'warn'),
		aliasTaken: (alias) => {
			ui.aliasText.textContent = 'While you were disconnected, someone else took the alias “' + alias + '”.';
			ui.aliasError.textContent = '';
			ui.aliasNew.value = '';
			notice('Your alias was taken while you were away.', 'warn');
			if (!ui.aliasDialog.open)
				ui.aliasDialog.showModal();
			ui.aliasNew.focus();
		},
		ended: (reason, detail) => leaveRoom(reason, detail)
	};
}

/* ---------- leaving: cover tracks ---------- */

const ENDINGS = {
	exit: () => 'You left the room. Its conversation is gone from this page.',
	kicked: (by) => by ? 'You were removed from the room by ' + by + '.' :
	    'You were removed from the room.',
	stopped: (by) => by ? 'The room was closed by ' + by + '.' :
	    'The room was closed.',
	replaced: (d) => d,
	refused: (d) => d
};

/* Empties every trace of the room from the page and drops the keys. */
function coverTracks() {
	for (const d of [ui.inviteDialog, ui.memberDialog, ui.leaveDialog, ui.aliasDialog])
		if (d.open)
			d.close();
	ui.log.replaceChildren();
	ui.memberList.replaceChildren();
	ui.inviteLink.value = '';
	clearQr(ui.inviteQr);
	ui.copyStatus.textContent = '';
	ui.message.value = '';
	ui.message.rows = 1;
	ui.farewell.value = '';
	ui.aliasNew.value = '';
	ui.attach.value = '';
	ui.joinInvite.value = '';
	ui.createAlias.value = ui.joinAlias.value = '';
	ui.memberName.textContent = '';
	ui.whisperTo.textContent = '';
	ui.peopleCount.textContent = '';
	ui.aliasText.textContent = '';
	setWhisper(null);
	closeMembers(false);
	inviteText = '';
	unread = 0;
	if (pendingInvite) {
		wipe(pendingInvite.secret);
		pendingInvite = null;
	}
	scrubAddressBar();
	document.title = TITLE;
}

function leaveRoom(reason, detail) {
	const s = session;
	session = null;
	if (s && s.state !== 'ended')
		s.dispose();
	coverTracks();
	const say = ENDINGS[reason];
	if (reason === 'gone' || reason === 'disposed')
		return;
	showLobby();
	lobbyNote(say ? say(detail) : 'You left the room.',
	    reason === 'exit' ? 'ok' : 'warn');
	selectTab('create');
	ui.createAlias.focus();
}

function exitRoom(farewell) {
	const s = session;
	if (!s)
		return;
	/* The session finishes saying goodbye on its own; the page forgets now. */
	session = null;
	s.ev = {};
	s.exit(farewell ? farewell : '');
	leaveRoom('exit', null);
}

/* ---------- composing ---------- */

function setWhisper(alias) {
	whisperTarget = alias;
	ui.whisperChip.hidden = !alias;
	ui.whisperTo.textContent = alias || '';
	ui.message.placeholder = alias ? 'Whisper to ' + alias : 'Message';
	ui.composer.classList.toggle('whispering', !!alias);
}

function findMember(alias) {
	return session.members.find((a) => sameAlias(a, alias)) || null;
}

function tooLong(kind, to, text) {
	const max = session.maxTextBytes(kind, to);
	if (utf8Length(text) <= max)
		return false;
	notice('That message is too long: at most ' + Math.floor(max / 1024) +
	    ' KB per message.', 'warn');
	return true;
}

function sendText(text, to) {
	if (!session)
		return false;
	if (to) {
		const who = findMember(to);
		if (!who) {
			notice('There is nobody called “' + to + '” in the room.', 'warn');
			return false;
		}
		if (who === session.alias) {
			notice('You cannot whisper to yourself.', 'warn');
			return false;
		}
		if (tooLong('purr', who, text))
			return false;
		let m = null;
		const ok = session.whisper(who, text, () => m && m.classList.remove('pending'));
		if (ok) {
			m = addMessage({from: session.alias, html: text, mine: true,
			    whisper: true, to: who});
			if (m && session.state !== 'online')
				m.classList.add('pending');
		}
		return ok;
	}
	if (tooLong('msg', null, text))
		return false;
	let m = null;
	const ok = session.send(text, () => m && m.classList.remove('pending'));
	if (ok) {
		m = addMessage({from: session.alias, html: text, mine: true});
		if (m && session.state !== 'online')
			m.classList.add('pending');
	}
	return ok;
}

const HELP = [
	'Commands:',
	'/purr ALIAS MESSAGE: whisper to one person',
	'/kick ALIAS: remove someone (moderators)',
	'/stop: close the room for everyone (moderators)',
	'/exit [farewell]: leave, with an optional goodbye',
	'/help: this list',
	'Messages may use simple HTML such as <b>bold</b>, <i>italics</i>, <code>code</code>, lists and links. Start a message with // to send a leading /.'
];

/* Runs a /command; returns true if the composer should be cleared. */
function command(line) {
	const m = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(line);
	const name = m ? m[1].toLowerCase() : '';
	const rest = m && m[2] ? m[2].trim() : '';
	switch (name) {
	case 'help':
	case '?':
		for (const h of HELP)
			notice(h, 'help');
		return true;
	case 'exit':
	case 'quit':
	case 'leave':
		exitRoom(rest);
		return true;
	case 'stop':
		if (!session.isModerator()) {
			notice(errorText('notallowed'), 'warn');
			return true;
		}
		session.stop();
		return true;
	case 'kick': {
		if (!rest || /\s/.test(rest)) {
			notice('Usage: /kick ALIAS', 'warn');
			return false;
		}
		const who = findMember(rest);
		if (!who) {
			notice('There is nobody called “' + rest + '” in the room.', 'warn');
			return false;
		}
		if (!session.isModerator()) {
			notice(errorText('notallowed'), 'warn');
			return true;
		}
		session.kick(who);
		return true;
	}
	case 'purr':
	case 'whisper':
	case 'w': {
		const p = /^(\S+)\s+([\s\S]+)$/.exec(rest);
		if (!p) {
			notice('Usage: /purr ALIAS MESSAGE', 'warn');
			return false;
		}
		return sendText(p[2], p[1]);
	}
	default:
		notice('Unknown command “/' + name + '”. Type /help for the list.', 'warn');
		return false;
	}
}

function onSubmit(ev) {
	ev.preventDefault();
	if (!session)
		return;
	let text = ui.message.value;
	if (!text.trim())
		return;
	let done;
	if (text.startsWith('//'))
		text = text.slice(1);
	else if (text.startsWith('/')) {
		done = command(text.trim());
		if (done && session !== null) {
			ui.message.value = '';
			growComposer();
		}
		return;
	}
	done = sendText(text, whisperTarget);
	if (done) {
		ui.message.value = '';
		growComposer();
	}
	ui.message.focus();
}

function onKey(ev) {
	if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
		ev.preventDefault();
		ui.composer.requestSubmit();
	} else if (ev.key === 'Escape' && whisperTarget) {
		setWhisper(null);
	}
}

/* For browsers without CSS field-sizing: grow with the text, up to 6 lines. */
function growComposer() {
	const lines = ui.message.value.split('\n').length;
	ui.message.rows = Math.min(6, Math.max(1, lines));
}

async function sendImage(file) {
	if (!session || !file)
		return;
	const to = whisperTarget ? findMember(whisperTarget) : null;
	const max = session.maxTextBytes(to ? 'purr' : 'msg', to || '');
	const n = notice('Preparing the image…', 'muted');
	try {
		const html = await imageMessage(file, max);
		n.remove();
		sendText(html, to);
	} catch (e) {
		n.textContent = e.message;
		n.className = 'notice warn';
	}
}

/* ---------- dialogs and panels ---------- */

function openInvite() {
	if (!inviteText)
		return;
	ui.inviteLink.value = inviteText;
	ui.copyStatus.textContent = '';
	try {
		drawQr(ui.inviteQr, inviteText);
	} catch (e) {
		clearQr(ui.inviteQr);
	}
	if (!ui.inviteDialog.open)
		ui.inviteDialog.showModal();
	ui.copyButton.focus();
}

async function onCopy() {
	const how = await copyField(ui.inviteLink);
	ui.copyStatus.textContent = how === 'copied' ? 'Copied. Send it privately.' :
	    'Selected. Press Ctrl+C (or long-press → Copy) to copy it.';
}

let memberTarget = null;

function openMember(alias) {
	memberTarget = alias;
	ui.memberName.textContent = alias;
	ui.memberKick.hidden = !session.isModerator();
	ui.memberDialog.returnValue = '';
	ui.memberDialog.showModal();
}

function onMemberClose() {
	const what = ui.memberDialog.returnValue;
	const who = memberTarget;
	memberTarget = null;
	ui.memberName.textContent = '';
	if (!session || !who)
		return;
	if (what === 'whisper') {
		closeMembers(false);
		setWhisper(who);
		ui.message.focus();
	} else if (what === 'kick') {
		session.kick(who);
	}
}

function onLeaveClose() {
	const what = ui.leaveDialog.returnValue;
	const fw = ui.farewell.value.trim();
	ui.farewell.value = '';
	if (what === 'leave')
		exitRoom(fw);
	else if (what === 'stop' && session)
		session.stop();
}

function onAliasSubmit(ev) {
	const submitter = ev.submitter;
	if (submitter && submitter.value === 'leave') {
		exitRoom('');
		return;
	}
	const alias = ui.aliasNew.value.trim();
	const problem = aliasProblem(alias) ||
	    (session && sameAlias(alias, session.alias) ? 'That alias is taken.' : null);
	if (problem) {
		ev.preventDefault();
		ui.aliasError.textContent = problem;
		ui.aliasNew.focus();
		return;
	}
	if (session) {
		notice('Rejoining as “' + alias + '”…', 'info');
		session.rejoinAs(alias);
	}
}

function openMembers() {
	ui.room.classList.add('show-members');
	ui.scrim.hidden = false;
	ui.peopleButton.setAttribute('aria-expanded', 'true');
	ui.membersClose.focus();
}

function closeMembers(refocus) {
	if (!ui.room.classList.contains('show-members'))
		return;
	ui.room.classList.remove('show-members');
	ui.scrim.hidden = true;
	ui.peopleButton.setAttribute('aria-expanded', 'false');
	if (refocus)
		ui.peopleButton.focus();
}

function onTabKey(ev) {
	if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft' ||
	    ev.key === 'Home' || ev.key === 'End') {
		ev.preventDefault();
		const toJoin = ev.key === 'End' ? true : ev.key === 'Home' ? false :
		    ui.tabCreate.getAttribute('aria-selected') === 'true';
		selectTab(toJoin ? 'join' : 'create', true);
	}
}

/* ---------- page lifecycle ---------- */

function onPageHide() {
	if (session) {
		const s = session;
		s.abandon();
	}
	leaveRoom('gone', null);
	ui.lobby.hidden = false;
	ui.room.hidden = true;
}

function onPageShow(ev) {
	if (ev.persisted) {
		lobbyNote('');
		showLobby();
	}
}

function missingLibraries() {
	return !globalThis.nacl || !globalThis.DOMPurify || !globalThis.qrcode;
}

function init() {
	if (missingLibraries()) {
		lobbyNote('This page did not load completely. Reload it.', 'warn');
		ui.createButton.disabled = ui.joinButton.disabled = true;
		return;
	}
	pendingInvite = takeInviteFromLocation();
	ui.tabCreate.addEventListener('click', () => selectTab('create'));
	ui.tabJoin.addEventListener('click', () => selectTab('join'));
	ui.tabCreate.addEventListener('keydown', onTabKey);
	ui.tabJoin.addEventListener('keydown', onTabKey);
	ui.createForm.addEventListener('submit', onCreate);
	ui.joinForm.addEventListener('submit', onJoin);
	ui.joinInvite.addEventListener('input', () => {
		/* A pasted link: leave the secret in the field as briefly as possible. */
		ui.joinError.textContent = '';
	});
	ui.composer.addEventListener('submit', onSubmit);
	ui.message.addEventListener('keydown', onKey);
	ui.message.addEventListener('input', growComposer);
	ui.message.addEventListener('paste', (ev) => {
		const f = Array.from(ev.clipboardData ? ev.clipboardData.files : [])
		    .find((x) => /^image\//.test(x.type));
		if (f) {
			ev.preventDefault();
			sendImage(f);
		}
	});
	ui.attach.addEventListener('change', () => {
		const f = ui.attach.files && ui.attach.files[0];
		ui.attach.value = '';
		sendImage(f);
	});
	ui.whisperCancel.addEventListener('click', () => {
		setWhisper(null);
		ui.message.focus();
	});
	ui.inviteButton.addEventListener('click', openInvite);
	ui.copyButton.addEventListener('click', onCopy);
	ui.inviteDialog.addEventListener('close', () => {
		ui.inviteLink.value = '';
		clearQr(ui.inviteQr);
		ui.message.focus();
	});
	ui.memberDialog.addEventListener('close', onMemberClose);
	ui.leaveButton.addEventListener('click', () => {
		ui.leaveDialog.returnValue = '';
		ui.stopButton.hidden = !(session && session.isModerator());
		ui.leaveDialog.showModal();
		ui.farewell.focus();
	});
	ui.leaveDialog.addEventListener('close', onLeaveClose);
	$('alias-form').addEventListener('submit', onAliasSubmit);
	ui.aliasDialog.addEventListener('cancel', (ev) => ev.preventDefault());
	for (const b of document.querySelectorAll('.dialog-close'))
		b.addEventListener('click', () => b.closest('dialog').close(''));
	ui.peopleButton.addEventListener('click', () => {
		if (ui.room.classList.contains('show-members'))
			closeMembers(true);
		else
			openMembers();
	});
	ui.membersClose.addEventListener('click', () => closeMembers(true));
	ui.scrim.addEventListener('click', () => closeMembers(true));
	document.addEventListener('keydown', (ev) => {
		if (ev.key === 'Escape' && ui.room.classList.contains('show-members'))
			closeMembers(true);
	});
	document.addEventListener('visibilitychange', onVisibility);
	window.addEventListener('pagehide', onPageHide);
	window.addEventListener('pageshow', onPageShow);
	window.addEventListener('online', () => session && session.retryNow());
	/*
	 * We never add history entries, so a popstate to an entry without a
	 * fragment is the person going Back within this page (e.g. the invite
	 * had been typed into an open lobby tab): that leaves the room, like
	 * closing the tab would. A popstate with a fragment is a new invite
	 * arriving, which hashchange handles.
	 */
	window.addEventListener('popstate', () => {
		if (session && !location.hash)
			exitRoom('');
	});
	/* A fragment typed into the address bar later is taken the same way. */
	window.addEventListener('hashchange', () => {
		const inv = takeInviteFromLocation();
		if (inv && !session) {
			if (pendingInvite)
				wipe(pendingInvite.secret);
			pendingInvite = inv;
			showLobby();
		} else if (inv) {
			wipe(inv.secret);
			notice('To join another room, leave this one first.', 'warn');
		}
	});
	showLobby();
	if (!pendingInvite)
		ui.createAlias.focus();
	document.documentElement.setAttribute('data-ready', '1');
}

init();
