/*
 * The browser over TLS: servchat (and chatroom) with a pair signed by a
 * throw-away CA made here with certtool, and a Chromium of its own that
 * trusts that CA's key only (--ignore-certificate-errors-spki-list), loading
 * https://sanctuary.test:PORT/ (mapped to 127.0.0.1). There the page is a
 * secure context, has Web Crypto, and chats over wss by itself through a
 * chatroom with the same pair.
 */

import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {chromium} from 'playwright-core';
import {freePort, startDaemon, stopDaemon} from './lib.js';

const NAME = 'sanctuary.test';
const ARGS = ['--no-sandbox', '--headless', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run',
    '--host-resolver-rules=MAP ' + NAME + ' 127.0.0.1'];

function certtool(...args) {
	execFileSync('certtool', args, {stdio: ['ignore', 'ignore', 'pipe']});
}

/* DIR/ca.pem, DIR/fullchain.pem (server, then CA) and DIR/privkey.pem. */
function makePki(dir) {
	const p = (f) => path.join(dir, f);
	fs.writeFileSync(p('ca.tmpl'), 'cn = "Sanctuary browser test CA"\nca\n' +
	    'cert_signing_key\nexpiration_days = 2\n');
	fs.writeFileSync(p('srv.tmpl'), 'cn = "' + NAME + '"\ndns_name = "' + NAME +
	    '"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n');
	certtool('--generate-privkey', '--key-type=ecdsa', '--outfile', p('ca.key'));
	certtool('--generate-self-signed', '--load-privkey', p('ca.key'),
	    '--template', p('ca.tmpl'), '--outfile', p('ca.pem'));
	certtool('--generate-privkey', '--key-type=ecdsa', '--outfile', p('privkey.pem'));
	certtool('--generate-certificate', '--load-privkey', p('privkey.pem'),
	    '--load-ca-certificate', p('ca.pem'), '--load-ca-privkey', p('ca.key'),
	    '--template', p('srv.tmpl'), '--outfile', p('srv.pem'));
	fs.writeFileSync(p('fullchain.pem'), fs.readFileSync(p('srv.pem'), 'utf8') +
	    fs.readFileSync(p('ca.pem'), 'utf8'));
	const spki = new crypto.X509Certificate(fs.readFileSync(p('ca.pem')))
	    .publicKey.export({type: 'spki', format: 'der'});
	return {cert: p('fullchain.pem'), key: p('privkey.pem'),
	    spki: crypto.createHash('sha256').update(spki).digest('base64')};
}

async function person(browser, ua, name) {
	const ctx = await browser.newContext({viewport: {width: 1280, height: 800},
	    deviceScaleFactor: 1, userAgent: ua + name, reducedMotion: 'reduce'});
	const u = {name, ctx, errors: [], csp: [], sockets: []};
	await ctx.exposeBinding('__cspReport', (src, v) => u.csp.push(v));
	await ctx.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__cspReport(e.violatedDirective + ' ' + e.blockedURI);
		});
	});
	u.page = await ctx.newPage();
	u.page.on('pageerror', (e) => u.errors.push(e.message));
	u.page.on('websocket', (ws) => u.sockets.push(ws.url()));
	u.page.on('dialog', (d) => d.accept().catch(() => {}));
	return u;
}

async function waitLog(u, text) {
	await u.page.waitForFunction((t) => document.getElementById('log').textContent.includes(t),
	    text, {timeout: 15000, polling: 50});
}

/*
 * Runs the TLS cases with RUN (the suite's Runner); BUILD holds the daemons,
 * SHOTS the screenshots, UA the User-Agent prefix of the suite.
 */
