/*
 * The dialogs: the invite (its link, its QR code and copying it), a member's
 * actions, leaving, and picking another alias after a takeover; and
 * emptying them all when a room is left.
 */

import {aliasProblem, sameAlias} from './proto.js';
import {exitRoom} from './leave.js';
import {notice} from './log.js';
import {closeMembers} from './room.js';
import {setWhisper} from './composer.js';
import {state} from './state.js';
import {ui} from './ui.js';

/* ---------- invite: QR code and clipboard ---------- */

/* Draws TEXT as a QR code (dark on white, quiet zone 4) onto CANVAS. */
function drawQr(canvas, text) {
	const qr = globalThis.qrcode(0, 'M');
	qr.addData(text, 'Byte');
	qr.make();
	const n = qr.getModuleCount();
	const quiet = 4;
	const scale = Math.max(3, Math.floor(264 / (n + 2 * quiet)));
	const size = (n + 2 * quiet) * scale;
	canvas.width = size;
	canvas.height = size;
	const g = canvas.getContext('2d');
	g.fillStyle = '#ffffff';
	g.fillRect(0, 0, size, size);
	g.fillStyle = '#111418';
	for (let r = 0; r < n; r++)
		for (let c = 0; c < n; c++)
			if (qr.isDark(r, c))
				g.fillRect((c + quiet) * scale, (r + quiet) * scale,
				    scale, scale);
}

/* Blanks a QR canvas so the invite does not linger in pixels. */
function clearQr(canvas) {
	canvas.width = 1;
	canvas.height = 1;
}

/*
 * Copies the text of INPUT. navigator.clipboard needs a secure context, which
 * a LAN http page is not: fall back to selecting the text and execCommand.
 * Resolves to 'copied' or 'selected' (the user has to copy by hand).
 */
async function copyField(input) {
	const text = input.value;
	if (window.isSecureContext && navigator.clipboard &&
	    navigator.clipboard.writeText) {
		try {
			await navigator.clipboard.writeText(text);
			return 'copied';
		} catch (e) {
			/* fall through to the selection */
		}
	}
	input.focus();
	input.select();
	input.setSelectionRange(0, text.length);
	try {
		return document.execCommand('copy') ? 'copied' : 'selected';
	} catch (e) {
		return 'selected';
	}
}

export function openInvite() {
	if (!state.inviteText)
		return;
	ui.inviteLink.value = state.inviteText;
	ui.copyStatus.textContent = '';
	try {
		drawQr(ui.inviteQr, state.inviteText);
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

function onInviteClose() {
	ui.inviteLink.value = '';
	clearQr(ui.inviteQr);
	ui.message.focus();
}

/* ---------- asking twice ---------- */

const LABELS = new Map();

/*
 * Removing someone and closing the room cannot be undone: the first click
 * on BUTTON only asks (its label becomes QUESTION), the second acts.
 */
function askFirst(button, question) {
	LABELS.set(button, button.textContent);
	button.addEventListener('click', (ev) => {
		if (button.dataset.armed === '1')
			return;
		ev.preventDefault();
		button.dataset.armed = '1';
		button.textContent = question();
	});
}

/* Back to asking, as each dialog opens. */
function disarm(button) {
	delete button.dataset.armed;
	button.textContent = LABELS.get(button);
}

/* ---------- a member's actions ---------- */

export function openMember(alias) {
	state.memberTarget = alias;
	ui.memberName.textContent = alias;
	ui.memberKick.hidden = !state.session.isModerator();
	const code = state.session.safetyCode(alias);
	ui.memberCode.textContent = code || '';
	ui.memberSafety.hidden = !code;
	disarm(ui.memberKick);
	ui.memberDialog.returnValue = '';
	ui.memberDialog.showModal();
}

function onMemberClose() {
	const what = ui.memberDialog.returnValue;
	const who = state.memberTarget;
	state.memberTarget = null;
	ui.memberName.textContent = '';
	if (!state.session || !who)
		return;
	if (what === 'whisper') {
		closeMembers(false);
		setWhisper(who);
		ui.message.focus();
	} else if (what === 'kick') {
		state.session.kick(who);
	}
}

/* ---------- leaving ---------- */

function openLeave() {
	ui.leaveDialog.returnValue = '';
	ui.stopButton.hidden = !(state.session && state.session.isModerator());
	disarm(ui.stopButton);
	ui.leaveDialog.showModal();
	ui.farewell.focus();
}

function onLeaveClose() {
	const what = ui.leaveDialog.returnValue;
	const fw = ui.farewell.value.trim();
	ui.farewell.value = '';
	if (what === 'leave')
		exitRoom(fw);
	else if (what === 'stop' && state.session)
		state.session.stop();
}

/* ---------- another alias after a takeover ---------- */

/* While we were away, ALIAS was taken: ask for another one. */
export function askNewAlias(alias) {
	ui.aliasText.textContent = 'While you were disconnected, someone else took the alias “' + alias + '”.';
	ui.aliasError.textContent = '';
	ui.aliasNew.value = '';
	notice('Your alias was taken while you were away.', 'warn');
	if (!ui.aliasDialog.open)
		ui.aliasDialog.showModal();
	ui.aliasNew.focus();
}

function onAliasSubmit(ev) {
	const submitter = ev.submitter;
	if (submitter && submitter.value === 'leave') {
		exitRoom('');
		return;
	}
	const alias = ui.aliasNew.value.trim();
	const s = state.session;
	const problem = aliasProblem(alias) ||
	    (s && sameAlias(alias, s.alias) ? 'That alias is taken.' : null);
	if (problem) {
		ev.preventDefault();
		ui.aliasError.textContent = problem;
		ui.aliasNew.focus();
		return;
	}
	if (s) {
		notice('Rejoining as “' + alias + '”…', 'info');
		s.rejoinAs(alias);
	}
}

/* ---------- all of them ---------- */

/* Closes every dialog and empties what they showed (leaving a room). */
export function closeDialogs() {
	for (const d of [ui.inviteDialog, ui.memberDialog, ui.leaveDialog,
	    ui.aliasDialog, ui.menuDialog, ui.imageDialog])
		if (d.open)
			d.close();
	ui.inviteLink.value = '';
	clearQr(ui.inviteQr);
	ui.copyStatus.textContent = '';
	ui.farewell.value = '';
	ui.aliasNew.value = '';
	ui.memberName.textContent = '';
	ui.aliasText.textContent = '';
	state.inviteText = '';
}

export function dialogsInit() {
	ui.inviteButton.addEventListener('click', openInvite);
	ui.copyButton.addEventListener('click', onCopy);
	ui.inviteDialog.addEventListener('close', onInviteClose);
	ui.memberDialog.addEventListener('close', onMemberClose);
	ui.leaveButton.addEventListener('click', openLeave);
	askFirst(ui.memberKick, () => 'Remove ' + state.memberTarget +
	    '? Press again to confirm');
	askFirst(ui.stopButton, () =>
	    'Close it for everyone? Press again to confirm');
	ui.leaveDialog.addEventListener('close', onLeaveClose);
	ui.aliasForm.addEventListener('submit', onAliasSubmit);
	ui.aliasDialog.addEventListener('cancel', (ev) => ev.preventDefault());
	for (const b of document.querySelectorAll('.dialog-close'))
		b.addEventListener('click', () => b.closest('dialog').close(''));
}
