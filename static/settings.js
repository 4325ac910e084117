/*
 * The room menu (alerts, sound, notifications, typing) and the theme switch of the
 * lobby and the menu. Every choice lives in this tab's memory (alert.js's
 * prefs, an attribute on <html>): nothing is stored, so a new tab starts
 * from the defaults.
 */

import {prefs, notifyPossible, askNotify} from './alert.js';
import {state} from './state.js';
import {typingClear} from './typing.js';
import {ui} from './ui.js';

/* 'system' follows the device; 'light' and 'dark' override it. */
export function setTheme(theme) {
	const root = document.documentElement;
	if (theme === 'light' || theme === 'dark')
		root.dataset.theme = theme;
	else
		delete root.dataset.theme;
	for (const r of document.querySelectorAll('input[data-theme-choice]'))
		r.checked = r.value === (root.dataset.theme || 'system');
}

function syncMenu() {
	for (const r of ui.menuDialog.querySelectorAll('input[name="alert-on"]'))
		r.checked = r.value === prefs.on;
	ui.prefSound.checked = prefs.sound;
	ui.prefNotify.checked = prefs.notify;
	ui.prefPreview.checked = prefs.preview;
	ui.prefTyping.checked = prefs.typing;
	ui.prefPreview.disabled = !prefs.notify;
	const can = notifyPossible();
	ui.prefNotify.disabled = !can;
	if (!can)
		ui.notifyHint.textContent = 'System notifications need a secure page ' +
		    '(https, or this computer as localhost).';
	else if (Notification.permission === 'denied')
		ui.notifyHint.textContent = 'This browser blocks notifications from this page.';
	else
		ui.notifyHint.textContent = 'Only while this tab is hidden.';
}

export function openMenu() {
	syncMenu();
	const s = state.session;
	ui.rotateBox.hidden = !(s && s.e2e && s.isModerator());
	ui.prefRotate.checked = !!(s && s.rotatesOnLeave());
	if (!ui.menuDialog.open)
		ui.menuDialog.showModal();
}

async function onNotify() {
	if (!ui.prefNotify.checked) {
		prefs.notify = prefs.preview = false;
		syncMenu();
		return;
	}
	prefs.notify = await askNotify();
	syncMenu();
}

export function settingsInit() {
	ui.menuButton.addEventListener('click', openMenu);
	ui.rotateButton.addEventListener('click', () => {
		ui.menuDialog.close();
		if (state.session)
			state.session.rekey(null).catch(() => {});
	});
	ui.prefRotate.addEventListener('change', () => {
		const s = state.session, on = ui.prefRotate.checked;
		if (!s)
			return;
		s.setRotateOnLeave(on).then((ok) => {
			if (!ok)
				ui.prefRotate.checked = !on;
		}, () => {
			ui.prefRotate.checked = !on;
		});
	});
	ui.menuDialog.addEventListener('close', () => ui.message.focus());
	ui.menuDialog.querySelector('.dialog-close').addEventListener('click',
	    () => ui.menuDialog.close());
	ui.menuDialog.addEventListener('change', (ev) => {
		const t = ev.target;
		if (t.name === 'alert-on')
			prefs.on = t.value;
		else if (t === ui.prefSound)
			prefs.sound = t.checked;
		else if (t === ui.prefPreview)
			prefs.preview = t.checked;
		else if (t === ui.prefNotify)
			onNotify();
		else if (t === ui.prefTyping) {
			prefs.typing = t.checked;
			if (!t.checked)
				typingClear();
		}
	});
	document.addEventListener('change', (ev) => {
		if (ev.target.dataset && ev.target.dataset.themeChoice !== undefined)
			setTheme(ev.target.value);
	});
	setTheme('system');
}
