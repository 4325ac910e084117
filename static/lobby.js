/*
 * The lobby: the create and join tabs, their forms, and entering a room,
 * which opens a Session and waits for its welcome or refusal.
 */

import {randomSecret, wipe} from './crypto.js';
import {aliasProblem} from './proto.js';
import {Session} from './session.js';
import {parseInvite, formatInvite} from './invite.js';
import {relayUrl, maxFrame, freshRoomKey} from './api.js';
import {enterRoom, roomEvents} from './room.js';
import {state} from './state.js';
import {ui, TITLE} from './ui.js';

const UNREACHABLE = 'The server could not be reached. Try again.';

export function selectTab(which, focus) {
	const create = which === 'create';
	ui.tabCreate.setAttribute('aria-selected', String(create));
	ui.tabJoin.setAttribute('aria-selected', String(!create));
	ui.tabCreate.tabIndex = create ? 0 : -1;
	ui.tabJoin.tabIndex = create ? -1 : 0;
	ui.createPanel.hidden = !create;
	ui.joinPanel.hidden = create;
	if (focus)
		(create ? ui.tabCreate : ui.tabJoin).focus();
}

export function lobbyNote(text, kind) {
	ui.lobbyNote.textContent = text || '';
	ui.lobbyNote.className = 'lobby-note' + (kind ? ' ' + kind : '');
	ui.lobbyNote.hidden = !text;
}

function setBusy(on, button, label) {
	state.busy = on;
	button.disabled = on;
	button.classList.toggle('busy', on);
	if (label)
		button.textContent = label;
}

/* Both lobby buttons ready again, with their own labels. */
export function resetButtons() {
	setBusy(false, ui.createButton, 'Create a private room');
	setBusy(false, ui.joinButton, 'Join the room');
}

export function showLobby() {
	ui.room.hidden = true;
	ui.lobby.hidden = false;
	document.title = TITLE;
	resetButtons();
	if (state.pendingInvite) {
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
	if (state.busy)
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
		await enter({url, maxFrame: await maxFrame(), alias, mode,
		    kind: 'create', tries: 2, errorEl: ui.createError,
		    button: ui.createButton, label: 'Create a private room'});
	} catch (e) {
		ui.createError.textContent = UNREACHABLE;
		setBusy(false, ui.createButton, 'Create a private room');
	}
}

async function onJoin(ev) {
	ev.preventDefault();
	if (state.busy)
		return;
	let inv = state.pendingInvite;
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
		if (inv !== state.pendingInvite)
			wipe(inv.secret);
		return;
	}
	state.pendingInvite = inv;
	lobbyNote('');
	setBusy(true, ui.joinButton, 'Joining…');
	try {
		const url = await relayUrl();
		await enter({url, maxFrame: await maxFrame(), alias, kind: 'join',
		    roomKey: inv.roomKey, secret: inv.secret.slice(),
		    errorEl: ui.joinError, button: ui.joinButton,
		    label: 'Join the room'});
	} catch (e) {
		ui.joinError.textContent = UNREACHABLE;
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
	    mode: o.mode, maxFrame: o.maxFrame, freshKey: freshRoomKey,
	    events: {}});
	const invite = formatInvite(roomKey, secret);
	s.ev = roomEvents(s);
	s.ev.welcome = () => {
		s.ev = roomEvents(s);
		state.session = s;
		state.inviteText = invite;
		if (state.pendingInvite) {
			wipe(state.pendingInvite.secret);
			state.pendingInvite = null;
		}
		enterRoom(o.kind === 'create');
	};
	s.ev.failed = (code, text) => {
		s.dispose();
		if (code === 'exists' && o.kind === 'create' && o.tries > 1) {
			enter({...o, tries: o.tries - 1}).catch(() => {
				o.errorEl.textContent = UNREACHABLE;
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

function onTabKey(ev) {
	if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft' ||
	    ev.key === 'Home' || ev.key === 'End') {
		ev.preventDefault();
		const toJoin = ev.key === 'End' ? true : ev.key === 'Home' ? false :
		    ui.tabCreate.getAttribute('aria-selected') === 'true';
		selectTab(toJoin ? 'join' : 'create', true);
	}
}

export function lobbyInit() {
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
}
