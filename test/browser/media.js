/*
 * The browser suite's cases for the rest of issue 12 in version 2 rooms:
 * the typing indicator, images sent in parts, and resend across a resume.
 * A raw member (RawMember of v2.js) watches the wire: it opens what the
 * browsers send with the epoch key, as any member can. run.js calls
 * mediaScenarios() with its helpers in H, after v2Scenarios (v2Init).
 */

import assert from 'node:assert/strict';
import path from 'node:path';
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
		await H.raw.waitFor((e) => e.id === eye.id && e.ev === 'recv' &&
		    opened(eye, 'tom', since2).some((f) => f.text === 'quiet typing'), 10000, since2);
		const after = opened(eye, 'tom', since2);
		assert.deepEqual(after.map((f) => f.kind), ['msg']);
		await setPref(tia, 'pref-typing', true);
		await setPref(tom, 'pref-typing', true);
		st.eye = eye;
	}, {timeout: 60000});
	H.st = st;
	await imageScenarios();
	await resumeScenarios();
}

/*
 * A photo-like 2400x1600 JPEG made in U's page (gradients, shapes, a little
 * seeded noise), as a Buffer.
 */
async function photo(u, width, height, mime = 'image/jpeg') {
	const b64 = await u.page.evaluate(async ([w, h, type]) => {
		const c = document.createElement('canvas');
		c.width = w;
		c.height = h;
		const g = c.getContext('2d');
		const sky = g.createLinearGradient(0, 0, 0, h);
		sky.addColorStop(0, '#6aa8d8');
		sky.addColorStop(0.6, '#f2d9a6');
		sky.addColorStop(1, '#4b6b3a');
		g.fillStyle = sky;
		g.fillRect(0, 0, w, h);
		let seed = 12;
		const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		for (let i = 0; i < 60; i++) {
			g.fillStyle = 'hsl(' + Math.floor(rnd() * 360) + ' 45% ' +
			    Math.floor(30 + rnd() * 40) + '%)';
			g.beginPath();
			g.arc(rnd() * w, h / 2 + rnd() * h / 2, 20 + rnd() * w / 10, 0, 7);
			g.fill();
		}
		const d = g.getImageData(0, 0, w, h);
		for (let i = 0; i < d.data.length; i += 4) {
			const n = (rnd() - 0.5) * 24;
			d.data[i] += n;
			d.data[i + 1] += n;
			d.data[i + 2] += n;
		}
		g.putImageData(d, 0, 0);
		g.fillStyle = '#222';
		g.font = Math.floor(h / 8) + 'px sans-serif';
		g.fillText('2400 x 1600', w / 10, h / 4);
		const blob = await new Promise((r) => c.toBlob(r, type, 0.92));
		const bytes = new Uint8Array(await blob.arrayBuffer());
		let bin = '';
		for (let i = 0; i < bytes.length; i += 0x8000)
			bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
		return btoa(bin);
	}, [width, height, mime]);
	return Buffer.from(b64, 'base64');
}

/* The sizes of the images in U's log from others, as "WxH". */
async function imagesIn(u, sel = '#log .msg:not(.mine) .bubble.media img') {
	return u.page.$$eval(sel, (imgs) => imgs.filter((i) => i.complete && i.naturalWidth)
	    .map((i) => i.naturalWidth + 'x' + i.naturalHeight));
}

