/*
 * The browser suite's cases for the rest of issue 12 in version 2 rooms:
 * the typing indicator, images sent in parts, and resend across a resume.
 * A raw member (RawMember of v2.js) watches the wire: it opens what the
 * browsers send with the epoch key, as any member can. run.js calls
 * mediaScenarios() with its helpers in H, after v2Scenarios (v2Init).
 */

import assert from 'node:assert/strict';
import {RawMember} from './v2.js';

let H;

async function createRoom(u, alias) {
	await u.page.goto(H.lobbyUrl());
	await u.page.fill('#create-alias', alias);
	await u.page.click('#create-button');
	await H.inRoom(u);
	const link = await u.page.inputValue('#invite-link');
	await u.page.click('#invite-dialog .dialog-close');
	return link;
}

/* The room frames FROM sent to the raw member WHO since event SINCE, opened. */
function opened(who, from, since) {
	return H.raw.events.slice(since).filter((e) => e.id === who.id &&
	    e.ev === 'recv' && e.frame.startsWith('msg ' + from + ' '))
	    .map((e) => who.open(e.frame.split(' ')[2]))
	    .filter((f) => f && f.verify(who.peers.get(from).spk));
}

async function typingShown(u) {
	return u.page.evaluate(() => {
		const t = document.getElementById('typing');
		return t.hidden ? '' : t.textContent;
	});
}

async function setPref(u, id, on) {
	await u.page.click('#menu-button');
	await u.page.waitForSelector('#menu-dialog[open]');
	await u.page.setChecked('#' + id, on);
	await u.page.click('#menu-done');
}

/* Screenshots of U at 1280x800 and 360x640, light and dark, as NAME-*. */
async function shots(u, name, ready) {
	for (const [w, h] of [[1280, 800], [360, 640]])
		for (const scheme of ['light', 'dark']) {
			await u.page.setViewportSize({width: w, height: h});
			await u.page.emulateMedia({colorScheme: scheme});
			if (ready)
				await ready();
			await H.shot(u, name + '-' + w + '-' + scheme);
		}
	await u.page.setViewportSize({width: 1280, height: 800});
	await u.page.emulateMedia({colorScheme: 'light'});
}

export async function mediaScenarios(h) {
	H = h;
	const {run, person, waitLog} = H;
	const st = {};

	await run.test('typing: encrypted and signed, at most one frame per 3 s, shown under the log, cleared by the message, off with one switch', async () => {
		const tia = await person('tia');
		const tom = await person('tom');
		st.link = await createRoom(tia, 'tia');
		await H.joinWithLink(tom, st.link, 'tom');
		await waitLog(tia, 'tom joined.');
		const eye = new RawMember('eye', 'eye', st.link);
		await eye.join(H.RELAY);
		await waitLog(tom, 'eye joined.');
		const logBefore = await tia.page.evaluate(() =>
		    document.getElementById('log').childElementCount);
		const since = H.raw.events.length;
		/* About 7 s of steady typing, a key every 250 ms. */
		const t0 = Date.now();
		await tom.page.focus('#message');
		while (Date.now() - t0 < 7000)
			await tom.page.keyboard.type('x', {delay: 250});
		assert.match(await typingShown(tia), /^tom is typing…$/);
		await shots(tia, 'typing', () => tia.page.evaluate(() =>
		    document.getElementById('typing').hidden === false));
		const typed = opened(eye, 'tom', since).filter((f) => f.kind === 'typing');
		assert.ok(typed.length >= 2 && typed.length <= 3,
		    typed.length + ' typing frames in 7 s of typing');
		assert.deepEqual(typed.map((f) => f.text), typed.map(() => ''));
		/* No chat message, no notice, no delivery mark from typing. */
		assert.equal(await tia.page.evaluate(() =>
		    document.getElementById('log').childElementCount), logBefore);
		assert.equal(await tom.page.$$eval('#log .msg.mine', (m) => m.length), 0);
		/* The message clears the line at once. */
		await tom.page.fill('#message', 'typed-and-sent');
		await tom.page.press('#message', 'Enter');
		await waitLog(tia, 'typed-and-sent');
		assert.equal(await typingShown(tia), '');
		/* A raw member's typing shows; with the switch off it does not. */
		eye.send(eye.msg('', {kind: 'typing'}));
		await tia.page.waitForFunction(() =>
		    document.getElementById('typing').textContent === 'eye is typing…');
		const bad = [];
		await H.axeBoth(tia, 'room with typing', bad);
		assert.deepEqual(bad, []);
		await setPref(tia, 'pref-typing', false);
		assert.equal(await typingShown(tia), '');
		eye.send(eye.msg('', {kind: 'typing'}));
		eye.send(eye.msg('eye-after-typing'));
		await waitLog(tia, 'eye-after-typing');
		assert.equal(await typingShown(tia), '');
		/* Off at tom: nothing goes out while he types. */
		await setPref(tom, 'pref-typing', false);
		const since2 = H.raw.events.length;
		await tom.page.focus('#message');
		await tom.page.keyboard.type('quiet typing', {delay: 200});
		await tom.page.press('#message', 'Enter');
		await waitLog(tia, 'quiet typing');
		const after = opened(eye, 'tom', since2);
		assert.deepEqual(after.map((f) => f.kind), ['msg']);
		await setPref(tia, 'pref-typing', true);
		await setPref(tom, 'pref-typing', true);
		st.eye = eye;
	}, {timeout: 60000});
}
