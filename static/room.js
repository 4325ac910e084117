/*
 * The room view: entering it, the status line, the list and drawer of the
 * people in the room, and what the page does on each event of its Session.
 */

import {openInvite, openMember, askNewAlias} from './dialogs.js';
import {formatInvite} from './invite.js';
import {leaveRoom} from './leave.js';
import {lobbyNote, resetButtons} from './lobby.js';
import {notice, addMessage, addImage, bumpUnread, colorClass, logClear} from './log.js';
import {state} from './state.js';
import {typingFrom, typingStop} from './typing.js';
import {ui, el} from './ui.js';

function plural(n, one, many) {
	return n + ' ' + (n === 1 ? one : many);
}

export function enterRoom(created) {
	const s = state.session;
	ui.lobby.hidden = true;
	ui.room.hidden = false;
	logClear();
	ui.createAlias.value = ui.joinAlias.value = ui.joinInvite.value = '';
	ui.createError.textContent = ui.joinError.textContent = '';
	lobbyNote('');
	resetButtons();
	notice(created ?
	    'You opened a private room as “' + s.alias + '”. Invite people with the link button above.' :
	    'You joined as “' + s.alias + '”.', 'info');
	if (!created && s.members.length > 1)
		notice('Already here: ' + s.members.filter((a) => a !== s.alias).join(', ') + '.');
	notice('Messages are end-to-end encrypted and vanish when you leave. Type /help for commands.', 'muted');
	renderMembers();
	updateStatus('online');
	ui.message.focus();
	if (created)
		openInvite();
}

function memberButton(s, a) {
	const b = el('button', 'member ' + colorClass(a));
	b.type = 'button';
	const me = a === s.alias;
	const avatar = el('span', 'avatar', Array.from(a)[0].toUpperCase());
	avatar.setAttribute('aria-hidden', 'true');
	const name = el('span', 'name', a);
	name.dir = 'auto';
	b.append(avatar, name);
	if (me)
		b.append(el('span', 'badge', 'you'));
	if (s.mode === 'owner' && s.moderator === a)
		b.append(el('span', 'badge mod', 'moderator'));
	if (me)
		b.disabled = true;
	else
		b.addEventListener('click', () => openMember(a));
	return b;
}

function renderMembers() {
	const s = state.session;
	if (!s)
		return;
	const list = s.members;
	ui.memberList.replaceChildren();
	for (const a of list) {
		const li = el('li');
		li.append(memberButton(s, a));
		ui.memberList.append(li);
	}
	ui.peopleCount.textContent = String(list.length);
	ui.peopleButton.setAttribute('aria-label', plural(list.length, 'person', 'people') + ' in the room');
	ui.modeLine.textContent = s.mode === 'everyone' ?
	    'Everyone here can remove people or close the room.' :
	    (s.isModerator() ? 'You moderate this room.' :
	    'Only the moderator can remove people.') +
	    (s.rotatesOnLeave() ? ' The link changes whenever someone leaves.' : '') +
	    (s.safetyCode(s.alias) ? ' Your safety code: ' + s.safetyCode(s.alias) + '.' : '');
	ui.stopButton.hidden = !s.isModerator();
	if (s.state === 'online')
		updateStatus('online');
}

function updateStatus(st) {
	ui.status.dataset.state = st;
	ui.composerNote.hidden = st === 'online' || st === 'held';
	if (st === 'online' && state.session) {
		ui.statusText.textContent = plural(state.session.members.length, 'person', 'people') +
		    ' · encrypted';
	} else if (st === 'offline') {
		ui.statusText.textContent = 'Offline, reconnecting…';
	} else if (st === 'reconnecting' || st === 'connecting') {
		ui.statusText.textContent = 'Reconnecting…';
	} else if (st === 'held') {
		ui.statusText.textContent = 'Waiting for a new alias';
	}
}

function openMembers() {
	ui.room.classList.add('show-members');
	ui.scrim.hidden = false;
	ui.peopleButton.setAttribute('aria-expanded', 'true');
	ui.membersClose.focus();
}

export function closeMembers(refocus) {
	if (!ui.room.classList.contains('show-members'))
		return;
	ui.room.classList.remove('show-members');
	ui.scrim.hidden = true;
	ui.peopleButton.setAttribute('aria-expanded', 'false');
	if (refocus)
		ui.peopleButton.focus();
}

/* The page's answer to each event of Session S (see session.js). */
export function roomEvents(s) {
	return {
		status: (st, detail) => {
			if (s !== state.session)
				return;
			updateStatus(st);
			if (st === 'offline' && detail && !s.announcedDrop) {
				s.announcedDrop = true;
				notice(detail + ' Reconnecting…', 'warn');
			}
		},
		welcome: (w) => {
			if (s !== state.session)
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
			typingStop(a);
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
			typingStop(a);
			notice(a + ' was removed by ' + (by === s.alias ? 'you' : by) + '.', 'leave');
			renderMembers();
		},
		typing: (a) => typingFrom(a),
		message: (m) => {
			typingStop(m.from);
			addMessage({from: m.from, html: m.text, mine: false,
			    whisper: m.whisper});
		},
		image: (m) => {
			typingStop(m.from);
			addImage({from: m.from, mine: false, whisper: m.whisper,
			    mime: m.mime, bytes: m.bytes});
		},
		imageFailed: (from, whisper) => {
			notice('An image ' + (whisper ? 'whispered ' : '') + 'from ' + from +
			    ' could not be received.', 'warn');
		},
		unverified: (from, whisper) => {
			notice('A ' + (whisper ? 'whisper' : 'message') + ' from ' + from +
			    ' could not be verified and is not shown.', 'warn');
			bumpUnread();
		},
		keyChanged: (a) => notice('The keys of ' + a + ' changed. If you did not expect this (they left and came back), compare their safety code in their member sheet.', 'warn'),
		rekeyed: (by, kicked, why) => {
			const inv = s.invite();
			state.inviteText = formatInvite(inv.roomKey, inv.secret);
			notice((by !== null ? by + ' changed the room’s invite link; the old one no longer works.' :
			    why === 'leave' ? 'Someone left, so the room has a new invite link; the old one no longer works.' :
			    why === 'flags' ? (s.rotatesOnLeave() ? 'The link now changes whenever someone leaves.' :
			    'The link no longer changes when someone leaves.') + ' The room has a new invite link.' :
			    'The room has a new invite link; the old one no longer works.') +
			    ' Share the new one from the link button.', 'info');
			renderMembers();
			if (by === null && !kicked && !why)
				openInvite();
			else if (ui.inviteDialog.open)
				openInvite();
		},
		moved: () => {
			const inv = s.invite();
			state.inviteText = formatInvite(inv.roomKey, inv.secret);
			notice('While you were away the room moved to a new invite link; the old one no longer works. Share the new one from the link button.', 'info');
		},
		notice: (text) => notice(text, 'warn'),
		aliasTaken: (alias) => askNewAlias(alias),
		ended: (reason, detail) => leaveRoom(reason, detail)
	};
}

export function roomInit() {
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
}
