/*
 * Sanctuary browser suite: three (and more) people in separate Chromium
 * contexts use the real client served by the real build/servchat against
 * the real build/chatroom, through a proxy that can cut their connections.
 * The page is loaded as http://sanctuary.test:PORT/, which Chromium does not
 * treat as a secure context, exactly like a phone on a LAN.
 *
 * Usage: node run.js
 * Environment: SANCTUARY_BUILD (build directory, default build/ of the tree),
 * SANCTUARY_SHOTS (screenshot directory, default BUILD/screenshots),
 * SANCTUARY_STATIC_DIR (serve the client from this directory, development),
 * CHROMIUM (default /usr/bin/chromium), DEBUG (print page console output).
 * Ends with "browser: N passed, N failed"; exits 1 on any failure.
 */

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';
import {Runner, freePort, startDaemon, stopDaemon, CutProxy, RawClient, startCspStripper} from './lib.js';
import {MESSAGE_PAYLOADS, ALIAS_PAYLOADS} from './payloads.js';
import {tlsScenarios} from './tls.js';
import {uxScenarios} from './ux.js';
import {v2Scenarios, v2Init, RawMember} from './v2.js';
import {mediaScenarios} from './media.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BUILD = path.resolve(ROOT, process.env.SANCTUARY_BUILD || 'build');
const SHOTS = path.resolve(ROOT, process.env.SANCTUARY_SHOTS || path.join(BUILD, 'screenshots'));
const require = createRequire(import.meta.url);
const nacl = require(path.join(ROOT, 'static/node_modules/tweetnacl/nacl-fast.js'));

const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const axeFigures = [];

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
    'Chrome/156.0.0.0 Safari/537.36 SanctuaryTest/';
const SUITE_LIMIT_MS = 420000;

const run = new Runner('browser');
const st = {};		/* shared scenario state */
const users = {};
let browser, chatroom, servchat, proxy, raw;
let relayPort, proxyPort, servPort, noCspPort, noCspServer, smallServ;

/* ---------- invites ---------- */

function roomKeyOf(link) {
	const m = /#([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(link);
	assert.ok(m, 'invite format: ' + link);
	return {roomKey: m[1], secret: Buffer.from(m[2], 'base64url')};
}

/* ---------- browser people ---------- */

async function person(name, {width = 1280, height = 800, scheme = 'light', hasTouch = false} = {}) {
	const ctx = await browser.newContext({
		viewport: {width, height}, deviceScaleFactor: 1, userAgent: UA + name, hasTouch,
		colorScheme: scheme, reducedMotion: 'reduce'
	});
	const u = {name, ctx, dialogs: [], asked: 0, errors: [], csp: []};
	await ctx.exposeBinding('__cspReport', (src, v) => u.csp.push({test: run.current, v}));
	await ctx.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__cspReport(e.violatedDirective + ' ' + e.blockedURI + ' ' +
			    e.sourceFile + ':' + e.lineNumber);
		});
	});
	u.page = await ctx.newPage();
	u.page.on('dialog', (d) => {
		/* Leaving a room asks first; the person here always confirms. */
		if (d.type() === 'beforeunload') {
			u.asked++;
			d.accept().catch(() => {});
			return;
		}
		u.dialogs.push(d.type() + ': ' + d.message());
		d.dismiss().catch(() => {});
	});
	u.page.on('pageerror', (e) => u.errors.push(e.message));
	if (process.env.DEBUG) {
		u.page.on('framenavigated', (f) => console.log('[' + name + '] navigated ' + f.url()));
		u.page.on('console', (m) => console.log('[' + name + '] ' + m.type() + ' ' + m.text()));
		u.page.on('pageerror', (e) => console.log('[' + name + '] pageerror ' + e.stack));
	}
	users[name] = u;
	return u;
}

const lobbyUrl = () => 'http://sanctuary.test:' + servPort + '/';

async function logText(u) {
	return u.page.evaluate(() => document.getElementById('log').textContent);
}

async function waitLog(u, text, timeout = 15000) {
	await u.page.waitForFunction((t) => document.getElementById('log').textContent.includes(t),
	    text, {timeout, polling: 50}).catch(async () => {
		throw new Error(u.name + ' never saw “' + text + '”; log ends: ' +
		    (await logText(u)).slice(-300));
	});
}

async function countLog(u, text) {
	return u.page.evaluate((t) => document.getElementById('log').textContent.split(t).length - 1, text);
}

async function say(u, text) {
	await u.page.fill('#message', text);
	await u.page.press('#message', 'Enter');
}

/* The last message someone else sent, as U sees it. */
async function lastFrom(u) {
	return u.page.evaluate(() => {
		const all = document.querySelectorAll('#log .msg:not(.mine)');
		const m = all[all.length - 1];
		return {who: m.querySelector('.who').textContent, text: m.querySelector('.bubble').textContent};
	});
}

async function inRoom(u) {
	await u.page.waitForSelector('#room:not([hidden])', {timeout: 15000});
}

async function inLobby(u) {
	await u.page.waitForSelector('#lobby:not([hidden])', {timeout: 15000});
}

async function memberNames(u) {
	return u.page.$$eval('#member-list .member .name', (els) => els.map((e) => e.textContent));
}

async function joinWithLink(u, link, alias) {
	await u.page.goto(link);
	await u.page.waitForSelector('#join-form:not([hidden])');
	await u.page.fill('#join-alias', alias);
	await u.page.click('#join-button');
	await inRoom(u);
}

/*
 * After leaving: no trace of the room in the page (MARKERS nowhere in the
 * DOM or in any field) and nothing in any storage.
 */
async function assertClean(u, markers) {
	const s = await u.page.evaluate(async () => ({
		ls: localStorage.length,
		ss: sessionStorage.length,
		cookie: document.cookie,
		idb: (await indexedDB.databases()).length,
		hash: location.hash,
		href: location.href,
		html: document.documentElement.outerHTML,
		values: Array.from(document.querySelectorAll('input, textarea')).map((e) => e.value).join('\n'),
		log: document.getElementById('log').childElementCount,
		members: document.getElementById('member-list').childElementCount,
		room: !document.getElementById('room').hidden
	}));
	assert.equal(s.room, false, u.name + ': room view still shown');
	assert.equal(s.log, 0, u.name + ': message log not empty');
	assert.equal(s.members, 0, u.name + ': member list not empty');
	assert.equal(s.ls, 0, 'localStorage used');
	assert.equal(s.ss, 0, 'sessionStorage used');
	assert.equal(s.cookie, '', 'cookie set');
	assert.equal(s.idb, 0, 'IndexedDB used');
	assert.equal(s.hash, '', 'fragment left in the address bar');
	assert.deepEqual(await u.ctx.cookies(), [], 'context cookies');
	for (const m of markers) {
		assert.ok(!s.html.includes(m), u.name + ': “' + m + '” still in the DOM');
		assert.ok(!s.values.includes(m), u.name + ': “' + m + '” still in a field');
	}
}

