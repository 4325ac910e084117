/*
 * The browser suite's cases for version 2 rooms (issues 11 and 12): a raw
 * member of the test's own (rawclient.py, sealing with static/crypto2.js,
 * which test/docs checks against libsodium) joins a room made in Chromium
 * and sends forged, misattributed, re-sent and wrong-epoch frames; a lying
 * relay (evil.js in the proxy) restamps and repeats frames; a kick moves the
 * room to a new link that a recorder with the old keys cannot read; links
 * rotate on leave and under two moderators at once; a frozen connection
 * marks messages "not sent" and turns the header offline. run.js calls v2Scenarios() with its
 * helpers in H.
 */

import assert from 'node:assert/strict';
import path from 'node:path';

let H, V, C;

/* Makes RawMember usable: H needs raw, nacl and ROOT. */
export async function v2Init(h) {
	H = h;
	globalThis.nacl = globalThis.nacl || H.nacl;
	V = await import(path.join(H.ROOT, 'static/crypto2.js'));
	C = await import(path.join(H.ROOT, 'static/crypto.js'));
}

function linkParts(link) {
	const m = /#([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(link);
	assert.ok(m, 'invite format: ' + link);
	return {roomKey: m[1], secret: new Uint8Array(Buffer.from(m[2], 'base64url'))};
}

/*
 * A member that speaks version 2 on the raw client's connection ID: it
 * joins with LINK, says hello, and takes the epoch key from the roster a
 * browser whispers to it.
 */
export class RawMember {
	constructor(id, alias, link) {
		this.id = id;
		this.alias = alias;
		Object.assign(this, linkParts(link));
		this.keys = V.memberKeys();
		this.ki = V.inviteKey(this.roomKey, this.secret);
		this.seq = 0;
		this.peers = new Map();
	}

	fields(kind, text, o = {}) {
		return {kind, from: o.from || this.alias, to: o.to || '*',
			seq: o.seq || ++this.seq,
			epoch: o.epoch || (kind === 'hello' ? '-' : this.n + '.' + this.eh),
			text};
	}

	helloBody(o = {}) {
		const keys = o.keys || this.keys;
		const f = this.fields('hello', C.b64uEncode(keys.box.publicKey) + ' ' +
		    C.b64uEncode(keys.sign.publicKey), o);
		return {seq: f.seq, body: V.sealRoom(this.ki, f, keys.sign.secretKey)};
	}

	/* `msg ID BODY` of KIND and TEXT; O overrides fields, key or signer. */
	msg(text, o = {}) {
		const f = this.fields(o.kind || 'msg', text, o);
		const body = V.sealRoom(o.key || this.e, f,
		    (o.signer || this.keys).sign.secretKey);
		return 'msg ' + (o.id || f.seq) + ' ' + body;
	}

	purr(to, text, o = {}) {
		const p = this.peers.get(to);
		const f = this.fields('purr', text, {...o, to: o.to || to});
		return 'purr ' + f.seq + ' ' + to + ' ' + V.sealPurr(p.bpk,
		    this.keys.box.secretKey, f, this.keys.sign.secretKey);
	}

	async join(url) {
		const raw = H.raw;
		await raw.open(this.id, url);
		const since = raw.events.length;
		const w = await raw.request(this.id, 'join 2 ' + this.roomKey + ' ' +
		    this.alias, (f) => /^(welcome|error)/.test(f));
		assert.match(w.frame, /^welcome /, this.alias + ' joined');
		const h = this.helloBody();
		raw.send(this.id, 'msg ' + h.seq + ' ' + h.body);
		await raw.waitFor((e) => e.id === this.id && e.ev === 'recv' &&
		    e.frame.startsWith('purr ') && this.takeKeys(e.frame), 15000, since);
		return w.frame;
	}

	/* The fields of a room BODY sealed with our epoch key, or null. */
	open(body) {
		return V.openRoom(this.e, body);
	}