export async function imageScenarios() {
	const {run, waitLog, countLog} = H;
	const P = await import(path.join(H.ROOT, 'static/imgparts.js'));
	const st2 = {};

	await run.test('images: a 2400x1600 photo arrives 1600x1067 in parts, verified, opens full size; parts that never complete or do not verify show a note', async () => {
		const {tia, tom} = H.users;
		const eye = H.st.eye;
		const NOTE = 'An image from eye could not be received.';
		/* A valid image built by the test from the spec, in 3 parts. */
		const small = await photo(tia, 64, 48, 'image/png');
		for (const t of P.splitImage(new Uint8Array(small), 'image/png',
		    Math.ceil(small.length / 3)))
			eye.send(eye.msg(t, {kind: 'img'}));
		await tia.page.waitForFunction(() => document.querySelectorAll(
		    '#log .msg:not(.mine) .bubble.media img').length === 1);
		await tia.page.waitForFunction(() => {
			const i = document.querySelector('#log .msg:not(.mine) .bubble.media img');
			return i.complete && i.naturalWidth > 0;
		});
		assert.deepEqual(await imagesIn(tia), ['64x48']);

		/* The hostile parts first, so their deadline passes during the rest. */
		const part = (id, i, n, hash, data, mime = 'image/png') =>
		    eye.msg([id, i, n, mime, hash].join(' ') + '\n' + data, {kind: 'img'});
		const fake = P.imageHash(new Uint8Array([1, 2, 3]));
		const t0 = Date.now();
		/* Complete, but the hash is not the whole's. */
		eye.send(part('badhash', 0, 1, P.imageHash(new Uint8Array([9])), 'AQID'));
		/* More parts than the spec allows. */
		eye.send(part('toomany', 0, 65, fake, 'AQID'));
		eye.send(eye.msg('eye-after-bad'));
		await waitLog(tia, 'eye-after-bad');
		assert.equal(await countLog(tia, NOTE), 2, 'bad parts not each noted once');
		eye.send(part('pendA', 0, 2, fake, 'AQID'));
		eye.send(part('pendB', 0, 2, fake, 'AQID'));
		/* A third image in progress from one sender is over the bound. */
		eye.send(part('pendC', 0, 2, fake, 'AQID'));
		eye.send(part('pendC', 1, 2, fake, 'AQID'));
		eye.send(eye.msg('eye-after-parts'));
		await waitLog(tia, 'eye-after-parts');
		assert.equal(await countLog(tia, NOTE), 3, 'over the bound not noted once');
		assert.equal(await tia.page.$$eval('#log .msg:not(.mine) img', (i) => i.length), 1,
		    'a part or an unverified image shown');
		/* tom sends a 2400x1600 photo through the attach button. */
		const big = await photo(tom, 2400, 1600);
		const up0 = H.proxy.upBytes.tom || 0;
		const since = H.raw.events.length;
		await tom.page.setInputFiles('#attach', {name: 'photo.jpg',
			mimeType: 'image/jpeg', buffer: big});
		await tia.page.waitForFunction(() => Array.from(document.querySelectorAll(
		    '#log .msg:not(.mine) .bubble.media img')).some((i) =>
		    i.complete && i.naturalWidth === 1600), null, {timeout: 30000});
		assert.deepEqual((await imagesIn(tia)).slice(-1), ['1600x1067']);
		await tom.page.waitForSelector('#log .msg.mine[data-delivery="sent"] .bubble.media img',
		    {timeout: 20000});
		assert.deepEqual(await imagesIn(tom, '#log .msg.mine .bubble.media img'), ['1600x1067']);
		const frames = H.raw.events.slice(since).filter((e) => e.id === eye.id &&
		    e.ev === 'recv' && e.frame.startsWith('msg tom '));
		const parts = frames.map((e) => eye.open(e.frame.split(' ')[2]))
		    .filter((f) => f && f.kind === 'img');
		st2.figures = {photo: big.length, parts: parts.length,
			frameBytes: frames.reduce((n, e) => n + e.frame.length, 0),
			wireUp: (H.proxy.upBytes.tom || 0) - up0,
			image: Buffer.from(parts.map((f) => f.text.split('\n')[1]).join(''), 'base64url').length};
		console.log('     image figures: ' + JSON.stringify(st2.figures));
		assert.ok(parts.length >= 2, 'the photo did not need parts: ' + parts.length);
		/* Tapping it opens it full size. */
		await shots(tia, 'image-in-log');
		await tia.page.click('#log .msg:not(.mine) .bubble.media img >> nth=-1');
		await tia.page.waitForSelector('#image-dialog[open]');
		const full = await tia.page.$eval('#image-full', (i) => ({
			w: i.naturalWidth, h: i.naturalHeight,
			shown: Math.round(i.getBoundingClientRect().width)}));
		assert.deepEqual(full, {w: 1600, h: 1067, shown: 1600});
		await shots(tia, 'image-full');
		const bad = [];
		await H.axeBoth(tia, 'image viewer', bad);
		await tia.page.keyboard.press('Escape');
		await tia.page.waitForFunction(() => !document.getElementById('image-dialog').open);
		await H.axeBoth(tia, 'room with images', bad);
		assert.deepEqual(bad, []);
		/* The two images left incomplete are given up after their deadline. */
		const left = P.PARTS_WAIT_MS + 4000 - (Date.now() - t0);
		await tia.page.waitForFunction((n) => document.getElementById('log')
		    .textContent.split(n).length - 1 === 5, NOTE, {timeout: Math.max(left, 1000)});
		await shots(tia, 'image-not-received');
		assert.equal(await countLog(tia, NOTE), 5);
	}, {timeout: 90000});
	return st2;
}

/* Copies of the room message TEXT from FROM that the raw member WHO got since SINCE. */
function copies(who, from, text, since) {
	return opened(who, from, since).filter((f) => f.kind === 'msg' && f.text === text);
}

/* Waits until the raw member WHO has FROM's room message TEXT. */
async function rawGot(who, from, text, since) {
	await H.raw.waitFor((e) => e.id === who.id && e.ev === 'recv' &&
	    copies(who, from, text, since).length > 0, 10000, since);
}

async function sentMark(u, text, timeout = 30000) {
	await u.page.waitForSelector('#log .msg.mine[data-delivery="sent"]:has-text("' +
	    text + '")', {timeout});
}

async function inviteOf(u) {
	await u.page.click('#invite-button');
	await u.page.waitForSelector('#invite-dialog[open]');
	const link = await u.page.inputValue('#invite-link');
	await u.page.click('#invite-dialog .dialog-close');
	return link;
}