async function xssState(u) {
	return u.page.evaluate(() => {
		const log = document.getElementById('log');
		const bad = [];
		for (const e of log.querySelectorAll('*')) {
			const tag = e.localName;
			/* The page's own Copy and Show more (messages cannot carry class). */
			if (e.matches('.code > button.copy-code:last-child, .msg > button.fold'))
				continue;
			if (/^(script|iframe|object|embed|svg|math|style|template|form|input|button|select|textarea|video|audio|source|base|meta|link|frame|frameset|noscript|details|marquee)$/.test(tag))
				bad.push('element ' + tag);
			for (const a of e.attributes) {
				if (/^on/i.test(a.name) || a.name === 'style' || a.name === 'srcset' ||
				    a.name === 'background' || a.name === 'formaction')
					bad.push(tag + '[' + a.name + ']');
				if (a.name === 'href' && !/^(https?:\/\/|mailto:)/i.test(a.value))
					bad.push(tag + ' href=' + a.value);
				if (a.name === 'src' && !/^data:image\/(png|jpeg|gif|webp);base64,/.test(a.value))
					bad.push(tag + ' src=' + a.value.slice(0, 40));
			}
			if (tag === 'a' && e.hasAttribute('href') &&
			    (e.getAttribute('rel') !== 'noopener noreferrer' || e.getAttribute('target') !== '_blank'))
				bad.push('a without rel/target');
		}
		return {xss: window.__xss, bad};
	});
}

/* ---------- setup ---------- */

async function setup() {
	for (const b of ['chatroom', 'servchat'])
		if (!fs.existsSync(path.join(BUILD, b)))
			throw new Error(path.join(BUILD, b) + ' is missing: run make first');
	relayPort = await freePort();
	proxyPort = await freePort();
	servPort = await freePort();
	chatroom = await startRelay();
	proxy = new CutProxy(relayPort);
	await proxy.listen(proxyPort);
	servchat = await startDaemon(path.join(BUILD, 'servchat'),
	    ['-s', String(servPort), '-c', String(proxyPort), '-4', '--bind', '127.0.0.1',
	    /* Every browser context here comes from 127.0.0.1. */
	    '--max-per-ip', '1000'].concat(
	    /* Development: serve a static/ tree from disk instead of the embedded one. */
	    process.env.SANCTUARY_STATIC_DIR ? ['--static-dir', process.env.SANCTUARY_STATIC_DIR] : []));
	noCspPort = await freePort();
	noCspServer = await startCspStripper(noCspPort, servPort);
	run.alive = () => {
		if (chatroom && chatroom.exited)
			return 'chatroom died: ' + JSON.stringify(chatroom.exited) + ' ' + chatroom.stderrText();
		if (servchat.exited)
			return 'servchat died: ' + JSON.stringify(servchat.exited) + ' ' + servchat.stderrText();
		return null;
	};
	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		args: ['--no-sandbox', '--headless', '--disable-gpu',
		    '--disable-background-networking', '--disable-component-update',
		    '--disable-sync', '--no-first-run',
		    '--host-resolver-rules=MAP sanctuary.test 127.0.0.1']
	});
	raw = new RawClient(path.join(HERE, 'rawclient.py'));
	await v2Init({raw, nacl, ROOT});
	fs.mkdirSync(SHOTS, {recursive: true});
	for (const f of fs.readdirSync(SHOTS))
		if (f.startsWith('fail-'))
			fs.unlinkSync(path.join(SHOTS, f));
	/* A failed test leaves a picture of every page, to see what went wrong. */
	run.onFail = async (n) => {
		for (const u of Object.values(users))
			await u.page.screenshot({path: path.join(SHOTS, 'fail-' + n + '-' + u.name + '.png'), timeout: 5000});
	};
}

function startRelay() {
	return startDaemon(path.join(BUILD, 'chatroom'),
	    ['-c', String(relayPort), '-4', '--bind', '127.0.0.1', '--max-per-ip', '1000']);
}

async function shot(u, name) {
	await u.page.screenshot({path: path.join(SHOTS, name + '.png')});
}

/*
 * Runs axe-core (pinned in package-lock.json) on U's page as it is now;
 * returns its serious and critical violations. Injected through CDP, since
 * the page's CSP rightly refuses an inline script. Every finding also goes
 * to SHOTS/axe.json, for the record.
 */
async function axe(u, label) {
	await u.page.evaluate(AXE);
	const v = await u.page.evaluate(async () => {
		/* The lobby's entrance animation would be measured half faded. */
		await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
		const r = await window.axe.run(document, {resultTypes: ['violations']});
		return r.violations.map((x) => ({id: x.id, impact: x.impact,
		    nodes: x.nodes.map((n) => n.target.join(' ') + ': ' +
		    (n.any.concat(n.all)[0] || {message: ''}).message)}));
	});
	axeFigures.push({label, violations: v});
	fs.writeFileSync(path.join(SHOTS, 'axe.json'), JSON.stringify(axeFigures, null, 1));
	return v.filter((x) => x.impact === 'serious' || x.impact === 'critical')
	    .map((x) => label + ': ' + x.id + ' ' + x.nodes.join('; '));
}

/* Axe on U's page in both colour schemes, findings added to BAD. */
async function axeBoth(u, label, bad) {
	for (const scheme of ['light', 'dark']) {
		await u.page.emulateMedia({colorScheme: scheme});
		bad.push(...await axe(u, label + ' ' + scheme));
	}
	await u.page.emulateMedia({colorScheme: 'light'});
}

/* ---------- scenarios ---------- */