	/* True if FRAME is a roster for us that opens and verifies. */
	takeKeys(frame) {
		const [, from, body] = frame.split(' ');
		const f = V.openKeys(this.keys.box.secretKey, body);
		if (!f || f.kind !== 'keys' || f.from !== from)
			return false;
		const lines = f.text.split('\n');
		const h = lines[0].split(' ');
		for (const l of lines.slice(1)) {
			const [a, bpk, spk] = l.split(' ');
			this.peers.set(a, {bpk: C.b64uDecode(bpk), spk: C.b64uDecode(spk)});
		}
		if (!f.verify(this.peers.get(from).spk))
			return false;
		this.n = Number(h[0]);
		this.e = C.b64uDecode(h[1]);
		this.eh = V.epochHash(this.e);
		return true;
	}

	send(frame) {
		H.raw.send(this.id, frame);
	}

	/* Waits for `ack SEQ` of the last frame. */
	async acked(seq = this.seq) {
		await H.raw.waitFor((e) => e.id === this.id && e.ev === 'recv' &&
		    e.frame === 'ack ' + seq);
	}

	async exit(farewell) {
		this.send(farewell ? 'exit ' + this.msg(farewell, {kind: 'exit'}).slice(4) :
		    'exit ' + ++this.seq);
		await H.raw.waitFor((e) => e.id === this.id && e.ev === 'closed');
	}
}

async function createRoom(u, alias, mode = 'owner') {
	await u.page.goto(H.lobbyUrl());
	await u.page.fill('#create-alias', alias);
	await u.page.check('input[name="mode"][value="' + mode + '"]');
	await u.page.click('#create-button');
	await H.inRoom(u);
	const link = await u.page.inputValue('#invite-link');
	await u.page.click('#invite-dialog .dialog-close');
	return link;
}

const NOT_VERIFIED = 'could not be verified';

/* The bubble of our own message TEXT: {pending, notSent, retry}. */
async function mark(u, text) {
	return u.page.evaluate((t) => {
		const all = Array.from(document.querySelectorAll('#log .msg.mine'))
		    .filter((m) => m.textContent.includes(t));
		const m = all[all.length - 1];
		if (!m)
			return null;
		return {pending: m.classList.contains('pending'),
			notSent: /not sent/i.test(m.textContent),
			retry: Array.from(m.querySelectorAll('button'))
			    .some((b) => /retry/i.test(b.textContent + ' ' +
			    (b.getAttribute('aria-label') || '')))};
	}, text);
}