export async function resumeScenarios() {
	const {run, say, waitLog, countLog} = H;
	const UNVERIFIED = 'could not be verified';

	await run.test('resume: a message sent on a frozen, then cut connection is delivered once after the resume and shown once, also when only its ack was lost', async () => {
		const {tia, tom} = H.users;
		const eye = H.st.eye;
		const bad0 = await countLog(tia, UNVERIFIED);
		/* Frozen both ways: the relay never had it. */
		let since = H.raw.events.length;
		assert.ok(H.proxy.freeze('tom') >= 1);
		await say(tom, 'FROZEN-THEN-CUT');
		await new Promise((r) => setTimeout(r, 1500));
		assert.equal(await countLog(tia, 'FROZEN-THEN-CUT'), 0);
		H.proxy.cut('tom');
		await waitLog(tia, 'FROZEN-THEN-CUT', 20000);
		await sentMark(tom, 'FROZEN-THEN-CUT');
		await say(tom, 'after-frozen-cut');
		await waitLog(tia, 'after-frozen-cut');
		await rawGot(eye, 'tom', 'after-frozen-cut', since);
		assert.equal(await countLog(tia, 'FROZEN-THEN-CUT'), 1);
		assert.equal(copies(eye, 'tom', 'FROZEN-THEN-CUT', since).length, 1);
		/*
		 * Only the relay's answers frozen: delivered, but the ack is lost;
		 * then the line dies on the way, so the relay still holds tom and
		 * he resumes his place with his token.
		 */
		since = H.raw.events.length;
		const joins = await countLog(tia, 'tom joined.');
		assert.ok(H.proxy.freeze('tom', {down: true}) >= 1);
		await say(tom, 'ACK-LOST');
		await waitLog(tia, 'ACK-LOST');
		assert.equal(await tom.page.$eval('#log .msg.mine:last-of-type', (m) => m.dataset.delivery), 'wait');
		H.proxy.cut('tom', {silent: true});
		await sentMark(tom, 'ACK-LOST');
		await say(tom, 'after-ack-lost');
		await waitLog(tia, 'after-ack-lost');
		await rawGot(eye, 'tom', 'after-ack-lost', since);
		const c = copies(eye, 'tom', 'ACK-LOST', since);
		assert.equal(c.length, 2, 'not sent again after the resume');
		assert.equal(c[0].seq, c[1].seq, 'the resend has another SEQ');
		assert.equal(await countLog(tia, 'ACK-LOST'), 1, 'the resend shown twice');
		assert.equal(await countLog(tom, 'ACK-LOST'), 1);
		assert.equal(await countLog(tia, UNVERIFIED), bad0);
		assert.equal(await countLog(tia, 'tom joined.'), joins, 'a new join, not a resume');
		H.proxy.release();
	}, {timeout: 90000});

	await run.test('resume: a member away while the room was rekeyed gets in with its token on the retired key and takes the new epoch from the keys answer', async () => {
		const {tia, tom} = H.users;
		const bad0 = await countLog(tia, UNVERIFIED);
		const joins = await countLog(tia, 'tom joined.');
		const old = await inviteOf(tia);
		/* tom's line dies on the way: the relay still holds him, he cannot reconnect. */
		H.proxy.blocked.add('tom');
		H.proxy.cut('tom', {silent: true});
		await tom.page.waitForSelector('#room-status[data-state="offline"]', {timeout: 15000});
		await say(tom, 'WRITTEN-WHILE-AWAY');
		await tia.page.click('#menu-button');
		await tia.page.waitForSelector('#menu-dialog[open]');
		await tia.page.click('#rotate-button');
		await tia.page.waitForFunction((o) => {
			const v = document.getElementById('invite-link').value;
			return v && v !== o;
		}, old, {timeout: 15000});
		const fresh = await tia.page.inputValue('#invite-link');
		await tia.page.click('#invite-dialog .dialog-close');
		/* Past the 10 s in which the old epoch still opens. */
		await new Promise((r) => setTimeout(r, 11000));
		H.proxy.blocked.delete('tom');
		await tom.page.evaluate(() => window.dispatchEvent(new Event('online')));
		await waitLog(tia, 'WRITTEN-WHILE-AWAY', 30000);
		await sentMark(tom, 'WRITTEN-WHILE-AWAY');
		await say(tom, 'tom-in-the-new-epoch');
		await waitLog(tia, 'tom-in-the-new-epoch');
		await say(tia, 'tia-to-resumed-tom');
		await waitLog(tom, 'tia-to-resumed-tom');
		assert.equal(await countLog(tia, 'WRITTEN-WHILE-AWAY'), 1);
		assert.equal(await countLog(tia, UNVERIFIED), bad0, 'sealed with the retired epoch');
		assert.equal(await countLog(tia, 'tom joined.'), joins, 'a new join, not a resume');
		await waitLog(tom, 'While you were away the room moved to a new invite link');
		assert.equal(await inviteOf(tom), fresh, 'tom still shows the retired link');
		await H.shot(tom, 'resume-after-rekey-1280');
		/* At the relay the old key names no room for a newcomer. */
		await H.raw.open('retired', H.RELAY);
		const r = await H.raw.request('retired', 'join 2 ' +
		    /#([A-Za-z0-9_-]{22})\./.exec(old)[1] + ' x', (f) => /^(welcome|error)/.test(f));
		assert.equal(r.frame, 'error noroom');
		H.proxy.release();
	}, {timeout: 90000});
}
