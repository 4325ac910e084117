/*
 * Telling the person about a message while the tab is hidden: a short tone
 * made with WebAudio (no audio file), and a system notification where the
 * page is a secure context (https, localhost) and the person allowed it.
 * What to alert on and how live in PREFS, in this tab's memory only: a
 * new tab starts from the defaults, since nothing is ever stored.
 */

import {state} from './state.js';

export const prefs = {
	on: 'direct',		/* 'direct' (whispers, mentions), 'all', 'none' */
	sound: true,
	notify: false,
	preview: false,		/* put the alias and text in notifications */
	typing: true		/* send and show typing (typing.js) */
};


/*
 * Browsers start audio only after a gesture: make the context on the
 * person's first tap or key press, so that a tone can play later in a
 * hidden tab.
 */
function unlockAudio() {
	const AC = window.AudioContext || window.webkitAudioContext;
	if (state.alert.audio || !AC)
		return;
	try {
		state.alert.audio = new AC();
	} catch (e) {
		state.alert.audio = null;
	}
}

/* Two soft sine notes, a quarter second in all. */
function tone() {
	if (!state.alert.audio)
		return;
	if (state.alert.audio.state === 'suspended')
		state.alert.audio.resume().catch(() => {});
	const t = state.alert.audio.currentTime;
	const gain = state.alert.audio.createGain();
	gain.connect(state.alert.audio.destination);
	gain.gain.setValueAtTime(0.0001, t);
	gain.gain.exponentialRampToValueAtTime(0.12, t + 0.02);
	gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.28);
	const osc = state.alert.audio.createOscillator();
	osc.type = 'sine';
	osc.frequency.setValueAtTime(880, t);
	osc.frequency.setValueAtTime(1175, t + 0.1);
	osc.connect(gain);
	osc.start(t);
	osc.stop(t + 0.3);
}

export function notifyPossible() {
	return window.isSecureContext && 'Notification' in window;
}

/* Asks for permission, from the toggle's click; resolves true if granted. */
export async function askNotify() {
	if (!notifyPossible())
		return false;
	if (Notification.permission === 'granted')
		return true;
	try {
		return await Notification.requestPermission() === 'granted';
	} catch (e) {
		return false;
	}
}

function notify(title, body) {
	if (!prefs.notify || !notifyPossible() || Notification.permission !== 'granted')
		return;
	try {
		state.alert.shown = new Notification(title, {body, tag: 'sanctuary', silent: true});
		state.alert.shown.onclick = () => {
			window.focus();
			state.alert.shown.close();
		};
	} catch (e) {
		/* Android Chromium wants a service worker: no notification. */
	}
}

function clip(text) {
	const t = text.replace(/\s+/g, ' ').trim();
	return t.length > 140 ? t.slice(0, 139) + '…' : t;
}

/*
 * A message from someone else arrived: FROM, its visible TEXT, whether it
 * is a WHISPER and whether it MENTIONs us. Only while the tab is hidden.
 */
export function alertMessage({from, text, whisper, mention}) {
	if (document.visibilityState !== 'hidden' || prefs.on === 'none')
		return;
	if (prefs.on === 'direct' && !whisper && !mention)
		return;
	if (prefs.sound)
		tone();
	const what = whisper ? 'A whisper' : mention ? 'A mention' : 'A message';
	if (prefs.preview)
		notify(what + ' from ' + from, clip(text));
	else
		notify('Sanctuary', what + ' in your room.');
}

function onVisible() {
	if (document.visibilityState === 'visible' && state.alert.shown) {
		state.alert.shown.close();
		state.alert.shown = null;
	}
}

export function alertInit() {
	document.addEventListener('pointerdown', unlockAudio, {capture: true});
	document.addEventListener('keydown', unlockAudio, {capture: true});
	document.addEventListener('visibilitychange', onVisible);
}