async function waitMark(u, text, pred, what, timeout = 30000) {
	const t0 = Date.now();
	let m;
	while (Date.now() - t0 < timeout) {
		m = await mark(u, text);
		if (m && pred(m))
			return m;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(u.name + ': “' + text + '” never ' + what + ': ' + JSON.stringify(m));
}

/* U's invite link as its invite sheet shows it. */
async function inviteLink(u) {
	await u.page.click('#invite-button');
	const link = await u.page.inputValue('#invite-link');
	await u.page.click('#invite-dialog .dialog-close');
	return link;
}

async function leave(u) {
	await u.page.click('#leave-button');
	await u.page.waitForSelector('#leave-dialog[open]');
	await u.page.click('#leave-confirm');
	await H.inLobby(u);
}

/* What the relay answers a plain join with LINK's key. */
async function joinAnswer(id, link) {
	await H.raw.open(id, H.RELAY);
	const r = await H.raw.request(id, 'join 2 ' + linkParts(link).roomKey +
	    ' probe', (f) => /^(welcome|error)/.test(f));
	return r.frame.split(' ').slice(0, 2).join(' ');
}

const REKEYED = 'changed the room’s invite link';

export async function v2Scenarios(h) {
	await v2Init(h);
	const {run, person, say, waitLog, countLog, joinWithLink, shot} = H;
	const st = {};

	await run.test('v2: a room made in the browser speaks version 2; a version 1 join is refused', async () => {
		const ann = await person('ann');
		const ben = await person('ben');
		st.link = await createRoom(ann, 'ann');
		await joinWithLink(ben, st.link, 'ben');
		await waitLog(ann, 'ben joined.');
		await say(ann, 'v2-hello-ben');
		await waitLog(ben, 'v2-hello-ben');
		await say(ben, 'v2-hello-ann');
		await waitLog(ann, 'v2-hello-ann');
		await H.raw.open('v1', H.RELAY);
		const r = await H.raw.request('v1', 'join 1 ' + linkParts(st.link).roomKey +
		    ' old', (f) => /^(welcome|error)/.test(f));
		assert.equal(r.frame, 'error roomversion');
		/* Each member's sheet shows the safety code the other computes. */
		await ann.page.click('#member-list .member:has-text("ben")');
		await ann.page.waitForSelector('#member-dialog[open]');
		const code = (await ann.page.textContent('#member-code')).trim();
		assert.match(code, /^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
		await ann.page.keyboard.press('Escape');
		assert.ok((await ben.page.textContent('#mode-line')).includes(code),
		    'ben\'s own code differs from the one ann sees');
	});

	await run.test('v2: forged, misattributed, re-sent and wrong-epoch frames from a raw member are not shown as genuine', async () => {
		const {ann, ben} = H.users;
		const mal = new RawMember('mal', 'mal', st.link);
		st.mal = mal;
		await mal.join(H.RELAY);
		await waitLog(ben, 'mal joined.');
		const bad0 = await countLog(ben, NOT_VERIFIED);
		/* A genuine message shows; the same frame again (same SEQ) is dropped without a word. */
		const ok = mal.msg('RAW-V2-GENUINE');
		mal.send(ok);
		await waitLog(ben, 'RAW-V2-GENUINE');
		mal.send(ok);
		mal.send(ok.replace(/^msg \d+ /, 'msg ' + (mal.seq + 100) + ' '));
		/* Signed by mal but naming ann as the writer. */
		mal.send(mal.msg('FORGED-FROM-ANN', {from: 'ann'}));
		/* Naming mal, but signed with keys that are not mal's. */
		mal.send(mal.msg('WRONG-SIGNER', {signer: V.memberKeys()}));
		/* Another epoch's name. */
		mal.send(mal.msg('WRONG-EPOCH', {epoch: (mal.n + 1) + '.' + mal.eh}));
		/* A captured frame of ann's, sent again by mal: the relay stamps mal. */
		const seen = H.raw.events.length;
		await say(ann, 'ANN-ORIGINAL');
		const cap = await H.raw.waitFor((e) => e.id === 'mal' && e.ev === 'recv' &&
		    e.frame.startsWith('msg ann '), 10000, seen);
		mal.send('msg ' + ++mal.seq + ' ' + cap.frame.split(' ')[2]);
		/* A whisper sealed for ben that names ann as its recipient. */
		mal.send(mal.purr('ben', 'WRONG-TO', {to: 'ann'}));
		mal.send(mal.msg('RAW-V2-AFTER'));
		await waitLog(ben, 'RAW-V2-AFTER');
		const log = await H.logText(ben);
		assert.equal(log.split('RAW-V2-GENUINE').length - 1, 1, 'a re-sent SEQ shown twice');
		for (const t of ['FORGED-FROM-ANN', 'WRONG-SIGNER', 'WRONG-EPOCH', 'WRONG-TO'])
			assert.ok(!log.includes(t), t + ' shown');
		assert.equal(log.split('ANN-ORIGINAL').length - 1, 1, 'captured frame shown again');
		assert.equal(await countLog(ben, NOT_VERIFIED) - bad0, 5,
		    'forged frames not each marked unverified');
		const last = await H.lastFrom(ben);
		assert.deepEqual(last, {who: 'mal', text: 'RAW-V2-AFTER'});
		/* A whisper sealed for ben opens for ben only. */
		mal.send(mal.purr('ben', 'RAW-WHISPER-BEN'));
		await waitLog(ben, 'RAW-WHISPER-BEN');
		mal.send(mal.msg('RAW-V2-AFTER-WHISPER'));
		await waitLog(ann, 'RAW-V2-AFTER-WHISPER');
		assert.ok(!(await H.logText(ann)).includes('RAW-WHISPER-BEN'));
		await shot(ben, 'v2-unverified-1280');
	});

	await run.test('v2: new keys under a known alias show as a changed key', async () => {
		const {ben} = H.users;
		const mal = st.mal;
		const other = V.memberKeys();
		const hello = mal.helloBody({keys: other});
		mal.send('msg ' + hello.seq + ' ' + hello.body);
		await waitLog(ben, 'keys of mal changed');
	});

	await run.test('v2: a kick moves the room to a new link; the old one gets noroom, the rest keep talking', async () => {
		const {ann, ben} = H.users;
		await st.mal.exit();
		const oldKey = linkParts(st.link).roomKey;
		const cat = await person('cat');
		await joinWithLink(cat, st.link, 'cat');
		await waitLog(ann, 'cat joined.');
		/* A recorder of ben's connection that holds the old link and epoch key. */
		H.proxy.recording.add('ben');
		const rec0 = H.proxy.recorded.length;
		await say(ann, 'before-kick-from-ann');
		await waitLog(ben, 'before-kick-from-ann');
		await ann.page.click('#member-list .member:has-text("cat")');
		await ann.page.waitForSelector('#member-dialog[open]');
		await ann.page.click('#member-kick');
		await ann.page.click('#member-kick');
		await waitLog(ben, 'cat was removed by ann.');
		await H.inLobby(cat);
		/* The kicked page opens its old link again: the room is gone for it. */
		await cat.page.goto(st.link);
		await cat.page.waitForSelector('#join-form:not([hidden])');
		await cat.page.fill('#join-alias', 'cat');
		await cat.page.click('#join-button');
		await cat.page.waitForFunction(() => /does not exist any more/.test(
		    document.getElementById('join-error').textContent), null, {timeout: 15000});
		/* The others talk on, in the new epoch. */
		await say(ann, 'after-kick-from-ann');
		await waitLog(ben, 'after-kick-from-ann');
		await say(ben, 'after-kick-from-ben');
		await waitLog(ann, 'after-kick-from-ben');
		H.proxy.recording.delete('ben');
		const seen = H.proxy.recorded.slice(rec0).map((r) => r.text);
		const moved = seen.findIndex((t) => t.startsWith('rekey ann '));
		assert.ok(moved > 0, 'the recorder saw no rekey');
		const opens = (t) => {
			const body = t.split(' ')[2];
			const f = V.openRoom(st.mal.e, body) || V.openRoom(st.mal.ki, body);
			return f ? f.text : null;
		};
		const before = seen.slice(0, moved).filter((t) => t.startsWith('msg ')).map(opens);
		assert.ok(before.includes('before-kick-from-ann'), 'the recorder cannot read even before the kick');
		const after = seen.slice(moved + 1).filter((t) => t.startsWith('msg '));
		assert.ok(after.length >= 1, 'the recorder saw no message after the kick');
		assert.deepEqual(after.map(opens).filter((x) => x !== null), [],
		    'the old keys read messages sent after the kick');
		/* The invite sheet shows the new link, which admits a newcomer. */
		await ann.page.click('#invite-button');
		const fresh = await ann.page.inputValue('#invite-link');
		await ann.page.click('#invite-dialog .dialog-close');
		assert.notEqual(fresh, st.link);
		assert.notEqual(linkParts(fresh).roomKey, linkParts(st.link).roomKey);
		st.link = fresh;
		const dan = await person('dan');
		await joinWithLink(dan, fresh, 'dan');
		await say(dan, 'dan-in-new-epoch');
		await waitLog(ben, 'dan-in-new-epoch');
		await say(ben, 'ben-to-dan');
		await waitLog(dan, 'ben-to-dan');
		/* At the relay the old key names no room any more. */
		await H.raw.open('old', H.RELAY);
		const r = await H.raw.request('old', 'join 2 ' + oldKey + ' x',
		    (f) => /^(welcome|error)/.test(f));
		assert.equal(r.frame, 'error noroom');
	}, {timeout: 90000});

	await run.test('v2: a message sent on a frozen connection is marked not sent, with Retry that sends it', async () => {
		const {ann, ben} = H.users;
		assert.ok(H.proxy.freeze('ben') >= 1, 'ben has no connection to freeze');
		await say(ben, 'SENT-WHILE-FROZEN');
		const m0 = await mark(ben, 'SENT-WHILE-FROZEN');
		assert.ok(m0 && m0.pending, 'not pending: ' + JSON.stringify(m0));
		await waitMark(ben, 'SENT-WHILE-FROZEN', (m) => m.notSent && m.retry,
		    'marked not sent with Retry');
		await shot(ben, 'v2-not-sent-1280');
		H.proxy.cut('ben');
		await ben.page.waitForSelector('#room-status[data-state="online"]', {timeout: 30000});
		const m1 = await mark(ben, 'SENT-WHILE-FROZEN');
		if (m1.notSent) {
			await ben.page.click('#log .msg.mine:has-text("SENT-WHILE-FROZEN") button:has-text("Retry")');
		}
		await waitLog(ann, 'SENT-WHILE-FROZEN', 20000);
		await waitMark(ben, 'SENT-WHILE-FROZEN', (m) => !m.notSent && !m.pending,
		    'marked sent after the connection came back');
		await say(ben, 'after-retry-marker');
		await waitLog(ann, 'after-retry-marker');
		assert.equal(await countLog(ann, 'SENT-WHILE-FROZEN'), 1,
		    'the message arrived more than once');
	}, {timeout: 90000});

	await run.test('v2: heartbeat: a frozen connection turns the header offline and the composer says messages wait', async () => {
		const {ann, ben} = H.users;
		await ben.page.waitForSelector('#room-status[data-state="online"]');
		/* No new connection either, or the reconnect ends "offline" at once. */
		H.proxy.blocked.add('ben');
		assert.ok(H.proxy.freeze('ben') >= 1);
		/* 10 s without traffic, then 5 s without pong: well before the relay's ~27 s. */
		await ben.page.waitForSelector('#room-status[data-state="offline"]', {timeout: 22000});
		assert.match(await ben.page.textContent('#room-status-text'), /offline/i);
		assert.match(await ben.page.textContent('#composer'), /sent when/i);
		await shot(ben, 'v2-heartbeat-offline-1280');
		H.proxy.blocked.delete('ben');
		H.proxy.cut('ben');
		await ben.page.waitForSelector('#room-status[data-state="online"]', {timeout: 30000});
		await say(ben, 'back-after-heartbeat');
		await waitLog(ann, 'back-after-heartbeat');
	}, {timeout: 90000});

	await run.test('v2: rotate on leave: the moderator turns it on, a leaver\'s link dies, the rest keep talking', async () => {
		const {ann, ben, dan} = H.users;
		await ann.page.click('#menu-button');
		await ann.page.waitForSelector('#menu-dialog[open]');
		await ann.page.check('#pref-rotate');
		await waitLog(ann, 'The link now changes whenever someone leaves.');
		await ann.page.click('#menu-done');
		const n0 = await countLog(ben, REKEYED);
		assert.ok(n0 >= 1);
		await ben.page.waitForFunction(() => /changes whenever someone leaves/.test(
		    document.getElementById('mode-line').textContent), null, {timeout: 10000});
		/* Ben is no moderator: no switch for him. */
		await ben.page.click('#menu-button');
		await ben.page.waitForSelector('#menu-dialog[open]');
		assert.equal(await ben.page.isVisible('#pref-rotate'), false);
		await ben.page.click('#menu-done');
		const held = await inviteLink(dan);
		assert.equal(held, await inviteLink(ann), 'dan and ann hold different links');
		/*
		 * Ben's messages cross the move: sealed in the old epoch on a
		 * held connection, they reach ann after her switch. Each is shown
		 * (the old epoch opens for 10 s), once.
		 */
		const bad0 = await countLog(ann, NOT_VERIFIED);
		assert.ok(H.proxy.freeze('ben') >= 1);
		for (let i = 1; i <= 3; i++)
			await say(ben, 'in-flight-' + i + '.');
		await leave(dan);
		await waitLog(ann, 'Someone left, so the room has a new invite link');
		H.proxy.thaw('ben');
		await waitLog(ben, 'dan left.');
		for (let i = 1; i <= 3; i++) {
			await waitLog(ann, 'in-flight-' + i + '.');
			assert.equal(await countLog(ann, 'in-flight-' + i + '.'), 1);
			await waitMark(ben, 'in-flight-' + i + '.', (m) => !m.pending && !m.notSent, 'marked sent');
		}
		assert.equal(await countLog(ann, NOT_VERIFIED), bad0, 'in-flight messages unverified');
		await ben.page.waitForFunction(([t, n]) => document.getElementById('log')
		    .textContent.split(t).length - 1 > n, [REKEYED, n0], {timeout: 15000});
		assert.equal(await joinAnswer('dan-old', held), 'error noroom');
		const fresh = await inviteLink(ben);
		assert.notEqual(fresh, held);
		assert.equal(fresh, await inviteLink(ann), 'ann and ben disagree on the link');
		await say(ann, 'after-rotate-from-ann');
		await waitLog(ben, 'after-rotate-from-ann');
		await say(ben, 'after-rotate-from-ben');
		await waitLog(ann, 'after-rotate-from-ben');
		await shot(ben, 'v2-rotate-on-leave-1280');
		st.link = fresh;
	}, {timeout: 90000});

	await run.test('v2: two moderators rotate at once: one wins, everyone ends on the same link and epoch', async () => {
		const eve = await person('eve');
		const fay = await person('fay');
		const gus = await person('gus');
		const link = await createRoom(eve, 'eve', 'everyone');
		await joinWithLink(fay, link, 'fay');
		await joinWithLink(gus, link, 'gus');
		await waitLog(eve, 'gus joined.');
		await waitLog(fay, 'gus joined.');
		for (const u of [eve, fay]) {
			await u.page.click('#menu-button');
			await u.page.waitForSelector('#menu-dialog[open]');
		}
		/* Both clicks in the same instant, from one script turn each. */
		await Promise.all([eve, fay].map((u) => u.page.evaluate(() =>
		    document.getElementById('rotate-button').click())));
		await gus.page.waitForFunction((t) => document.getElementById('log')
		    .textContent.includes(t), REKEYED, {timeout: 15000});
		await new Promise((r) => setTimeout(r, 1500));
		for (const u of [eve, fay])
			if (await u.page.isVisible('#invite-dialog[open]'))
				await u.page.click('#invite-dialog .dialog-close');
		const links = [await inviteLink(eve), await inviteLink(fay), await inviteLink(gus)];
		assert.equal(links[1], links[0], 'fay and eve disagree');
		assert.equal(links[2], links[0], 'gus and eve disagree');
		assert.notEqual(links[0], link);
		const stale = (await countLog(eve, 'at the same moment')) +
		    (await countLog(fay, 'at the same moment'));
		const moves = await countLog(gus, REKEYED);
		/* Either the relay ordered them (one stale) or the second followed the first. */
		assert.ok((stale === 1 && moves === 1) || (stale === 0 && moves === 2),
		    'stale ' + stale + ', moves seen by gus ' + moves);
		await say(eve, 'eve-after-race');
		await say(fay, 'fay-after-race');
		await waitLog(gus, 'eve-after-race');
		await waitLog(gus, 'fay-after-race');
		await waitLog(eve, 'fay-after-race');
		await waitLog(fay, 'eve-after-race');
		for (const u of [eve, fay, gus])
			assert.equal(await countLog(u, NOT_VERIFIED), 0, u.name + ' saw unverified');
		assert.equal(await joinAnswer('race-old', link), 'error noroom');
		st.race = {eve, fay, gus, link: links[0]};
	}, {timeout: 90000});

	await run.test('v2: rotate on leave in an everyone room: only the longest present rotates', async () => {
		const {eve, fay, gus} = st.race;
		await fay.page.click('#menu-button');
		await fay.page.waitForSelector('#menu-dialog[open]');
		await fay.page.check('#pref-rotate');
		await waitLog(fay, 'The link now changes whenever someone leaves.');
		await fay.page.click('#menu-done');
		await waitLog(eve, 'fay changed the room’s invite link');
		const held = await inviteLink(gus);
		const byEve = await countLog(fay, 'eve changed the room’s invite link');
		const byFay = await countLog(eve, 'fay changed the room’s invite link');
		await leave(gus);
		await waitLog(fay, 'gus left.');
		await waitLog(eve, 'Someone left, so the room has a new invite link');
		await fay.page.waitForFunction(([t, n]) => document.getElementById('log')
		    .textContent.split(t).length - 1 > n,
		    ['eve changed the room’s invite link', byEve], {timeout: 15000});
		await new Promise((r) => setTimeout(r, 1000));
		assert.equal(await countLog(fay, 'Someone left, so the room'), 0,
		    'fay rotated too');
		assert.equal(await countLog(eve, 'fay changed the room’s invite link'), byFay,
		    'fay rotated as well');
		assert.equal(await joinAnswer('gus-old', held), 'error noroom');
		assert.equal(await inviteLink(eve), await inviteLink(fay));
		await say(fay, 'fay-after-leave');
		await waitLog(eve, 'fay-after-leave');
	}, {timeout: 90000});

	await run.test('v2: a lying relay: a frame stamped with another alias is unverified, repeats are dropped', async () => {
		const {ann, ben} = H.users;
		const lie = {};
		let captured = null;
		H.proxy.tamper.set('vic', (t) => {
			if (lie.restamp && /^(msg|purr) ben /.test(t)) {
				lie.restamp = false;
				return [t.replace(/^(msg|purr) ben /, '$1 ann ')];
			}
			if (lie.twice && t.startsWith('msg ann ')) {
				lie.twice = false;
				captured = t;
				return [t, t];
			}
			if (lie.replay && captured && t.startsWith('msg ben ')) {
				lie.replay = false;
				return [captured, t];
			}
			return [t];
		});
		/*
		 * The lies pick frames by sender only: with typing on, the typing
		 * message that filling the composer sends would take the lie.
		 */
		for (const u of [ann, ben]) {
			await u.page.click('#menu-button');
			await u.page.waitForSelector('#menu-dialog[open]');
			await u.page.setChecked('#pref-typing', false);
			await u.page.click('#menu-done');
		}
		const vic = await person('vic');
		await joinWithLink(vic, st.link, 'vic');
		await waitLog(ben, 'vic joined.');
		await say(ann, 'hello-vic');
		await waitLog(vic, 'hello-vic');
		const bad0 = await countLog(vic, NOT_VERIFIED);
		lie.restamp = true;
		await say(ben, 'BEN-STAMPED-AS-ANN');
		await say(ben, 'ben-mark-1');
		await waitLog(vic, 'ben-mark-1');
		assert.ok(!(await H.logText(vic)).includes('BEN-STAMPED-AS-ANN'), 'restamped message shown');
		assert.equal(await countLog(vic, NOT_VERIFIED) - bad0, 1, 'restamp not marked unverified');
		lie.twice = true;
		await say(ann, 'ANN-SENT-ONCE');
		await say(ann, 'ann-mark-1');
		await waitLog(vic, 'ann-mark-1');
		lie.replay = true;
		await say(ben, 'ben-mark-2');
		await waitLog(vic, 'ben-mark-2');
		assert.ok(captured, 'nothing captured');
		assert.equal(await countLog(vic, 'ANN-SENT-ONCE'), 1, 'a repeated frame shown again');
		/* A whisper of ben's to vic, stamped as ann's. */
		lie.restamp = true;
		await say(ben, '/purr vic BEN-WHISPER-AS-ANN');
		await say(ben, 'ben-mark-3');
		await waitLog(vic, 'ben-mark-3');
		assert.ok(!(await H.logText(vic)).includes('BEN-WHISPER-AS-ANN'), 'restamped whisper shown');
		assert.equal(await countLog(vic, NOT_VERIFIED) - bad0, 2, 'restamped whisper not marked');
		const last = await H.lastFrom(vic);
		assert.deepEqual(last, {who: 'ben', text: 'ben-mark-3'});
		await shot(vic, 'v2-lying-relay-1280');
		H.proxy.tamper.delete('vic');
	}, {timeout: 90000});
}
