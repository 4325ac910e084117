/*
 * Sanctuary browser client: the page's lifecycle. It checks that the
 * libraries loaded, wires every part (lobby.js, room.js, log.js,
 * composer.js, dialogs.js), and answers the page being hidden, restored,
 * sent Back or given a new invite. Everything shown from the network is
 * either text (textContent) or a sanitized fragment from render.js.
 *
 * Nothing is ever written to localStorage, sessionStorage, IndexedDB,
 * cookies or the history; leaving (or closing the tab) empties the page.
 *
 * The parts import one another (the lobby enters a room, the room leaves to
 * the lobby), which ES modules allow: no module does anything while loading
 * beyond ui.js's element lookups, and they call each other only from the
 * handlers wired here.
 */

import {alertInit} from './alert.js';
import {wipe} from './crypto.js';
import {takeInviteFromLocation} from './invite.js';
import {composerInit} from './composer.js';
import {dialogsInit} from './dialogs.js';
import {leaveRoom, exitRoom} from './leave.js';
import {lobbyInit, lobbyNote, showLobby} from './lobby.js';
import {logInit, notice} from './log.js';
import {roomInit} from './room.js';
import {settingsInit} from './settings.js';
import {state} from './state.js';
import {ui} from './ui.js';

const HIDDEN_LEFT = 'You left the room: leaving the page always leaves, so ' +
    'nothing stays in this tab. Open the invite link again to return.';
const RELOAD_LEFT = 'If you were in a room, you left it: a reload or Back ' +
    'always leaves, so nothing stays in this tab. Open the invite link ' +
    'again to return.';

function onPageHide() {
	state.leftOnHide = !!state.session;
	if (state.session)
		state.session.abandon();
	leaveRoom('gone', null);
	ui.lobby.hidden = false;
	ui.room.hidden = true;
}

function onPageShow(ev) {
	if (ev.persisted) {
		lobbyNote(state.leftOnHide ? HIDDEN_LEFT : '', 'ok');
		state.leftOnHide = false;
		showLobby();
	}
}

/*
 * We never add history entries, so a popstate to an entry without a
 * fragment is the person going Back within this page (e.g. the invite had
 * been typed into an open lobby tab): that leaves the room, like closing the
 * tab would. A popstate with a fragment is a new invite arriving, which
 * hashchange handles.
 */
function onPopState() {
	if (state.session && !location.hash)
		exitRoom('', 'back');
}

/*
 * In a room, reload, Back to another page and closing the tab ask first:
 * any of them leaves the room for good, since nothing is kept.
 */
function onBeforeUnload(ev) {
	if (!state.session)
		return;
	ev.preventDefault();
	ev.returnValue = '';
}

/* A fresh page cannot know it held a room (nothing is kept): say what may have. */
function reloadNote() {
	const nav = performance.getEntriesByType('navigation')[0];
	if (nav && (nav.type === 'reload' || nav.type === 'back_forward'))
		lobbyNote(RELOAD_LEFT, 'ok');
}

/* A fragment typed into the address bar later is taken the same way. */
function onHashChange() {
	const inv = takeInviteFromLocation();
	if (inv && !state.session) {
		if (state.pendingInvite)
			wipe(state.pendingInvite.secret);
		state.pendingInvite = inv;
		showLobby();
	} else if (inv) {
		wipe(inv.secret);
		notice('To join another room, leave this one first.', 'warn');
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
	state.pendingInvite = takeInviteFromLocation();
	lobbyInit();
	composerInit();
	dialogsInit();
	roomInit();
	logInit();
	alertInit();
	settingsInit();
	window.addEventListener('pagehide', onPageHide);
	window.addEventListener('pageshow', onPageShow);
	window.addEventListener('online', () => state.session && state.session.retryNow());
	window.addEventListener('popstate', onPopState);
	window.addEventListener('beforeunload', onBeforeUnload);
	window.addEventListener('hashchange', onHashChange);
	showLobby();
	if (!state.pendingInvite) {
		reloadNote();
		ui.createAlias.focus();
	}
	document.documentElement.setAttribute('data-ready', '1');
}

init();
