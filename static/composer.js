/*
 * The composer: typing and sending messages and whispers, the /commands
 * (listed by suggest.js as "/" is typed, as are aliases after "@"), pasted
 * and attached images.
 */

import {prefs} from './alert.js';
import {utf8Length, sameAlias, errorText} from './proto.js';
import {imageMessage, imageParts} from './image.js';
import {MAX_IMAGE_BYTES, MAX_PARTS, partBytesFor} from './imgparts.js';
import {exitRoom} from './leave.js';
import {notice, addMessage, addImage, markDelivery} from './log.js';
import {state} from './state.js';
import {COMMANDS, suggestUpdate, suggestKey, suggestClose} from './suggest.js';
import {ui} from './ui.js';

const HELP = ['Commands:'].concat(COMMANDS.map(([c, args, help]) =>
    c + (args ? ' ' + args : '') + ': ' + help), [
	'Type @ and the first letters of an alias to mention someone.',
	'Messages may use simple HTML such as <b>bold</b>, <i>italics</i>, <code>code</code>, <pre>code blocks</pre>, lists and links; anything else shows as typed. Start a message with // to send a leading /.'
]);

/* Whisper to ALIAS from now on, or (null) write to everyone again. */
export function setWhisper(alias) {
	state.whisperTarget = alias;
	ui.whisperChip.hidden = !alias;
	ui.whisperTo.textContent = alias || '';
	ui.message.placeholder = alias ? 'Whisper to ' + alias : 'Message';
	ui.composer.classList.toggle('whispering', !!alias);
}

function findMember(alias) {
	return state.session.members.find((a) => sameAlias(a, alias)) || null;
}

function tooLong(kind, to, text) {
	const max = state.session.maxTextBytes(kind, to);
	if (utf8Length(text) <= max)
		return false;
	notice('That message is too long: at most ' + Math.floor(max / 1024) +
	    ' KB per message.', 'warn');
	return true;
}

/*
 * Shows a message of ours with its delivery: pending until the relay
 * acknowledges it, then sent, or not sent with Retry.
 */
function sendMine(s, send, shown, add = addMessage) {
	let m = null;
	const it = send((st, why) => m && markDelivery(m, st, why,
	    () => s.retry(it)));
	if (it) {
		m = add(shown);
		if (m)
			markDelivery(m, it.state, null, () => s.retry(it));
	}
	return !!it;
}

function sendText(text, to) {
	const s = state.session;
	if (!s)
		return false;
	if (!to) {
		if (tooLong('msg', null, text))
			return false;
		return sendMine(s, (cb) => s.send(text, cb),
		    {from: s.alias, html: text, mine: true});
	}
	const who = findMember(to);
	if (!who) {
		notice('There is nobody called “' + to + '” in the room.', 'warn');
		return false;
	}
	if (who === s.alias) {
		notice('You cannot whisper to yourself.', 'warn');
		return false;
	}
	if (tooLong('purr', who, text))
		return false;
	return sendMine(s, (cb) => s.whisper(who, text, cb),
	    {from: s.alias, html: text, mine: true, whisper: true, to: who});
}

function kick(rest) {
	if (!rest || /\s/.test(rest)) {
		notice('Usage: /kick ALIAS', 'warn');
		return false;
	}
	const who = findMember(rest);
	if (!who) {
		notice('There is nobody called “' + rest + '” in the room.', 'warn');
		return false;
	}
	if (!state.session.isModerator()) {
		notice(errorText('notallowed'), 'warn');
		return true;
	}
	state.session.kick(who);
	return true;
}

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
		if (!state.session.isModerator()) {
			notice(errorText('notallowed'), 'warn');
			return true;
		}
		state.session.stop();
		return true;
	case 'kick':
		return kick(rest);
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
	if (!state.session)
		return;
	let text = ui.message.value;
	if (!text.trim())
		return;
	let done;
	if (text.startsWith('//'))
		text = text.slice(1);
	else if (text.startsWith('/')) {
		done = command(text.trim());
		if (done && state.session !== null) {
			ui.message.value = '';
			growComposer();
			suggestClose();
		}
		return;
	}
	done = sendText(text, state.whisperTarget);
	if (done) {
		ui.message.value = '';
		growComposer();
		suggestClose();
	}
	ui.message.focus();
}

function onKey(ev) {
	if (suggestKey(ev))
		return;
	if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
		ev.preventDefault();
		ui.composer.requestSubmit();
	} else if (ev.key === 'Escape' && state.whisperTarget) {
		setWhisper(null);
	}
}

/*
 * Tells the room we type (Session.typing throttles it): not for a command,
 * not while whispering (that would tell everyone of a private word), never
 * when switched off.
 */
function typingNow() {
	const s = state.session;
	const v = ui.message.value;
	if (s && prefs.typing && !state.whisperTarget && v.trim() &&
	    (!v.startsWith('/') || v.startsWith('//')))
		s.typing();
}

/* For browsers without CSS field-sizing: grow with the text, up to 6 lines. */
function growComposer() {
	const lines = ui.message.value.split('\n').length;
	ui.message.rows = Math.min(6, Math.max(1, lines));
}

/*
 * Version 2: the photo at up to 1600 px, in parts; at most MAX_PARTS parts
 * and MAX_IMAGE_BYTES, whichever is smaller, after re-encoding.
 */
async function sendParts(s, file, to) {
	const kind = to ? 'purr' : 'msg';
	const max = Math.min(MAX_IMAGE_BYTES,
	    MAX_PARTS * partBytesFor(s.maxTextBytes(kind, to)));
	const img = await imageParts(file, max);
	if (state.session !== s)
		return;
	if (!sendMine(s, (cb) => s.sendImage(img.bytes, img.mime, to, cb),
	    {from: s.alias, mine: true, whisper: !!to, to, mime: img.mime,
		bytes: img.bytes}, addImage))
		notice('This image could not be sent.', 'warn');
}

async function sendImage(file) {
	const s = state.session;
	if (!s || !file)
		return;
	const to = state.whisperTarget ? findMember(state.whisperTarget) : null;
	const max = s.maxTextBytes(to ? 'purr' : 'msg', to || '');
	const n = notice('Preparing the image…', 'muted');
	try {
		if (s.e2e) {
			await sendParts(s, file, to);
			n.remove();
			return;
		}
		const html = await imageMessage(file, max);
		n.remove();
		sendText(html, to);
	} catch (e) {
		n.textContent = e.message;
		n.className = 'notice warn';
	}
}

export function composerInit() {
	ui.composer.addEventListener('submit', onSubmit);
	ui.message.addEventListener('keydown', onKey);
	ui.message.addEventListener('input', () => {
		growComposer();
		suggestUpdate();
		typingNow();
	});
	ui.message.addEventListener('click', suggestUpdate);
	ui.message.addEventListener('blur', suggestClose);
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
}
