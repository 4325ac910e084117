/*
 * The Chromium half of the WebKit suite: one person in Debian's Chromium,
 * driven by playwright-core (pinned by test/browser's lock file), obeying
 * one JSON command per line on stdin and answering one JSON line each:
 * {"op":"create","url":U,"alias":A} -> the invite link; {"op":"say","text":T};
 * {"op":"wait","sel":S,"text":T} -> the text of the first element matching S
 * whose text contains T (15 s); {"op":"quit"}. Prints nothing else.
 */

import {createRequire} from 'node:module';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, '../browser/package.json'));
const {chromium} = require('playwright-core');

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--headless', '--disable-gpu',
	    '--disable-background-networking', '--disable-component-update',
	    '--disable-sync', '--no-first-run']
});
const page = await browser.newPage({viewport: {width: 1280, height: 800}});
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('dialog', (d) => d.accept().catch(() => {}));

const ops = {
	async create({url, alias}) {
		await page.goto(url);
		await page.fill('#create-alias', alias);
		await page.click('#create-button');
		await page.waitForSelector('#room:not([hidden])');
		const link = await page.inputValue('#invite-link');
		await page.click('#invite-dialog .dialog-close');
		return link;
	},
	async say({text}) {
		await page.fill('#message', text);
		await page.press('#message', 'Enter');
		return true;
	},
	async wait({sel, text}) {
		const h = await page.waitForFunction(([s, t]) => {
			for (const e of document.querySelectorAll(s))
				if (e.textContent.includes(t))
					return e.textContent;
			return false;
		}, [sel, text], {timeout: 15000, polling: 50});
		return h.jsonValue();
	},
	async errors() {
		return errors;
	},
	async quit() {
		await browser.close();
		process.exit(0);
	}
};

const rl = readline.createInterface({input: process.stdin});
for await (const line of rl) {
	const cmd = JSON.parse(line);
	try {
		const value = await ops[cmd.op](cmd);
		process.stdout.write(JSON.stringify({ok: true, value}) + '\n');
	} catch (e) {
		process.stdout.write(JSON.stringify({ok: false, error: String(e.message || e).split('\n')[0]}) + '\n');
	}
}
await browser.close();
