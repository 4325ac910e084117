/*
 * Leaving a room, whatever the reason: cover tracks (empty every trace of
 * the room from the page and drop the keys), then back to the lobby with a
 * sentence saying why.
 */

import {wipe} from './crypto.js';
import {scrubAddressBar} from './invite.js';
import {closeDialogs} from './dialogs.js';
import {showLobby, lobbyNote, selectTab} from './lobby.js';
import {logClear} from './log.js';
import {closeMembers} from './room.js';
import {suggestClose} from './suggest.js';
import {typingClear} from './typing.js';
import {setWhisper} from './composer.js';
import {state} from './state.js';
import {ui, TITLE} from './ui.js';

const ENDINGS = {
	exit: () => 'You left the room. Its conversation is gone from this page.',
	back: () => 'You left the room: going Back always leaves, so nothing ' +
	    'stays in this tab. Open the invite link again to return.',
	kicked: (by) => by ? 'You were removed from the room by ' + by + '.' :
	    'You were removed from the room.',
	stopped: (by) => by ? 'The room was closed by ' + by + '.' :
	    'The room was closed.',
	replaced: (d) => d,
	refused: (d) => d
};

/* Empties every trace of the room from the page and drops the keys. */
function coverTracks() {
	closeDialogs();
	logClear();
	typingClear();
	suggestClose();
	ui.memberList.replaceChildren();
	ui.message.value = '';
	ui.message.rows = 1;
	ui.attach.value = '';
	ui.joinInvite.value = '';
	ui.createAlias.value = ui.joinAlias.value = '';
	ui.whisperTo.textContent = '';
	ui.peopleCount.textContent = '';
	setWhisper(null);
	closeMembers(false);
	state.unread = 0;
	if (state.pendingInvite) {
		wipe(state.pendingInvite.secret);
		state.pendingInvite = null;
	}
	scrubAddressBar();
	document.title = TITLE;
}

/* The room is over for REASON (see Session's `ended`): forget it all. */
export function leaveRoom(reason, detail) {
	const s = state.session;
	state.session = null;
	if (s && s.state !== 'ended')
		s.dispose();
	coverTracks();
	const say = ENDINGS[reason];
	if (reason === 'gone' || reason === 'disposed')
		return;
	showLobby();
	lobbyNote(say ? say(detail) : 'You left the room.',
	    reason === 'exit' || reason === 'back' ? 'ok' : 'warn');
	selectTab('create');
	ui.createAlias.focus();
}

/*
 * The person leaves, with an optional FAREWELL for the others; HOW is the
 * lobby's reason ('exit', or 'back' for the Back button).
 */
export function exitRoom(farewell, how = 'exit') {
	const s = state.session;
	if (!s)
		return;
	/* The session finishes saying goodbye on its own; the page forgets now. */
	state.session = null;
	s.ev = {};
	s.exit(farewell ? farewell : '');
	leaveRoom(how, null);
}