export async function tlsScenarios(run, {BUILD, SHOTS, UA}) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sanctuary-tls-'));
	const st = {};
	let browser, servchat, chatroom;
	const servBin = path.join(BUILD, 'servchat');
	const relayBin = path.join(BUILD, 'chatroom');
	const prevAlive = run.alive;
	try {
		const pki = makePki(dir);
		const servPort = await freePort();
		const relayPort = await freePort();
		const tlsArgs = ['--tls-cert', pki.cert, '--tls-key', pki.key];
		chatroom = await startDaemon(relayBin, ['-c', String(relayPort), '-4',
		    '--bind', '127.0.0.1', '--max-per-ip', '1000'].concat(tlsArgs));
		servchat = await startDaemon(servBin, ['-s', String(servPort), '-c',
		    String(relayPort), '-4', '--bind', '127.0.0.1', '--max-per-ip',
		    '1000'].concat(tlsArgs));
		run.alive = () => {
			if (chatroom.exited)
				return 'TLS chatroom died: ' + chatroom.stderrText();
			if (servchat.exited)
				return 'TLS servchat died: ' + servchat.stderrText();
			return prevAlive();
		};
		const url = 'https://' + NAME + ':' + servPort + '/';
		browser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			args: ARGS.concat(['--ignore-certificate-errors-spki-list=' + pki.spki])
		});

		await run.test('https: a Chromium without the CA\'s key refuses the page', async () => {
			const plain = await chromium.launch({
				executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS});
			try {
				const page = await plain.newPage();
				await assert.rejects(page.goto(url), /ERR_CERT_AUTHORITY_INVALID/);
			} finally {
				await plain.close();
			}
		});

		await run.test('https: the lobby is a secure context with Web Crypto, HSTS and a wss-only CSP', async () => {
			const alice = st.alice = await person(browser, UA, 'alice');
			const resp = await alice.page.goto(url);
			assert.equal(resp.status(), 200);
			const h = resp.headers();
			assert.equal(h['strict-transport-security'], 'max-age=31536000');
			const csp = h['content-security-policy'] || '';
			assert.match(csp, new RegExp("connect-src 'self' wss://\\*:" + relayPort + ';'));
			assert.doesNotMatch(csp, /ws:\/\//);
			const env = await alice.page.evaluate(async () => ({
				secure: window.isSecureContext,
				subtle: typeof (globalThis.crypto && crypto.subtle),
				digest: Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256',
				    new TextEncoder().encode('abc')))).slice(0, 4),
				workers: (await navigator.serviceWorker.getRegistrations()).length,
				caches: (await caches.keys()).length
			}));
			assert.deepEqual(env, {secure: true, subtle: 'object',
			    digest: [0xba, 0x78, 0x16, 0xbf], workers: 0, caches: 0});
			await alice.page.waitForSelector('#create-alias:focus');
			await alice.page.screenshot({path: path.join(SHOTS, 'lobby-https-1280.png')});
			await alice.page.setViewportSize({width: 390, height: 844});
			await alice.page.screenshot({path: path.join(SHOTS, 'lobby-https-390.png')});
			await alice.page.setViewportSize({width: 1280, height: 800});
		});

		await run.test('https: two pages chat over wss through a TLS relay', async () => {
			const {alice} = st;
			const bob = await person(browser, UA, 'bob');
			await alice.page.fill('#create-alias', 'alice');
			await alice.page.click('#create-button');
			await alice.page.waitForSelector('#invite-dialog[open]');
			const link = await alice.page.inputValue('#invite-link');
			assert.ok(link.startsWith(url + '#'), link);
			await alice.page.click('#invite-dialog .dialog-close');
			await bob.page.goto(link);
			await bob.page.waitForSelector('#join-form:not([hidden])');
			await bob.page.fill('#join-alias', 'bob');
			await bob.page.click('#join-button');
			await bob.page.waitForSelector('#room:not([hidden])', {timeout: 15000});
			await waitLog(alice, 'bob');
			await alice.page.fill('#message', 'hello over wss');
			await alice.page.press('#message', 'Enter');
			await waitLog(bob, 'hello over wss');
			await bob.page.fill('#message', 'and back');
			await bob.page.press('#message', 'Enter');
			await waitLog(alice, 'and back');
			const wss = 'wss://' + NAME + ':' + relayPort + '/';
			for (const u of [alice, bob]) {
				assert.ok(u.sockets.length > 0 && u.sockets.every((s) => s === wss),
				    u.name + ' sockets: ' + u.sockets.join(' '));
				assert.deepEqual(u.errors, [], u.name + ': page errors');
				assert.deepEqual(u.csp, [], u.name + ': CSP violations');
			}
			await alice.page.screenshot({path: path.join(SHOTS, 'room-https-1280.png')});
		});
	} finally {
		if (browser)
			await browser.close().catch(() => {});
		await stopDaemon(servchat).catch(() => {});
		await stopDaemon(chatroom).catch(() => {});
		run.alive = prevAlive;
		fs.rmSync(dir, {recursive: true, force: true});
	}
}
