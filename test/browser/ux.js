/*
 * The browser suite's cases for what a person feels in the room (issue 12):
 * alerts while hidden, @mentions, the "/" command menu, the unread pill and
 * divider, folding and code blocks, the theme switch, axe-core on every
 * view and size, the keyboard, and the README's phone screenshot. run.js
 * calls uxScenarios() after its own cases, with its helpers in H.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

let H;

/* Lets a test hide the tab (headless Chromium never does) and counts tones and notifications. */
function pageHooks() {
	let hidden = false;
	Object.defineProperty(Document.prototype, 'visibilityState', {
		configurable: true, get: () => (hidden ? 'hidden' : 'visible')
	});
	window.__hide = (h) => {
		hidden = h;
		document.dispatchEvent(new Event('visibilitychange'));
	};
	window.__tones = 0;
	if (window.OscillatorNode) {
		const start = OscillatorNode.prototype.start;
		OscillatorNode.prototype.start = function (...a) {
			window.__tones++;
			return start.apply(this, a);
		};
	}
	window.__notes = [];
	if (window.Notification) {
		const N = window.Notification;
		window.Notification = class extends N {
			constructor(title, opts) {
				window.__notes.push({title, body: opts && opts.body});
				super(title, opts);
			}
		};
	}
}

async function uxPerson(name, opts) {
	const u = await H.person(name, opts);
	await u.ctx.addInitScript(pageHooks);
	return u;
}

async function createRoom(u, alias, url = H.lobbyUrl()) {
	await u.page.goto(url);
	await u.page.fill('#create-alias', alias);
	await u.page.check('input[name="mode"][value="everyone"]');
	await u.page.click('#create-button');
	await H.inRoom(u);
	const link = await u.page.inputValue('#invite-link');
	await u.page.click('#invite-dialog .dialog-close');
	return link;
}

async function storage(u) {
	return u.page.evaluate(async () => [localStorage.length, sessionStorage.length,
	    document.cookie, (await indexedDB.databases()).length]);
}

async function leave(u) {
	await u.page.click('#leave-button');
	await u.page.click('#leave-confirm');
	await H.inLobby(u);
}

/* The last message's bottom edge is inside the log's visible box. */
async function lastVisible(u) {
	return u.page.evaluate(() => {
		const log = document.getElementById('log');
		const all = log.querySelectorAll('.msg');
		const m = all[all.length - 1].getBoundingClientRect();
		const l = log.getBoundingClientRect();
		return {msgBottom: Math.round(m.bottom), logBottom: Math.round(l.bottom)};
	});
}

