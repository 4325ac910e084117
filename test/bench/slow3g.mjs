/*
 * slow3g.mjs: a benchmark, not a test (nothing passes or fails on a figure).
 * How long a phone on a slow link waits for a usable lobby: Chromium's own
 * network emulation (CDP Network.emulateNetworkConditions, 400 kbit/s each
 * way, 400 ms round trip: "slow 3G") between it and the real servchat on
 * loopback, a fresh browser context (empty cache) per run.
 *
 *	SERVCHAT=build/servchat node test/bench/slow3g.mjs [RUNS]
 *
 * Prints, median (min-max) over RUNS (default 5): the time from navigation
 * start until app.js marks the page ready (data-ready="1", the lobby's
 * buttons wired), the bytes on the wire (headers included, as Chromium
 * counts them) and the number of requests. --page-url=URL measures a page
 * already running elsewhere instead.
 */
import {spawn} from 'node:child_process';
import {createRequire} from 'node:module';
import {createServer} from 'node:net';

/* playwright-core as test/browser pins it (npm ci there first). */
const require = createRequire(new URL('../browser/package.json', import.meta.url));
const {chromium} = require('playwright-core');

const KBIT = 400;
const RTT_MS = 400;
const runs = Number(process.argv.find((a) => /^\d+$/.test(a)) || 5);
const given = (process.argv.find((a) => a.startsWith('--page-url=')) || '').slice(11);

function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer().listen(0, '127.0.0.1', () => {
			const {port} = s.address();
			s.close(() => resolve(port));
		}).on('error', reject);
	});
}

async function startServchat() {
	const port = await freePort();
	const bin = process.env.SERVCHAT || 'build/servchat';
	const p = spawn(bin, ['-4', '--bind', '127.0.0.1', '-s', String(port)],
		{stdio: ['ignore', 'ignore', 'pipe']});
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`http://127.0.0.1:${port}/api/config`)).ok)
				return {p, url: `http://127.0.0.1:${port}/`};
		} catch { /* not listening yet */ }
		await new Promise((r) => setTimeout(r, 50));
	}
	p.kill();
	throw new Error(`${bin} did not start`);
}

async function once(browser, url) {
	const context = await browser.newContext();
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	let bytes = 0, requests = 0;
	cdp.on('Network.requestWillBeSent', (e) => {
		if (!e.request.url.startsWith('data:'))
			requests++;
	});
	cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
	await cdp.send('Network.enable');
	await cdp.send('Network.setCacheDisabled', {cacheDisabled: true});
	await cdp.send('Network.emulateNetworkConditions', {
		offline: false, latency: RTT_MS,
		downloadThroughput: KBIT * 1000 / 8, uploadThroughput: KBIT * 1000 / 8,
	});
	await page.goto(url, {waitUntil: 'commit'});
	const ready = await page.waitForFunction(() =>
		document.documentElement.getAttribute('data-ready') === '1' &&
		performance.now(), null, {timeout: 60000, polling: 50});
	const ms = await ready.jsonValue();
	/* Whatever the page still fetches after it is ready counts too. */
	await page.waitForLoadState('networkidle');
	await context.close();
	return {ms, bytes, requests};
}

function median(xs) {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.floor(s.length / 2)];
}

function row(label, xs, f) {
	const s = [...xs].sort((a, b) => a - b);
	return `  ${label.padEnd(28)} ${f(median(s))} (${f(s[0])}-${f(s[s.length - 1])})`;
}

const server = given ? {url: given} : await startServchat();
const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--headless', '--disable-gpu',
		'--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run'],
});
try {
	const res = [];
	for (let i = 0; i < runs; i++)
		res.push(await once(browser, server.url));
	console.log(`slow 3G (${KBIT} kbit/s, ${RTT_MS} ms RTT), median (min-max) of ${runs}`);
	console.log(row('lobby usable, s', res.map((r) => r.ms), (x) => (x / 1000).toFixed(2)));
	console.log(row('on the wire, KB', res.map((r) => r.bytes), (x) => (x / 1000).toFixed(1)));
	console.log(row('requests', res.map((r) => r.requests), (x) => String(x)));
} finally {
	await browser.close();
	if (server.p)
		server.p.kill();
}
