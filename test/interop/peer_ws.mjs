#!/usr/bin/env node
/*
 * peer_ws.mjs: one member of a Sanctuary room over Node's `ws` (pinned in
 * package-lock.json), with the same command line and line protocol as the
 * C client sanctuary-client and peer.py:
 *
 *   node peer_ws.mjs --url ws://HOST:PORT/ --invite KEY.SECRET --alias NAME
 *       [--create owner|everyone] [--deadline SECONDS] [--version 1|2]
 *
 * The "sanctuary/1" format comes from format.mjs (tweetnacl, like the
 * browser), version 2 from member2.mjs. ws answers the relay's pings
 * itself; no compression is offered.
 */

import readline from 'node:readline';
import WebSocket from 'ws';
import {parseInvite, seal, lineFor, unescape, closeLine, b64uDecode} from './format.mjs';
import {Member2} from './member2.mjs';

function args() {
	const a = {deadline: 600, version: '1'};
	const v = process.argv.slice(2);
	for (let i = 0; i < v.length; i += 2) {
		const k = v[i].replace(/^--/, '');
		if (!['url', 'invite', 'alias', 'create', 'deadline', 'version'].includes(k) || v[i + 1] === undefined) {
			process.stderr.write('usage: peer_ws.mjs --url URL --invite KEY.SECRET --alias NAME [--create MODE]\n');
			process.exit(2);
		}
		a[k] = v[i + 1];
	}
	if (!a.url || !a.invite || !a.alias)
		process.exit(2);
	return a;
}

const out = (line) => process.stdout.write(line + '\n');

function command(m, line) {
	line = line.replace(/\r$/, '');
	if (!line)
		return null;
	if (!line.startsWith('/') || line.startsWith('//'))
		return 'msg ' + seal(m.key, 'msg', m.alias, unescape(line.startsWith('//') ? line.slice(1) : line));
	const r = /^\/purr (\S+) ([\s\S]+)$/.exec(line);
	if (r)
		return 'purr ' + r[1] + ' ' + seal(m.key, 'purr', m.alias, unescape(r[2]));
	if (line === '/exit')
		return 'exit';
	if (line.startsWith('/exit '))
		return 'exit ' + seal(m.key, 'exit', m.alias, unescape(line.slice(6)));
	if (line.startsWith('/kick '))
		return line.slice(1);
	if (line === '/stop')
		return 'stop';
	if (line.startsWith('/raw '))
		return line.slice(5);
	process.stderr.write('peer_ws: unknown command\n');
	return null;
}

function main() {
	const a = args();
	const inv = parseInvite(a.invite);
	if (!inv) {
		process.stderr.write('peer_ws: not an invite\n');
		process.exit(2);
	}
	const m = {key: inv.key, alias: a.alias};
	let ws = null;
	const m2 = a.version === '2' ? new Member2(a.alias, inv.roomKey,
	    b64uDecode(a.invite.split('#').pop().split('.')[1]), (f) => {
		if (ws.readyState === WebSocket.OPEN)
			ws.send(f);
	}) : null;
	if (m2 && a.create)
		m2.start();
	setTimeout(() => {
		process.stderr.write('peer_ws: deadline passed\n');
		process.exit(3);
	}, Number(a.deadline) * 1000).unref();
	ws = new WebSocket(a.url, {perMessageDeflate: false, maxPayload: 16 << 20,
	    handshakeTimeout: 10000});
	ws.on('unexpected-response', (req, res) => {
		out('http ' + res.statusCode);
		process.exit(1);
	});
	ws.on('error', (e) => {
		process.stderr.write('peer_ws: ' + e.message + '\n');
	});
	ws.on('open', () => {
		const v = m2 ? '2' : '1';
		ws.send(a.create ? ['create', v, inv.roomKey, a.alias, a.create].join(' ') :
		    ['join', v, inv.roomKey, a.alias].join(' '));
		const rl = readline.createInterface({input: process.stdin});
		rl.on('line', (line) => {
			if (m2) {
				line = line.replace(/\r$/, '');
				if (line)
					m2.command(line);
				return;
			}
			const f = command(m, line);
			if (f !== null && ws.readyState === WebSocket.OPEN)
				ws.send(f);
		});
		rl.on('close', () => {
			if (ws.readyState === WebSocket.OPEN)
				ws.close(1000);
		});
	});
	ws.on('message', (data, isBinary) => {
		const s = data.toString('utf8'), l = m2 && !isBinary ? m2.frame(s) : null;
		out(isBinary ? 'frame <binary ' + data.length + '>' : l !== null ? l : lineFor(m.key, s));
	});
	ws.on('close', (code, reason) => {
		out(closeLine(code, reason.toString('utf8')));
		process.exit(0);
	});
}

main();