export async function uxScenarios(hooks) {
	H = hooks;
	const {run} = H;
	let ana, ben, link;

	await run.test('ux: the lobby at 360x640 shows "Create a private room" without scrolling; the theme switch works, in memory only', async () => {
		ana = await uxPerson('ana', {width: 360, height: 640});
		await ana.page.goto(H.lobbyUrl());
		const box = await ana.page.evaluate(() => {
			const b = document.getElementById('create-button').getBoundingClientRect();
			return {bottom: b.bottom, y: window.scrollY, h: window.innerHeight};
		});
		assert.ok(box.bottom <= box.h, 'create button ends at ' + box.bottom + ' of ' + box.h);
		await H.shot(ana, 'ux-lobby-360');
		const bg = () => ana.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		const light = await bg();
		await ana.page.click('.lobby .theme-switch label:has(input[value="dark"])');
		assert.equal(await ana.page.getAttribute('html', 'data-theme'), 'dark');
		const dark = await bg();
		assert.notEqual(dark, light, 'dark theme changes the background');
		await H.shot(ana, 'ux-lobby-360-dark');
		/* Light forced on a dark device. */
		await ana.page.emulateMedia({colorScheme: 'dark'});
		await ana.page.click('.lobby .theme-switch label:has(input[value="light"])');
		assert.equal(await bg(), light);
		await ana.page.click('.lobby .theme-switch label:has(input[value="system"])');
		assert.equal(await bg(), dark, 'system follows the device');
		await ana.page.emulateMedia({colorScheme: 'light'});
		assert.deepEqual(await storage(ana), [0, 0, '', 0]);
	});

	await run.test('ux: "/" opens the command menu with one-line help at 360 px, by keyboard and by touch', async () => {
		link = await createRoom(ana, 'ana');
		ben = await uxPerson('ben', {width: 390, height: 844, hasTouch: true});
		await H.joinWithLink(ben, link, 'ben');
		await H.waitLog(ana, 'ben joined.');
		const hint = await ana.page.locator('#composer-hint').boundingBox();
		assert.ok(hint && hint.height > 0, 'the hint is shown at 360 px');
		assert.match(await ana.page.textContent('#composer-hint'), /Type \/ for commands/);
		await ana.page.fill('#message', '');
		await ana.page.type('#message', '/');
		await ana.page.waitForSelector('#suggest[role="listbox"]:not([hidden])');
		const opts = await ana.page.$$eval('#suggest [role="option"]', (os) => os.map((o) => o.textContent));
		assert.equal(opts.length, 5);
		assert.ok(opts.every((o) => /\w \w/.test(o)), 'each command has its help: ' + opts);
		await H.shot(ana, 'ux-commands-360');
		assert.equal(await ana.page.getAttribute('#message', 'aria-activedescendant'), 'suggest-0');
		await ana.page.keyboard.press('ArrowDown');
		assert.equal(await ana.page.getAttribute('#message', 'aria-activedescendant'), 'suggest-1');
		assert.equal(await ana.page.getAttribute('#suggest-1', 'aria-selected'), 'true');
		await ana.page.keyboard.press('Enter');
		assert.equal(await ana.page.inputValue('#message'), '/kick ');
		assert.ok(await ana.page.isHidden('#suggest'));
		await ana.page.fill('#message', '/e');
		await ana.page.keyboard.press('Escape');
		assert.ok(await ana.page.isHidden('#suggest'));
		await ana.page.fill('#message', '');
		/* Touch: tap "/help" in the list. */
		await ben.page.tap('#message');
		await ben.page.type('#message', '/h');
		await ben.page.tap('#suggest [role="option"]:has-text("/help")');
		assert.equal(await ben.page.inputValue('#message'), '/help ');
		await ben.page.keyboard.press('Enter');
		await H.waitLog(ben, '/purr ALIAS MESSAGE: whisper to one person');
		/* A typed-out command still runs on the first Enter. */
		await H.say(ben, '/help');
		assert.equal(await ben.page.inputValue('#message'), '');
	});

	await run.test('ux: @ completes an alias (keyboard and touch), the mention is highlighted for the one mentioned only', async () => {
		await ben.page.fill('#message', 'thanks ');
		await ben.page.type('#message', '@a');
		await ben.page.waitForSelector('#suggest:not([hidden]) [role="option"]:has-text("@ana")');
		await ben.page.tap('#suggest [role="option"]');
		assert.equal(await ben.page.inputValue('#message'), 'thanks @ana ');
		await ben.page.type('#message', 'for the room');
		await ben.page.keyboard.press('Enter');
		await H.waitLog(ana, 'for the room');
		const seen = await ana.page.evaluate(() => {
			const all = document.querySelectorAll('#log .msg');
			const m = all[all.length - 1];
			return {me: m.classList.contains('mentions-me'), mark: (m.querySelector('mark.mention') || {}).textContent};
		});
		assert.deepEqual(seen, {me: true, mark: '@ana'});
		assert.equal(await ben.page.locator('#log mark.mention').count(), 0, 'not highlighted for the sender');
		/* Keyboard: Tab takes the option. */
		await ana.page.fill('#message', '');
		await ana.page.type('#message', 'ok @B');
		await ana.page.waitForSelector('#suggest:not([hidden])');
		await ana.page.keyboard.press('Tab');
		assert.equal(await ana.page.inputValue('#message'), 'ok @ben ');
		await ana.page.keyboard.press('Enter');
		await H.waitLog(ben, 'ok @ben');
		assert.equal(await ben.page.locator('#log .msg.mentions-me mark.mention').count(), 1);
		/* "@bent" is not "@ben". */
		await H.say(ana, 'ask @bent later');
		await H.waitLog(ben, 'ask @bent later');
		assert.equal(await ben.page.locator('#log .msg.mentions-me').count(), 1);
	});

	await run.test('ux: a tone while hidden for whispers and mentions (not other messages), the menu turns it off; nothing stored', async () => {
		const tones = () => ana.page.evaluate(() => window.__tones);
		await ana.page.evaluate(() => window.__hide(true));
		const t0 = await tones();
		await H.say(ben, 'plain message while hidden');
		await H.waitLog(ana, 'plain message while hidden');
		assert.equal(await tones(), t0, 'no tone for an ordinary message');
		await H.say(ben, '/purr ana a secret while hidden');
		await H.waitLog(ana, 'a secret while hidden');
		assert.equal(await tones(), t0 + 1, 'a tone for a whisper');
		await H.say(ben, '@ana are you there?');
		await H.waitLog(ana, 'are you there?');
		assert.equal(await tones(), t0 + 2, 'a tone for a mention');
		assert.match(await ana.page.title(), /^\(\d+\) /);
		await ana.page.evaluate(() => window.__hide(false));
		/* The room menu: sound off. */
		await ana.page.click('#menu-button');
		await ana.page.waitForSelector('#menu-dialog[open]');
		assert.equal(await ana.page.isChecked('#pref-sound'), true, 'sound on by default');
		assert.equal(await ana.page.isDisabled('#pref-notify'), true, 'no notifications outside a secure context');
		assert.match(await ana.page.textContent('#notify-hint'), /secure page/);
		await H.shot(ana, 'ux-menu-360');
		await ana.page.uncheck('#pref-sound');
		await ana.page.click('#menu-done');
		await ana.page.evaluate(() => window.__hide(true));
		await H.say(ben, '/purr ana quiet now');
		await H.waitLog(ana, 'quiet now');
		assert.equal(await tones(), t0 + 2, 'no tone once turned off');
		await ana.page.evaluate(() => window.__hide(false));
		assert.deepEqual(await storage(ana), [0, 0, '', 0]);
		await ana.page.click('#menu-button');
		await ana.page.check('#pref-sound');
		await ana.page.click('#menu-done');
	});

	await run.test('ux: system notifications in a secure context, with the text only if previews are allowed', async () => {
		const cara = await uxPerson('cara', {width: 1366, height: 768});
		const origin = 'http://127.0.0.1:' + H.servPort();
		await cara.ctx.grantPermissions(['notifications'], {origin});
		await cara.page.goto(origin + '/' + link.slice(link.indexOf('#')));
		await cara.page.waitForSelector('#join-form:not([hidden])');
		await cara.page.fill('#join-alias', 'cara');
		await cara.page.click('#join-button');
		await H.inRoom(cara);
		assert.equal(await cara.page.evaluate(() => window.isSecureContext), true);
		await cara.page.click('#menu-button');
		assert.equal(await cara.page.isDisabled('#pref-notify'), false);
		assert.equal(await cara.page.isDisabled('#pref-preview'), true, 'previews need notifications on');
		await cara.page.check('#pref-notify');
		await cara.page.waitForFunction(() => !document.getElementById('pref-preview').disabled);
		await cara.page.click('#menu-done');
		const notes = () => cara.page.evaluate(() => window.__notes);
		await cara.page.evaluate(() => window.__hide(true));
		await H.say(ben, '/purr cara NOTE-SECRET-1');
		await H.waitLog(cara, 'NOTE-SECRET-1');
		let n = await notes();
		assert.equal(n.length, 1);
		assert.ok(!JSON.stringify(n).includes('NOTE-SECRET') && !JSON.stringify(n).includes('ben'),
		    'no text without previews: ' + JSON.stringify(n));
		await cara.page.evaluate(() => window.__hide(false));
		await cara.page.click('#menu-button');
		await cara.page.check('#pref-preview');
		await cara.page.click('#menu-done');
		await cara.page.evaluate(() => window.__hide(true));
		await H.say(ben, '/purr cara NOTE-SECRET-2');
		await H.waitLog(cara, 'NOTE-SECRET-2');
		n = await notes();
		assert.equal(n.length, 2);
		assert.match(n[1].title, /ben/);
		assert.match(n[1].body, /NOTE-SECRET-2/);
		await cara.page.evaluate(() => window.__hide(false));
		assert.deepEqual(await storage(cara), [0, 0, '', 0]);
		await leave(cara);
	});

	await run.test('ux: scrolled up, a "new messages ↓" pill counts and an unread divider marks; the whisper chip does not hide the last message', async () => {
		for (let i = 0; i < 25; i++)
			await H.say(ana, 'filler line ' + i);
		await H.waitLog(ben, 'filler line 24');
		await ben.page.evaluate(() => { document.getElementById('log').scrollTop = 0; });
		await ben.page.waitForTimeout(100);
		for (const t of ['unseen one', 'unseen two', 'unseen three'])
			await H.say(ana, t);
		await H.waitLog(ben, 'unseen three');
		await ben.page.waitForSelector('#new-pill:not([hidden])');
		assert.equal(await ben.page.textContent('#new-pill'), '3 new messages ↓');
		const div = await ben.page.evaluate(() => {
			const d = document.querySelector('#log .unread-divider');
			return d && d.nextElementSibling.textContent;
		});
		assert.match(div || '', /unseen one/);
		await H.shot(ben, 'ux-pill-390');
		await ben.page.tap('#new-pill');
		await ben.page.waitForSelector('#new-pill', {state: 'hidden'});
		let v = await lastVisible(ben);
		assert.ok(v.msgBottom <= v.logBottom, 'after the pill: ' + JSON.stringify(v));
		/* Pinned: the whisper chip and a taller composer keep the end in view. */
		await ben.page.tap('#people-button');
		await ben.page.tap('#member-list .member:has-text("ana")');
		await ben.page.tap('#member-whisper');
		await ben.page.waitForSelector('#whisper-chip:not([hidden])');
		v = await lastVisible(ben);
		assert.ok(v.msgBottom <= v.logBottom, 'with the whisper chip: ' + JSON.stringify(v));
		await ben.page.fill('#message', 'one\ntwo\nthree\nfour\nfive');
		v = await lastVisible(ben);
		assert.ok(v.msgBottom <= v.logBottom, 'with five lines typed: ' + JSON.stringify(v));
		await H.shot(ben, 'ux-whisper-chip-390');
		await ben.page.fill('#message', '');
		await ben.page.tap('#whisper-cancel');
	});

	await run.test('ux: a long message folds after 25 lines with "Show more"; a code block has Copy and scrolls sideways on a phone', async () => {
		const lines = Array.from({length: 40}, (_, i) => 'line ' + (i + 1)).join('\n');
		await H.say(ana, lines + '\nLAST-OF-LONG');
		await H.waitLog(ben, 'LAST-OF-LONG');
		const m = ben.page.locator('#log .msg').last();
		const h0 = (await m.locator('.bubble').boundingBox()).height;
		assert.equal(await m.locator('.bubble').evaluate((b) => b.classList.contains('folded')), true);
		const lh = await m.locator('.bubble').evaluate((b) => parseFloat(getComputedStyle(b).lineHeight));
		assert.ok(h0 < lh * 28 && h0 > lh * 20, 'folded height ' + h0 + ' for line height ' + lh);
		const fold = m.locator('button.fold');
		assert.equal(await fold.textContent(), 'Show more');
		assert.equal(await fold.getAttribute('aria-expanded'), 'false');
		await fold.tap();
		assert.equal(await fold.getAttribute('aria-expanded'), 'true');
		assert.ok((await m.locator('.bubble').boundingBox()).height > lh * 40);
		await fold.tap();
		/* A short one does not fold. */
		await H.say(ana, 'short\nmessage');
		await H.waitLog(ben, 'short\nmessage');
		assert.equal(await ben.page.locator('#log .msg').last().locator('button.fold').count(), 0);
		const code = 'const x = ' + '"wide" + '.repeat(30) + '1;';
		await H.say(ana, '<pre><code>' + code + '</code></pre>');
		await H.waitLog(ben, '"wide" + "wide"');
		const c = await ben.page.evaluate(() => {
			const all = document.querySelectorAll('#log .msg');
			const last = all[all.length - 1];
			const pre = last.querySelector('pre');
			return {scrolls: pre.scrollWidth > pre.clientWidth + 20,
			    right: last.getBoundingClientRect().right, vw: window.innerWidth,
			    page: document.documentElement.scrollWidth,
			    button: (last.querySelector('.code > button.copy-code') || {}).textContent};
		});
		assert.equal(c.scrolls, true, 'the code block scrolls sideways');
		assert.ok(c.right <= c.vw && c.page <= c.vw, 'the page does not: ' + JSON.stringify(c));
		assert.equal(c.button, 'Copy');
		await H.shot(ben, 'ux-code-390');
		await ben.page.locator('#log .msg').last().locator('button.copy-code').tap();
		const after = await ben.page.evaluate(() => ({
			label: document.querySelector('#log .msg:last-child button.copy-code').textContent,
			sel: window.getSelection().toString()
		}));
		assert.ok(after.label === 'Copied' || after.label === 'Selected', after.label);
		assert.equal(after.sel, code, 'outside a secure context the code is selected and copied');
	});

	await run.test('ux: axe finds no serious violation on lobby, invite, room, drawer, menus and dialogs, light and dark, 1366x768, 390x844 and 360x640', async () => {
		const bad = [];
		const views = async (u, w, h) => {
			await u.page.setViewportSize({width: w, height: h});
			const tag = ' ' + w + 'x' + h;
			await both(u, 'ux room' + tag, bad);
			await u.page.fill('#message', '/');
			await u.page.dispatchEvent('#message', 'input');
			await u.page.waitForSelector('#suggest:not([hidden])');
			await both(u, 'ux command menu' + tag, bad);
			await u.page.fill('#message', '');
			await u.page.dispatchEvent('#message', 'input');
			await u.page.click('#invite-button');
			await both(u, 'ux invite' + tag, bad);
			await u.page.click('#invite-dialog .dialog-close');
			await u.page.click('#menu-button');
			await both(u, 'ux settings' + tag, bad);
			await u.page.click('#menu-done');
			if (w < 900) {
				await u.page.click('#people-button');
				await both(u, 'ux drawer' + tag, bad);
			}
			await u.page.click('#member-list .member:not(:disabled)');
			await both(u, 'ux member dialog' + tag, bad);
			await u.page.keyboard.press('Escape');
			await u.page.click('#leave-button');
			await both(u, 'ux leave dialog' + tag, bad);
			await u.page.keyboard.press('Escape');
		};
		/* light and dark, by the device and by the switch */
		const both = async (u, label, list) => {
			await H.axeBoth(u, label, list);
			for (const t of ['dark', 'light']) {
				await u.page.evaluate((x) => { document.documentElement.dataset.theme = x; }, t);
				list.push(...await H.axe(u, label + ' forced ' + t));
			}
			await u.page.evaluate(() => { delete document.documentElement.dataset.theme; });
		};
		for (const [w, h] of [[1366, 768], [390, 844], [360, 640]])
			await views(ben, w, h);
		await ben.page.setViewportSize({width: 390, height: 844});
		const lobby = await uxPerson('lobbyaxe', {width: 360, height: 640});
		for (const [w, h] of [[1366, 768], [390, 844], [360, 640]]) {
			await lobby.page.setViewportSize({width: w, height: h});
			await lobby.page.goto(H.lobbyUrl());
			await both(lobby, 'ux lobby ' + w + 'x' + h, bad);
			await lobby.page.goto(link);
			await lobby.page.waitForSelector('#join-form:not([hidden])');
			await both(lobby, 'ux lobby invite ' + w + 'x' + h, bad);
		}
		await lobby.page.goto(H.lobbyUrl());
		assert.deepEqual(bad, []);
	}, {timeout: 240000});

	await run.test('ux: the keyboard alone: menu, settings and log; the log is announced politely', async () => {
		const p = ana.page;
		assert.equal(await p.getAttribute('#log', 'aria-live'), 'polite');
		assert.equal(await p.getAttribute('#log', 'role'), 'log');
		await p.focus('#message');
		/* Shift+Tab back from the composer reaches the log, then the header's buttons. */
		const order = [];
		while (order.length < 40 && !order.includes('leave-button')) {
			await p.keyboard.press('Shift+Tab');
			order.push(await p.evaluate(() => document.activeElement.id || document.activeElement.className));
		}
		for (const id of ['log', 'menu-button', 'invite-button', 'leave-button'])
			assert.ok(order.includes(id), id + ' not reached by Tab: ' + order.join(', '));
		await p.focus('#menu-button');
		await p.keyboard.press('Enter');
		await p.waitForSelector('#menu-dialog[open]');
		await p.focus('#pref-sound');
		await p.keyboard.press('Space');
		assert.equal(await p.isChecked('#pref-sound'), false);
		await p.keyboard.press('Space');
		await p.keyboard.press('Escape');
		await p.waitForSelector('#menu-dialog[open]', {state: 'detached'});
		/* The close event is a task queued after [open] goes away. */
		await p.waitForFunction(() => document.activeElement.id === 'message',
		    null, {timeout: 3000}).catch(async () => {
			assert.equal(await p.evaluate(() => document.activeElement.id), 'message');
		});
	});

	await run.test('ux: phone screenshot of a room for the README (390x844)', async () => {
		const shotPath = path.join(H.SHOTS, 'readme-room-390.png');
		await leave(ana);
		await leave(ben);
		link = await createRoom(ana, 'ana');
		await H.joinWithLink(ben, link, 'ben');
		await H.waitLog(ana, 'ben joined.');
		await H.say(ana, 'Thanks for coming here instead of the group chat.');
		await H.waitLog(ben, 'instead of the group chat');
		await H.say(ben, 'Of course. Three things for tonight?');
		await H.waitLog(ana, 'Three things');
		await H.say(ana, '<p>Yes:</p><ol><li>the budget</li><li>who speaks first</li><li>the venue</li></ol>');
		await H.waitLog(ben, 'who speaks first');
		await H.say(ana, 'Shall we meet at <b>nine</b>? @ben');
		await H.waitLog(ben, 'Shall we meet at');
		await H.say(ben, 'Yes, nine works. I will bring the <i>map</i>.');
		await H.waitLog(ana, 'bring the map');
		await H.say(ben, '/purr ana and the spare key');
		await H.waitLog(ana, 'spare key');
		await ben.page.setViewportSize({width: 390, height: 844});
		await ben.page.evaluate(() => {
			const log = document.getElementById('log');
			log.scrollTop = log.scrollHeight;
		});
		await ben.page.screenshot({path: shotPath});
		assert.ok(fs.statSync(shotPath).size > 10000);
		await leave(ana);
		await leave(ben);
		for (const u of [ana, ben])
			assert.deepEqual(await storage(u), [0, 0, '', 0]);
	});

	await run.test('ux: no page error, dialog or CSP violation in the ux cases', async () => {
		for (const u of Object.values(H.users).filter((x) => ['ana', 'ben', 'cara', 'lobbyaxe'].includes(x.name))) {
			assert.deepEqual(u.csp, [], u.name + ': CSP violations');
			assert.deepEqual(u.errors, [], u.name + ': page errors');
			assert.deepEqual(u.dialogs, [], u.name + ': dialogs');
		}
	});
}