async function scenarios() {
	const RELAY = 'ws://127.0.0.1:' + relayPort + '/';

	await run.test('lobby: served with a CSP, not a secure context, no Web Crypto', async () => {
		const alice = await person('alice');
		const resp = await alice.page.goto(lobbyUrl());
		const csp = resp.headers()['content-security-policy'] || '';
		assert.match(csp, /script-src 'self'/);
		assert.match(csp, new RegExp('connect-src [^;]*ws://\\*:' + proxyPort));
		const env = await alice.page.evaluate(() => ({
			secure: window.isSecureContext,
			subtle: typeof (globalThis.crypto && crypto.subtle),
			grv: typeof crypto.getRandomValues,
			nacl: typeof window.nacl, purify: typeof window.DOMPurify
		}));
		assert.deepEqual(env, {secure: false, subtle: 'undefined', grv: 'function',
		    nacl: 'object', purify: 'function'});
		await alice.page.waitForSelector('#create-alias:focus');
	});

	await run.test('lobby: screenshots at 390x844 and 1280x800, light and dark', async () => {
		const {page} = users.alice;
		for (const [w, h] of [[390, 844], [1280, 800]]) {
			await page.setViewportSize({width: w, height: h});
			await shot(users.alice, 'lobby-' + w);
			await page.emulateMedia({colorScheme: 'dark'});
			await shot(users.alice, 'lobby-' + w + '-dark');
			await page.emulateMedia({colorScheme: 'light'});
		}
		await page.click('#tab-join');
		await shot(users.alice, 'lobby-1280-join');
		await page.click('#tab-create');
		/* Wrong aliases are refused before anything is sent. */
		for (const bad of ['two words', '*', 'é'.repeat(17), 'zero\u200bwidth']) {
			await page.fill('#create-alias', bad);
			await page.click('#create-button');
			assert.notEqual(await page.textContent('#create-error'), '', 'alias “' + bad + '” accepted');
			await inLobby(users.alice);
		}
	});

	await run.test('accessibility: axe finds no serious violation in the lobby, light and dark, desktop and phone', async () => {
		const {page} = users.alice;
		const bad = [];
		for (const [w, h] of [[1280, 800], [390, 844], [360, 640]]) {
			await page.setViewportSize({width: w, height: h});
			await page.click('#tab-create');
			await page.check('input[name="mode"][value="everyone"]');
			await axeBoth(users.alice, 'lobby ' + w, bad);
			await page.check('input[name="mode"][value="owner"]');
			await page.click('#tab-join');
			await axeBoth(users.alice, 'lobby join ' + w, bad);
			await page.click('#tab-create');
		}
		await page.setViewportSize({width: 1280, height: 800});
		assert.deepEqual(bad, []);
	});

	await run.test('create: alice opens an owner-moderated room and gets an invite link and QR code', async () => {
		const {page} = users.alice;
		await page.fill('#create-alias', 'alice');
		await page.check('input[name="mode"][value="owner"]');
		await page.click('#create-button');
		await inRoom(users.alice);
		await page.waitForSelector('#invite-dialog[open]');
		st.link = await page.inputValue('#invite-link');
		assert.match(st.link, new RegExp('^http://sanctuary\\.test:' + servPort +
		    '/#[A-Za-z0-9_-]{21}[AQgw]\\.[A-Za-z0-9_-]{43}$'));
		st.roomKey = roomKeyOf(st.link).roomKey;
		st.secretText = st.link.split('.').pop();
		const qr = await page.evaluate(() => {
			const c = document.getElementById('invite-qr');
			const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
			let dark = 0;
			for (let i = 0; i < d.length; i += 4)
				if (d[i] < 80)
					dark++;
			return {w: c.width, dark, total: d.length / 4};
		});
		assert.ok(qr.w >= 100 && qr.dark > qr.total / 5 && qr.dark < qr.total * 0.8, 'QR drawn: ' + JSON.stringify(qr));
		await page.setViewportSize({width: 390, height: 844});
		await shot(users.alice, 'invite-390');
		await page.setViewportSize({width: 1280, height: 800});
		await page.click('#copy-button');
		assert.match(await page.textContent('#copy-status'), /Copied|Selected/);
		await page.click('#invite-dialog .dialog-close');
		assert.deepEqual(await memberNames(users.alice), ['alice']);
		assert.equal(await page.evaluate(() => location.hash), '');
		assert.match(await page.textContent('#mode-line'), /You moderate/);
	});

	await run.test('join by link: the fragment leaves the address bar without a history entry', async () => {
		const bob = await person('bob', {width: 390, height: 844});
		/* What history.length is after one navigation in a fresh page. */
		const probe = await bob.ctx.newPage();
		await probe.goto(lobbyUrl());
		const base = await probe.evaluate(() => history.length);
		await probe.close();
		await bob.page.goto(st.link);
		await bob.page.waitForSelector('#invite-loaded:not([hidden])');
		const loc = await bob.page.evaluate(() => ({href: location.href, hist: history.length}));
		assert.equal(loc.href, lobbyUrl());
		assert.equal(loc.hist, base);
		await bob.page.fill('#join-alias', 'bob');
		await bob.page.click('#join-button');
		await inRoom(bob);
		await waitLog(users.alice, 'bob joined.');
		assert.deepEqual(await memberNames(bob), ['alice', 'bob']);
		assert.equal(await bob.page.evaluate(() => history.length), base);
	});

	await run.test('join by pasting: bad invites and a taken alias are refused with a clear message', async () => {
		const carol = await person('carol');
		await carol.page.goto(lobbyUrl());
		await carol.page.click('#tab-join');
		await carol.page.fill('#join-invite', 'not an invite');
		await carol.page.fill('#join-alias', 'carol');
		await carol.page.click('#join-button');
		assert.match(await carol.page.textContent('#join-error'), /not a Sanctuary invite/);
		/* Case-insensitive: BOB is bob. */
		await carol.page.fill('#join-invite', st.link);
		await carol.page.fill('#join-alias', 'BOB');
		await carol.page.click('#join-button');
		await carol.page.waitForFunction(() => /already uses that alias/.test(document.getElementById('join-error').textContent));
		await carol.page.fill('#join-alias', 'carol');
		await carol.page.click('#join-button');
		await inRoom(carol);
		await waitLog(users.alice, 'carol joined.');
		await waitLog(users.bob, 'carol joined.');
		assert.equal(await carol.page.inputValue('#join-invite'), '');
	});

	await run.test('a raw relay client joins the same room', async () => {
		/* It speaks version 2 (v2.js), with the keys alice whispers to it. */
		st.raw = new RawMember('raw', 'rawclient', st.link);
		const w = await st.raw.join(RELAY);
		assert.match(w, /^welcome [A-Za-z0-9_-]{22} owner alice alice bob carol rawclient$/);
		await waitLog(users.carol, 'rawclient joined.');
	});

	await run.test('chat: messages go both ways with the right sender', async () => {
		const {alice, bob, carol} = users;
		await say(alice, 'hello from alice PLAIN-MARK-1');
		await waitLog(bob, 'PLAIN-MARK-1');
		await waitLog(carol, 'PLAIN-MARK-1');
		await say(bob, 'PLAIN-MARK-2 hi alice, 😀 ünïcode');
		await waitLog(alice, 'PLAIN-MARK-2 hi alice, 😀 ünïcode');
		const last = await lastFrom(alice);
		assert.deepEqual(last, {who: 'bob', text: 'PLAIN-MARK-2 hi alice, 😀 ünïcode'});
		/* The sender sees its own message, marked as its own. */
		assert.equal(await bob.page.$$eval('#log .msg.mine', (m) => m.length), 1);
		await say(carol, 'multi\nline PLAIN-MARK-3');
		await waitLog(alice, 'line PLAIN-MARK-3');
		assert.ok((await alice.page.innerText('#log')).includes('multi\nline PLAIN-MARK-3'));
	});

	await run.test('formatting: allowed HTML is shown, links are safe, remote images become links', async () => {
		const {alice, bob} = users;
		const fmt = '<h3>FMT-title</h3><p><b>FMT-bold</b> <i>it</i> <u>u</u> <s>s</s> <mark>mark</mark> H<sub>2</sub>O <kbd>Ctrl</kbd></p>' +
		    '<ul><li>FMT-one</li><li>two</li></ul><ol><li>first</li></ol>' +
		    '<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>FMT-cell</td></tr></tbody></table>' +
		    '<blockquote>quoted</blockquote><pre><code>let x = 1;</code></pre>' +
		    '<a href="https://example.com/page" title="t">FMT-link</a> <a href="mailto:a@example.com">mail</a> ' +
		    '<a href="/relative">rel</a> <img src="https://example.com/remote.png" alt="FMT-remote"> ' +
		    '<img src="data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==" alt="pixel">';
		await say(bob, fmt);
		await waitLog(alice, 'FMT-cell');
		const got = await alice.page.evaluate(() => {
			const ms = document.querySelectorAll('#log .msg:not(.mine) .bubble');
			const b = ms[ms.length - 1];
			const q = (s) => b.querySelector(s);
			const links = Array.from(b.querySelectorAll('a')).map((a) => [a.textContent, a.getAttribute('href'), a.rel, a.target]);
			return {
				h3: !!q('h3'), bold: q('b') && q('b').textContent, i: !!q('i'), u: !!q('u'), s: !!q('s'),
				mark: !!q('mark'), sub: !!q('sub'), kbd: !!q('kbd'), li: b.querySelectorAll('li').length,
				td: q('td') && q('td').textContent, th: !!q('th'), bq: !!q('blockquote'), code: !!q('pre code'),
				links, imgs: Array.from(b.querySelectorAll('img')).map((i) => i.getAttribute('src').slice(0, 15))
			};
		});
		assert.deepEqual(got, {
			h3: true, bold: 'FMT-bold', i: true, u: true, s: true, mark: true, sub: true, kbd: true, li: 3,
			td: 'FMT-cell', th: true, bq: true, code: true,
			links: [
				['FMT-link', 'https://example.com/page', 'noopener noreferrer', '_blank'],
				['mail', 'mailto:a@example.com', 'noopener noreferrer', '_blank'],
				['rel', null, '', ''],
				['🖼 FMT-remote', 'https://example.com/remote.png', 'noopener noreferrer', '_blank']
			],
			imgs: ['data:image/gif;']
		});
		assert.deepEqual((await xssState(alice)).bad, []);
	});

	await run.test('literal: text with <, > and & reads as typed; only allowed tags format', async () => {
		const {alice, bob} = users;
		const cases = [
			['if a<b and b>c then a<c', []],
			['use the <div> tag, or <template>', []],
			['<script>', []],
			['fish & chips && Q&A, &copy 2026, &notin; a &lt;b&gt;', []],
			['<p></p>', []],
			['<b>LIT-bold</b> next to <div> and 3<4', ['B']]
		];
		const shown = {
			'fish & chips && Q&A, &copy 2026, &notin; a &lt;b&gt;': 'fish & chips && Q&A, &copy 2026, ∉ a <b>',
			'<b>LIT-bold</b> next to <div> and 3<4': 'LIT-bold next to <div> and 3<4'
		};
		const mine0 = await bob.page.$$eval('#log .msg.mine', (m) => m.length);
		for (const [text] of cases) {
			await say(bob, text);
			/* The composer never eats a message: it is shown and sent. */
			assert.equal(await bob.page.inputValue('#message'), '', 'composer kept “' + text + '”');
		}
		await say(bob, 'LIT-DONE');
		await waitLog(alice, 'LIT-DONE');
		const n = cases.length + 1;
		const last = (u, sel) => u.page.$$eval(sel, (bs, k) => bs.slice(-k).map((b) => ({
			text: b.textContent,
			tags: Array.from(b.querySelectorAll('*')).map((e) => e.nodeName)
		})), n);
		const theirs = await last(alice, '#log .msg:not(.mine) .bubble');
		const mine = await last(bob, '#log .msg.mine .bubble');
		assert.equal(await bob.page.$$eval('#log .msg.mine', (m) => m.length) - mine0, n);
		cases.forEach(([text, tags], i) => {
			const want = {text: shown[text] || text, tags};
			assert.deepEqual(theirs[i], want, 'alice sees “' + text + '”');
			assert.deepEqual(mine[i], want, 'bob sees his “' + text + '”');
		});
		assert.deepEqual((await xssState(alice)).bad, []);
		await alice.page.locator('#log .msg:not(.mine)').nth(-(n - 1)).scrollIntoViewIfNeeded();
		await shot(alice, 'literal-1280');
	});

	await run.test('right to left: an Arabic message and alias read right to left', async () => {
		const {alice, bob} = users;
		await say(bob, 'مرحبا بالجميع، the meeting is at 9');
		await waitLog(alice, 'the meeting is at 9');
		const d = await alice.page.evaluate(() => {
			const ms = document.querySelectorAll('#log .msg:not(.mine)');
			const m = ms[ms.length - 1];
			return {
				bubble: getComputedStyle(m.querySelector('.bubble')).direction,
				who: m.querySelector('.who').getAttribute('dir'),
				latin: getComputedStyle(ms[ms.length - 2].querySelector('.bubble')).direction
			};
		});
		assert.deepEqual(d, {bubble: 'rtl', who: 'auto', latin: 'ltr'});
		await shot(alice, 'rtl-1280');
	});

	await run.test('accessibility: axe finds no serious violation in the room and its dialogs, light and dark, desktop and phone', async () => {
		const {alice, bob} = users;
		const bad = [];
		/* Every alias colour, as a sender's name: a swatch removed after. */
		const swatch = (u, on) => u.page.evaluate((add) => {
			document.querySelectorAll('.axe-swatch').forEach((e) => e.remove());
			if (!add)
				return;
			const log = document.getElementById('log');
			for (let k = 0; k < 8; k++) {
				const m = document.createElement('article');
				m.className = 'msg axe-swatch';
				const h = document.createElement('header');
				h.className = 'meta';
				const w = document.createElement('span');
				w.className = 'who c' + k;
				w.textContent = 'colour' + k;
				h.append(w);
				const b = document.createElement('div');
				b.className = 'bubble';
				b.textContent = 'swatch';
				m.append(h, b);
				log.append(m);
			}
			log.scrollTop = log.scrollHeight;
		}, on);
		for (const u of [alice, bob]) {
			await swatch(u, true);
			await axeBoth(u, 'room ' + u.name, bad);
			await swatch(u, false);
		}
		await bob.page.click('#people-button');
		await bob.page.waitForSelector('#members-close:focus');
		await axeBoth(bob, 'members drawer 390', bad);
		await bob.page.keyboard.press('Escape');
		await alice.page.click('#invite-button');
		await alice.page.waitForSelector('#invite-dialog[open]');
		await axeBoth(alice, 'invite dialog', bad);
		await alice.page.click('#invite-dialog .dialog-close');
		await alice.page.click('#member-list .member:has-text("carol")');
		await alice.page.waitForSelector('#member-dialog[open]');
		await axeBoth(alice, 'member dialog', bad);
		await alice.page.keyboard.press('Escape');
		for (const u of [alice, bob]) {
			await u.page.click('#leave-button');
			await u.page.waitForSelector('#leave-dialog[open]');
			await axeBoth(u, 'leave dialog ' + u.name, bad);
			await u.page.keyboard.press('Escape');
			await u.page.waitForFunction(() => !document.getElementById('leave-dialog').open);
		}
		await inRoom(alice);
		await inRoom(bob);
		assert.deepEqual(bad, []);
	}, {timeout: 90000});

	await run.test('whisper: only its target sees it (typed /purr and from the member list)', async () => {
		const {alice, bob, carol} = users;
		const rawSeen = raw.events.length;
		await say(alice, '/purr bob WHISPER-SECRET-1');
		await say(alice, 'after-whisper-1');
		await waitLog(bob, 'WHISPER-SECRET-1');
		assert.match(await bob.page.evaluate(() => {
			const w = document.querySelectorAll('#log .msg.whisper .meta');
			return w[w.length - 1].textContent;
		}), /whisper from\s*alice/);
		await waitLog(carol, 'after-whisper-1');
		await raw.waitFor((e) => e.ev === 'recv' && e.frame.startsWith('msg alice '), 10000, rawSeen);
		assert.ok(!(await logText(carol)).includes('WHISPER-SECRET-1'), 'carol saw the whisper');
		/* carol (desktop, list always shown) whispers to bob from the list. */
		await carol.page.click('#member-list .member:has-text("bob")');
		await carol.page.waitForSelector('#member-dialog[open]');
		assert.equal(await carol.page.isVisible('#member-kick'), false, 'non-moderator offered kick');
		await carol.page.click('#member-whisper');
		await carol.page.waitForSelector('#whisper-chip:not([hidden])');
		await say(carol, 'WHISPER-UI-2');
		await waitLog(bob, 'WHISPER-UI-2');
		await carol.page.click('#whisper-cancel');
		await say(carol, 'after-whisper-2');
		await waitLog(alice, 'after-whisper-2');
		assert.ok(!(await logText(alice)).includes('WHISPER-UI-2'), 'alice saw carol’s whisper');
		assert.ok(!raw.events.slice(rawSeen).some((e) => e.id === 'raw' && e.ev === 'recv' &&
		    e.frame.startsWith('purr ')), 'raw client got a whisper');
		/* A whisper to nobody is refused locally. */
		await say(alice, '/purr nobody hello');
		await waitLog(alice, 'There is nobody called “nobody”');
	});

	await run.test('forged, tampered and misattributed messages are not shown', async () => {
		const {alice, bob} = users;
		const before = await countLog(alice, 'could not be verified');
		const r = st.raw;
		raw.send('raw', 'msg ' + ++r.seq + ' ' + Buffer.from(nacl.randomBytes(300)).toString('base64url'));
		/* Sealed with the epoch key but claiming to be alice: the relay stamps rawclient. */
		r.send(r.msg('FORGED-AS-ALICE', {from: 'alice'}));
		/* A kind that a room message cannot carry. */
		r.send(r.msg('WRONG-KIND', {kind: 'purr'}));
		/* Right key, right alias, one flipped bit. */
		const [, id, good] = r.msg('TAMPERED').split(' ');
		const flip = Buffer.from(good, 'base64url');
		flip[40] ^= 1;
		raw.send('raw', 'msg ' + id + ' ' + flip.toString('base64url'));
		/* And one correct message: the documented format interoperates. */
		r.send(r.msg('RAW-SEALED-OK <b>bold</b>'));
		await waitLog(alice, 'RAW-SEALED-OK bold');
		await waitLog(bob, 'RAW-SEALED-OK bold');
		assert.equal(await countLog(alice, 'could not be verified') - before, 4);
		const t = await logText(alice);
		for (const m of ['FORGED-AS-ALICE', 'WRONG-KIND', 'TAMPERED'])
			assert.ok(!t.includes(m), m + ' shown');
		assert.match(t, /A message from rawclient could not be verified/);
	});

	await run.test('XSS: ' + MESSAGE_PAYLOADS.length + ' hostile messages never run (with CSP, and without it)', async () => {
		const {alice, bob, carol} = users;
		/* dave loads the page through a proxy that removes the CSP. */
		const dave = await person('dave');
		await joinWithLink(dave, st.link.replace(':' + servPort + '/', ':' + noCspPort + '/'), 'dave');
		assert.equal(await dave.page.evaluate(async () => (await fetch('/')).headers.get('content-security-policy')), null);
		await waitLog(alice, 'dave joined.');
		const mine0 = await bob.page.$$eval('#log .msg.mine', (m) => m.length);
		for (const p of MESSAGE_PAYLOADS)
			await say(bob, p);
		await say(bob, 'XSS-DONE');
		for (const u of [alice, carol, dave])
			await waitLog(u, 'XSS-DONE', 40000);
		await say(dave, 'dave-after-xss');
		await waitLog(bob, 'dave-after-xss');
		for (const u of [alice, bob, carol, dave]) {
			const s = await xssState(u);
			assert.equal(s.xss, undefined, u.name + ': a payload ran');
			assert.deepEqual(s.bad, [], u.name + ': unsafe markup in the log');
			assert.deepEqual(u.dialogs, [], u.name + ': dialog opened');
		}
		/* Every payload arrived and was displayed (or dropped as empty): none lost. */
		assert.equal(await countLog(bob, 'sending too fast'), 0);
		const sent = await bob.page.$$eval('#log .msg.mine', (m) => m.length) - mine0;
		const got = await dave.page.$$eval('#log .msg:not(.mine) .who', (w) => w.filter((x) => x.textContent === 'bob').length);
		assert.equal(got, sent, 'dave shows ' + got + ' of bob’s ' + sent + ' non-empty messages');
		assert.ok(sent >= 30, 'only ' + sent + ' payloads left visible text');
	}, {timeout: 90000});

	await run.test('XSS: ' + ALIAS_PAYLOADS.length + ' hostile aliases are shown as plain text', async () => {
		const {alice, dave} = users;
		let i = 0;
		for (const alias of ALIAS_PAYLOADS) {
			assert.ok(Buffer.byteLength(alias) <= 32, alias);
			const id = 'x' + i++;
			const m = new RawMember(id, alias, st.link);
			await m.join(RELAY);
			m.send(m.msg('ALIAS-MSG-' + i));
			await m.exit('ALIAS-BYE-' + i);
		}
		for (const u of [alice, dave]) {
			await waitLog(u, 'ALIAS-BYE-' + i);
			const t = await logText(u);
			for (const alias of ALIAS_PAYLOADS) {
				assert.ok(t.includes(alias + ' joined.'), u.name + ': joined notice for ' + alias);
				assert.ok(t.includes(alias + ' left: “ALIAS-BYE-'), u.name + ': farewell of ' + alias);
			}
			const whos = await u.page.$$eval('#log .who', (w) => w.map((x) => x.textContent));
			for (const alias of ALIAS_PAYLOADS)
				assert.ok(whos.includes(alias), u.name + ': sender ' + alias + ' not shown as text');
			const s = await xssState(u);
			assert.equal(s.xss, undefined);
			assert.deepEqual(s.bad, []);
			assert.deepEqual(u.dialogs, []);
		}
	});

	await run.test('pacing: a burst of 45 messages stays under the relay flood limit, in order', async () => {
		const {alice, carol} = users;
		for (let k = 0; k < 45; k++) {
			await carol.page.fill('#message', 'burst-' + k + '-end');
			await carol.page.press('#message', 'Enter');
		}
		await waitLog(alice, 'burst-44-end', 30000);
		const order = await alice.page.$$eval('#log .msg .bubble', (b) =>
		    b.map((x) => x.textContent).filter((t) => /^burst-\d+-end$/.test(t)));
		assert.deepEqual(order, Array.from({length: 45}, (_, k) => 'burst-' + k + '-end'));
		assert.equal(await countLog(carol, 'sending too fast'), 0);
		assert.equal(await carol.page.$$eval('#log .msg.pending', (m) => m.length), 0);
	}, {timeout: 60000});

	await run.test('image: a big picture is re-encoded, sent in img parts and shown as a data: image', async () => {
		const {alice, bob} = users;
		const png = await alice.page.screenshot({fullPage: false});
		assert.ok(png.length > 50000, 'test image too small: ' + png.length);
		const rawSeen = raw.events.length;
		await bob.page.setInputFiles('#attach', {name: 'holiday.png', mimeType: 'image/png', buffer: png});
		await alice.page.waitForFunction(() => {
			const imgs = document.querySelectorAll('#log .msg:not(.mine) .bubble img');
			const i = imgs[imgs.length - 1];
			return i && i.complete && i.naturalWidth > 100 && /^data:image\/(webp|jpeg);base64,/.test(i.src);
		}, null, {timeout: 20000});
		const f = await raw.waitFor((e) => e.ev === 'recv' && e.frame.startsWith('msg bob ') && e.frame.length > 5000, 10000, rawSeen);
		assert.ok(f.frame.length <= 65536, 'frame of ' + f.frame.length + ' bytes');
		/* A version 2 room: the picture goes as img parts (media.js has the sizes). */
		const o = st.raw.open(f.frame.split(' ')[2]);
		assert.ok(o && o.kind === 'img' && o.from === 'bob' &&
		    /^[A-Za-z0-9_-]{1,16} 0 [1-9][0-9]? image\/(webp|jpeg) [A-Za-z0-9_-]{43}\n/.test(o.text));
		assert.ok(!o.text.includes('holiday'), 'file name leaked');
	});

	await run.test('people drawer on a phone: focus moves in, Escape closes it and returns focus', async () => {
		const {bob} = users;
		await bob.page.click('#people-button');
		await bob.page.waitForSelector('#members-close:focus');
		assert.equal(await bob.page.getAttribute('#people-button', 'aria-expanded'), 'true');
		await shot(bob, 'members-390');
		await bob.page.keyboard.press('Escape');
		await bob.page.waitForSelector('#people-button:focus');
		assert.equal(await bob.page.getAttribute('#people-button', 'aria-expanded'), 'false');
		assert.equal(await bob.page.getAttribute('#log', 'aria-live'), 'polite');
	});

	await run.test('frames seen by a raw relay client carry only padded ciphertext', async () => {
		const frames = raw.frames();
		const text = frames.join('\n');
		for (const m of ['PLAIN-MARK-1', 'PLAIN-MARK-2', 'PLAIN-MARK-3', 'FMT-bold', 'hello from alice',
		    'after-whisper', 'XSS-DONE', 'burst-1-end', 'dave-after-xss', 'spare key', st.secretText])
			assert.ok(!text.includes(m), 'plaintext “' + m + '” on the wire');
		const bodies = frames.filter((f) => f.startsWith('msg ')).map((f) => f.split(' ')[2]);
		assert.ok(bodies.length > 100, 'only ' + bodies.length + ' msg frames seen');
		const sizes = new Set();
		let plain = 0;
		for (const b of bodies) {
			assert.match(b, /^[A-Za-z0-9_-]+$/);
			const n = Buffer.from(b, 'base64url').length - 40;
			sizes.add(n);
			const o = st.raw.open(b);
			if (o && o.text === 'hello from alice PLAIN-MARK-1' && o.from === 'alice' && o.kind === 'msg')
				plain++;
		}
		for (const n of sizes)
			assert.ok(n === 256 || n === 1024 || n === 4096 || n % 16384 === 0, 'padded length ' + n);
		assert.equal(plain, 1, 'the documented format decrypts alice’s first message');
	});

	await run.test('unread messages are counted in the title while the tab is hidden', async () => {
		const {alice, bob} = users;
		await alice.page.evaluate(() => {
			Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
			document.dispatchEvent(new Event('visibilitychange'));
		});
		await say(bob, 'unread-1');
		await say(bob, 'unread-2');
		await alice.page.waitForFunction(() => document.title === '(2) Sanctuary', null, {timeout: 10000});
		await alice.page.evaluate(() => {
			Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'visible'});
			document.dispatchEvent(new Event('visibilitychange'));
		});
		assert.equal(await alice.page.title(), 'Sanctuary');
	});

	await run.test('silent drop: bob’s connection dies on the way, he resumes his place with his token', async () => {
		const {alice, bob} = users;
		const lefts = await countLog(alice, 'bob left.');
		const joins = await countLog(alice, 'bob joined.');
		assert.equal(proxy.cut('bob', {silent: true}), 1);
		await waitLog(bob, 'connection to the relay was lost');
		await waitLog(bob, 'Reconnected.');
		await bob.page.waitForSelector('#room-status[data-state="online"]');
		await say(bob, 'back-after-silent-drop');
		await waitLog(alice, 'back-after-silent-drop');
		assert.equal(await countLog(alice, 'bob left.'), lefts, 'alice was told bob left');
		assert.equal(await countLog(alice, 'bob joined.'), joins, 'alice was told bob joined');
		assert.equal(proxy.count('bob'), 1);
		assert.deepEqual(await memberNames(bob), await memberNames(alice));
	});

	await run.test('hard drop: the relay sees bob go, he comes back on his own', async () => {
		const {alice, bob} = users;
		const joins = await countLog(alice, 'bob joined.');
		assert.equal(proxy.cut('bob'), 1);
		await waitLog(alice, 'bob left.');
		await alice.page.waitForFunction((n) => document.getElementById('log').textContent.split('bob joined.').length - 1 > n,
		    joins, {timeout: 20000});
		await bob.page.waitForSelector('#room-status[data-state="online"]');
		await say(alice, 'welcome-back-bob');
		await waitLog(bob, 'welcome-back-bob');
	});

	await run.test('alias taken while away: bob is asked for another alias and rejoins', async () => {
		const {alice, bob} = users;
		proxy.blocked.add('bob');
		const lefts = await countLog(alice, 'bob left.');
		proxy.cut('bob');
		await alice.page.waitForFunction((n) => document.getElementById('log').textContent.split('bob left.').length - 1 > n,
		    lefts, {timeout: 10000});
		await raw.open('thief', RELAY);
		const w = await raw.request('thief', 'join 2 ' + st.roomKey + ' Bob', (f) => /^(welcome|error)/.test(f));
		assert.match(w.frame, /^welcome /);
		proxy.blocked.delete('bob');
		await bob.page.waitForSelector('#alias-dialog[open]', {timeout: 30000});
		await bob.page.fill('#alias-new', 'bob');
		await bob.page.click('#alias-rejoin');
		assert.match(await bob.page.textContent('#alias-error'), /taken/);
		await bob.page.fill('#alias-new', 'bob2');
		await bob.page.click('#alias-rejoin');
		await waitLog(alice, 'bob2 joined.');
		await bob.page.waitForSelector('#room-status[data-state="online"]');
		await say(bob, 'i-am-bob2-now');
		await waitLog(alice, 'i-am-bob2-now');
		assert.equal((await lastFrom(alice)).who, 'bob2');
		raw.send('thief', 'exit 1');
		await raw.waitFor((e) => e.id === 'thief' && e.ev === 'closed');
	}, {timeout: 60000});

	await run.test('never by accident: removing someone and closing the room ask first', async () => {
		const {alice, bob} = users;
		await alice.page.click('#member-list .member:has-text("carol")');
		await alice.page.waitForSelector('#member-dialog[open]');
		await alice.page.click('#member-kick');
		assert.match(await alice.page.textContent('#member-kick'), /^Remove carol\? Press again/);
		assert.equal(await alice.page.evaluate(() => document.getElementById('member-dialog').open), true);
		await shot(alice, 'kick-confirm-1280');
		await alice.page.keyboard.press('Escape');
		await alice.page.click('#leave-button');
		await alice.page.waitForSelector('#leave-dialog[open]');
		await alice.page.click('#stop-button');
		assert.match(await alice.page.textContent('#stop-button'), /Press again to confirm/);
		assert.equal(await alice.page.evaluate(() => document.getElementById('leave-dialog').open), true);
		await shot(alice, 'stop-confirm-1280');
		await alice.page.keyboard.press('Escape');
		await say(alice, 'still-here-after-asks');
		await waitLog(bob, 'still-here-after-asks');
		assert.ok((await memberNames(alice)).includes('carol'), 'carol removed on the first click');
		/* Opened again, the dialog asks again. */
		await alice.page.click('#leave-button');
		assert.equal(await alice.page.textContent('#stop-button'), 'Close the room for everyone');
		await alice.page.keyboard.press('Escape');
	});

	await run.test('kick: the moderator removes carol, whose page keeps nothing', async () => {
		const {alice, bob, carol} = users;
		await alice.page.click('#member-list .member:has-text("carol")');
		await alice.page.waitForSelector('#member-dialog[open]');
		await alice.page.click('#member-kick');
		await alice.page.click('#member-kick');
		await waitLog(alice, 'carol was removed by you.');
		await waitLog(bob, 'carol was removed by alice.');
		await inLobby(carol);
		assert.match(await carol.page.textContent('#lobby-note'), /removed from the room by alice/);
		await assertClean(carol, ['PLAIN-MARK', 'FMT-', 'burst-', 'after-whisper', st.secretText, st.roomKey]);
		assert.ok(!(await memberNames(alice)).includes('carol'));
		/* The kick moved the room to a new link (version 2): the old one is dead. */
		await alice.page.click('#invite-button');
		const fresh = await alice.page.inputValue('#invite-link');
		await alice.page.click('#invite-dialog .dialog-close');
		assert.notEqual(fresh, st.link);
		st.link = fresh;
		st.roomKey = roomKeyOf(st.link).roomKey;
		st.secretText = st.link.split('.').pop();
		/* A non-moderator cannot kick. */
		await say(bob, '/kick dave');
		await waitLog(bob, 'Only the moderator can do that.');
	});

	await run.test('reload and back leave the room and forget it', async () => {
		const {alice, carol} = users;
		await joinWithLink(carol, st.link, 'carol');
		await waitLog(alice, 'carol joined.');
		await say(alice, 'RELOAD-MARK');
		await waitLog(carol, 'RELOAD-MARK');
		const lefts = await countLog(alice, 'carol left.');
		const asked = carol.asked;
		await carol.page.reload();
		await inLobby(carol);
		assert.equal(carol.asked, asked + 1, 'reload did not ask first');
		assert.match(await carol.page.textContent('#lobby-note'), /a reload or Back always leaves.*Open the invite link again/);
		await shot(carol, 'lobby-after-reload-1280');
		await alice.page.waitForFunction((n) => document.getElementById('log').textContent.split('carol left.').length - 1 > n,
		    lefts, {timeout: 10000});
		await assertClean(carol, ['RELOAD-MARK', st.secretText, st.roomKey]);
		/* Back within the page (the link was typed into an open lobby tab). */
		await joinWithLink(carol, st.link, 'carol');
		await waitLog(alice, 'carol joined.');
		await say(alice, 'BACK-MARK');
		await waitLog(carol, 'BACK-MARK');
		await carol.page.goBack();
		await alice.page.waitForFunction((n) => document.getElementById('log').textContent.split('carol left.').length - 1 > n,
		    lefts + 1, {timeout: 10000});
		await inLobby(carol);
		assert.match(await carol.page.textContent('#lobby-note'), /going Back always leaves.*Open the invite link again/);
		await assertClean(carol, ['BACK-MARK', st.secretText, st.roomKey]);
		/* Back to the page before (the link was opened from elsewhere). */
		await carol.page.goto('about:blank');
		await joinWithLink(carol, st.link, 'carol');
		await waitLog(alice, 'carol joined.');
		const asked2 = carol.asked;
		await carol.page.goBack();
		await alice.page.waitForFunction((n) => document.getElementById('log').textContent.split('carol left.').length - 1 > n,
		    lefts + 2, {timeout: 10000});
		assert.equal(carol.asked, asked2 + 1, 'Back to another page did not ask first');
		assert.equal(carol.page.url(), 'about:blank');
		await carol.page.goForward();
		await inLobby(carol);
		assert.match(await carol.page.textContent('#lobby-note'), /(leaving the page|a reload or Back) always leaves/);
		await assertClean(carol, ['BACK-MARK', st.secretText, st.roomKey]);
	});

	await run.test('exit with a farewell: the others read it, moderation passes on, nothing stays', async () => {
		const {alice, bob, dave} = users;
		await st.raw.exit();
		await waitLog(alice, 'rawclient left.');
		await alice.page.click('#leave-button');
		await alice.page.waitForSelector('#leave-dialog[open]');
		assert.equal(await alice.page.isVisible('#stop-button'), true);
		await alice.page.fill('#farewell', 'FAREWELL-alice “bye” <b>x</b>');
		await alice.page.click('#leave-confirm');
		await inLobby(alice);
		await waitLog(bob, 'alice left: “FAREWELL-alice “bye” <b>x</b>”');
		await waitLog(dave, 'You are now the moderator.');
		await waitLog(bob, 'dave is now the moderator.');
		assert.match(await dave.page.textContent('#mode-line'), /You moderate/);
		assert.match(await alice.page.textContent('#lobby-note'), /You left the room/);
		await assertClean(alice, ['PLAIN-MARK', 'FMT-', 'burst-', 'WHISPER', 'XSS-DONE', 'spare key',
		    st.secretText, st.roomKey]);
	});

	await run.test('relay restart: everyone reconnects and the room is opened again', async () => {
		const {bob, dave} = users;
		await stopDaemon(chatroom);
		chatroom = null;
		await waitLog(bob, 'Reconnecting');
		await waitLog(dave, 'Reconnecting');
		chatroom = await startRelay();
		await bob.page.waitForSelector('#room-status[data-state="online"]', {timeout: 30000});
		await dave.page.waitForSelector('#room-status[data-state="online"]', {timeout: 30000});
		await bob.page.waitForFunction(() => document.querySelectorAll('#member-list .member').length === 2, null, {timeout: 30000});
		await say(bob, 'after-restart');
		await waitLog(dave, 'after-restart');
		const t = await logText(bob) + await logText(dave);
		assert.match(t, /opened again/);
	}, {timeout: 60000});

	await run.test('stop: the moderator closes the room for everyone; it is gone', async () => {
		const {bob, dave, carol} = users;
		const bobMod = /You moderate/.test(await bob.page.textContent('#mode-line'));
		const [mod, other] = bobMod ? [bob, dave] : [dave, bob];
		assert.match(await mod.page.textContent('#mode-line'), /You moderate/);
		const by = bobMod ? 'bob2' : 'dave';
		await say(mod, '/stop');
		await inLobby(mod);
		await inLobby(other);
		assert.match(await other.page.textContent('#lobby-note'), new RegExp('closed by ' + by));
		for (const u of [mod, other])
			await assertClean(u, ['PLAIN-MARK', 'after-restart', 'XSS-DONE', st.secretText, st.roomKey]);
		await carol.page.goto(st.link);
		await carol.page.fill('#join-alias', 'carol');
		await carol.page.click('#join-button');
		await carol.page.waitForFunction(() => /does not exist any more/.test(document.getElementById('join-error').textContent));
		await inLobby(carol);
	});

	await run.test('screenshots of a conversation at 390x844 and 1280x800, light and dark', async () => {
		const {alice, bob, carol} = users;
		await alice.page.goto(lobbyUrl());
		await alice.page.fill('#create-alias', 'maya');
		await alice.page.check('input[name="mode"][value="everyone"]');
		await alice.page.click('#create-button');
		await inRoom(alice);
		const link = await alice.page.inputValue('#invite-link');
		await alice.page.click('#invite-dialog .dialog-close');
		await joinWithLink(bob, link, 'theo');
		await joinWithLink(carol, link, 'jun');
		await waitLog(alice, 'jun joined.');
		const lines = [
			[alice, 'Thanks for coming here instead of the group chat.'],
			[bob, 'Of course. Is this where we finish the <b>draft</b>?'],
			[alice, '<p>Yes. Three things for tonight:</p><ol><li>the budget</li><li>who speaks first</li><li>the venue</li></ol>'],
			[carol, 'I can take the venue. Here is the <a href="https://example.com/map">map</a>.']
		];
		for (const [u, text] of lines) {
			await say(u, text);
			await waitLog(alice === u ? bob : alice, text.replace(/<[^>]+>/g, '').slice(-12));
		}
		/* A picture drawn on the spot: a sunset over hills. */
		const pic = await bob.page.evaluate(() => {
			const c = document.createElement('canvas');
			c.width = 900; c.height = 600;
			const g = c.getContext('2d');
			const sky = g.createLinearGradient(0, 0, 0, 600);
			sky.addColorStop(0, '#f6b26b'); sky.addColorStop(0.6, '#e06666'); sky.addColorStop(1, '#674ea7');
			g.fillStyle = sky; g.fillRect(0, 0, 900, 600);
			g.fillStyle = '#ffe599'; g.beginPath(); g.arc(450, 360, 90, 0, 7); g.fill();
			g.fillStyle = '#38304f';
			g.beginPath(); g.moveTo(0, 600); g.quadraticCurveTo(250, 330, 520, 470); g.quadraticCurveTo(760, 560, 900, 420); g.lineTo(900, 600); g.fill();
			return c.toDataURL('image/png').split(',')[1];
		});
		await bob.page.setInputFiles('#attach', {name: 'view.png', mimeType: 'image/png', buffer: Buffer.from(pic, 'base64')});
		await alice.page.waitForFunction(() => {
			const i = document.querySelector('#log .msg:not(.mine) .bubble img');
			return i && i.complete && i.naturalWidth > 0;
		}, null, {timeout: 20000});
		await say(bob, 'The view from the venue, by the way.');
		await waitLog(alice, 'The view from the venue');
		await say(alice, '/purr theo can you call me after?');
		await waitLog(bob, 'can you call me after?');
		await say(bob, '/purr maya sure, around nine');
		await waitLog(alice, 'around nine');
		for (const [u, w] of [[bob, 390], [alice, 1280]]) {
			await shot(u, 'room-' + w);
			await u.page.emulateMedia({colorScheme: 'dark'});
			await shot(u, 'room-' + w + '-dark');
			await u.page.emulateMedia({colorScheme: 'light'});
		}
		await say(alice, '/stop');
		await inLobby(bob);
		await inLobby(carol);
	});

	await run.test('limit: the page fits its messages to the --max-message servchat announces', async () => {
		const {alice, bob} = users;
		/* The relay takes 65536; this servchat says 8192. */
		const port = await freePort();
		smallServ = await startDaemon(path.join(BUILD, 'servchat'),
		    ['-s', String(port), '-c', String(proxyPort), '-4', '--bind', '127.0.0.1',
		    '--max-per-ip', '1000', '--max-message', '8192'].concat(
		    process.env.SANCTUARY_STATIC_DIR ? ['--static-dir', process.env.SANCTUARY_STATIC_DIR] : []));
		await alice.page.goto('http://sanctuary.test:' + port + '/');
		await alice.page.fill('#create-alias', 'lena');
		await alice.page.click('#create-button');
		await inRoom(alice);
		const link = await alice.page.inputValue('#invite-link');
		await alice.page.click('#invite-dialog .dialog-close');
		await joinWithLink(bob, link, 'omar');
		/*
		 * 8192 bytes hold a 4096-byte bucket: in version 2, after the
		 * signature and the fields, about 3960 bytes of text for lena.
		 */
		await say(alice, 'x'.repeat(3900) + '-fits');
		await waitLog(bob, '-fits');
		await say(alice, 'y'.repeat(5000) + '-TOOBIG');
		await waitLog(alice, 'That message is too long: at most 3 KB per message.');
		assert.match(await alice.page.inputValue('#message'), /-TOOBIG$/);
		await say(alice, 'after the refusal');
		await waitLog(bob, 'after the refusal');
		assert.equal(await countLog(bob, 'TOOBIG'), 0);
		await say(alice, '/stop');
		await inLobby(bob);
		await inLobby(alice);
	});

	await run.test('no CSP violation, page error or dialog anywhere in normal use', async () => {
		for (const u of Object.values(users)) {
			/*
			 * Hostile markup makes Chromium report its inline handlers and
			 * styles already while DOMPurify parses it in an inert document
			 * (any HTML parser does, even <template>): allowed there only,
			 * as proof that nothing reached the page.
			 */
			const normal = u.csp.filter((c) => !c.test.startsWith('XSS:'));
			const hostile = u.csp.filter((c) => c.test.startsWith('XSS:') &&
			    !/ http:\/\/sanctuary\.test:\d+\/vendor\/purify\.min\.js:\d+$/.test(c.v));
			assert.deepEqual(normal, [], u.name + ': CSP violations in normal use');
			assert.deepEqual(hostile, [], u.name + ': CSP violations outside the sanitizer');
			assert.deepEqual(u.errors, [], u.name + ': page errors');
			assert.deepEqual(u.dialogs, [], u.name + ': dialogs');
		}
	});
}

/* ---------- main ---------- */

async function main() {
	const watchdog = setTimeout(() => {
		console.log('browser: suite exceeded ' + SUITE_LIMIT_MS / 1000 + ' s');
		run.failed++;
		finish().finally(() => process.exit(1));
	}, SUITE_LIMIT_MS);
	try {
		await setup();
		/* SANCTUARY_ONLY=ux, =v2 or =media runs just the cases of that file (development). */
		const only = process.env.SANCTUARY_ONLY;
		if (!only)
			await scenarios();
		if (!only || only === 'ux')
			await uxScenarios({run, users, person, lobbyUrl, servPort: () => servPort,
			    inRoom, inLobby, say, waitLog, joinWithLink, shot, axe, axeBoth, SHOTS});
		if (!only || only === 'v2')
			await v2Scenarios({run, users, person, lobbyUrl, inRoom, inLobby, say,
			    waitLog, countLog, logText, lastFrom, joinWithLink, shot, proxy, raw,
			    RELAY: 'ws://127.0.0.1:' + relayPort + '/', ROOT, nacl});
		if (!only || only === 'media')
			await mediaScenarios({run, users, person, lobbyUrl, inRoom, say,
			    waitLog, countLog, logText, joinWithLink, shot, axeBoth, proxy,
			    raw, RELAY: 'ws://127.0.0.1:' + relayPort + '/', ROOT});
		if (!only)
			await tlsScenarios(run, {BUILD, SHOTS, UA});
	} catch (e) {
		run.failed++;
		console.log('FAIL setup: ' + (e && e.stack ? e.stack : e));
	}
	clearTimeout(watchdog);
	await finish();
	process.exit(run.summary() ? 0 : 1);
}

let finished = false;
async function finish() {
	if (finished)
		return;
	finished = true;
	if (browser)
		await browser.close().catch(() => {});
	if (raw)
		await raw.quit().catch(() => {});
	if (proxy)
		await proxy.close().catch(() => {});
	if (noCspServer)
		noCspServer.close();
	await stopDaemon(smallServ).catch(() => {});
	await stopDaemon(servchat).catch(() => {});
	await stopDaemon(chatroom).catch(() => {});
}

main();
