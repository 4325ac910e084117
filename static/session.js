/*
 * One person's presence in one room: the WebSocket to the relay, the paced
 * send queue, the reconnect policy and the room state (members, moderator).
 * It talks to the page only through the EVENTS callbacks, and never touches
 * the DOM.
 *
 * Secrets: the session owns SECRET and the derived KEY (Uint8Arrays) and
 * overwrites both with zeros when it ends. Frames are sealed when queued, so
 * the keys can go as soon as the person leaves even if frames still wait.
 */

import * as C from './crypto.js';
import * as P from './proto.js';

/* Kept below the relay's default bucket (20 burst, 5/s) with a margin. */
const BURST = 16;
const RATE = 4;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;
const HELLO_TRIES = 4;
const EXIT_GRACE = 3000;

function noop() {}

export class Session {
	/*
	 * opts: url, roomKey, secret (Uint8Array(32), now owned), alias, mode
	 * ('owner'|'everyone', for create and re-create), maxFrame (the
	 * relay's largest frame; see proto.js frameLimit), events {name: fn}.
	 */
	constructor(opts) {
		this.url = opts.url;
		this.roomKey = opts.roomKey;
		this.secret = opts.secret;
		this.key = C.deriveKey(opts.roomKey, opts.secret);
		this.alias = opts.alias;
		this.mode = opts.mode || 'owner';
		this.maxFrame = P.frameLimit(opts.maxFrame);
		this.ev = opts.events || {};
		this.state = 'new';	/* new entering online offline held ended */
		this.entered = false;	/* a welcome has been seen */
		this.token = null;
		this.moderator = null;
		this.members = [];
		this.queue = [];
		this.ws = null;
		this.first = 'join';
		this.hello = null;
		this.helloTries = 0;
		this.attempt = 0;
		this.timers = new Set();
		this.pumpTimer = null;
		this.tokens = BURST;
		this.refilled = 0;
		this.leaving = false;
	}

	emit(name, ...args) {
		(this.ev[name] || noop)(...args);
	}

	later(fn, ms) {
		const t = setTimeout(() => {
			this.timers.delete(t);
			fn();
		}, ms);
		this.timers.add(t);
		return t;
	}

	/* Starts by creating (KIND 'create') or joining (KIND 'join') the room. */
	start(kind) {
		this.first = kind;
		this.connect();
	}

	connect() {
		this.state = 'entering';
		this.emit('status', this.entered ? 'reconnecting' : 'connecting');
		let ws;
		try {
			ws = new WebSocket(this.url);
		} catch (e) {
			this.onClose(1006, '');
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			if (ws === this.ws)
				this.onOpen();
		};
		ws.onmessage = (ev) => {
			if (ws === this.ws && typeof ev.data === 'string')
				this.onFrame(ev.data);
		};
		ws.onclose = (ev) => {
			if (ws !== this.ws)
				return;
			this.ws = null;
			this.onClose(ev.code, ev.reason);
		};
		ws.onerror = noop;
	}

	onOpen() {
		this.tokens = BURST;
		this.refilled = performance.now();
		this.helloTries = 0;
		if (!this.entered)
			this.sendHello(this.first);
		else
			this.sendHello(this.token ? 'resume' : 'join');
	}

	/* The first frame on a connection; it costs a token like any other. */
	sendHello(step) {
		if (++this.helloTries > HELLO_TRIES) {
			this.dropSocket();
			this.onClose(1006, '');
			return;
		}
		this.hello = step;
		let f;
		if (step === 'create')
			f = ['create', P.VERSION, this.roomKey, this.alias, this.mode];
		else if (step === 'resume')
			f = ['join', P.VERSION, this.roomKey, this.alias, this.token];
		else
			f = ['join', P.VERSION, this.roomKey, this.alias];
		this.take();
		this.ws.send(f.join(' '));
	}

	onFrame(text) {
		const m = P.parseFrame(text);
		if (!m)
			return;
		if (this.state === 'entering')
			this.onEnteringFrame(m);
		else if (this.state === 'online')
			this.onRoomFrame(m);
	}

	onEnteringFrame(m) {
		if (m.cmd === 'welcome') {
			this.onWelcome(m);
			return;
		}
		if (m.cmd !== 'error')
			return;	/* e.g. a joined that overtook our welcome */
		const code = m.code;
		if (!this.entered) {
			/* The person is still in the lobby: tell them, keep nothing open. */
			this.dropSocket();
			this.state = 'new';
			this.emit('failed', code, P.errorText(code));
			return;
		}
		/* Resuming after a drop. */
		if (code === 'noroom') {
			this.sendHello('create');
		} else if (code === 'exists' || code === 'badtoken') {
			this.token = null;
			this.sendHello('join');
		} else if (code === 'aliastaken') {
			this.dropSocket();
			this.state = 'held';
			this.emit('status', 'held');
			this.emit('aliasTaken', this.alias);
		} else if (code === 'toomanyrooms' || code === 'flood') {
			this.dropSocket();
			this.onClose(1006, '');
		} else {
			this.end('refused', P.errorText(code));
		}
	}

	onWelcome(m) {
		const resumed = this.entered;
		const recreated = this.hello === 'create' && resumed;
		const replaced = this.hello === 'resume';
		this.entered = true;
		this.state = 'online';
		this.hello = null;
		this.attempt = 0;
		this.token = m.token;
		this.mode = m.mode;
		this.moderator = m.moderator;
		this.members = m.members.slice();
		this.emit('status', 'online');
		this.emit('welcome', {resumed, recreated, replaced});
		this.pump();
	}

	onRoomFrame(m) {
		switch (m.cmd) {
		case 'joined':
			if (!this.members.some((a) => a === m.alias))
				this.members.push(m.alias);
			this.emit('joined', m.alias);
			break;
		case 'left':
			this.removeMember(m.alias);
			this.emit('left', m.alias, this.farewell(m));
			break;
		case 'moderator':
			this.moderator = m.alias;
			this.emit('moderator', m.alias);
			break;
		case 'msg':
		case 'purr':
			this.onMessage(m);
			break;
		case 'kicked':
			if (P.sameAlias(m.alias, this.alias)) {
				this.end('kicked', m.by);
			} else {
				this.removeMember(m.alias);
				this.emit('kicked', m.alias, m.by);
			}
			break;
		case 'stopped':
			this.end('stopped', m.by);
			break;
		case 'error':
			this.emit('notice', P.errorText(m.code), m.code);
			break;
		default:
			break;
		}
	}

	/* Returns {text} for a verified farewell, {bad:true} for a forged one, or null. */
	farewell(m) {
		if (m.body === null)
			return null;
		const o = this.key ? C.open(this.key, m.body) : null;
		if (!o || o.kind !== 'exit' || o.alias !== m.alias)
			return {bad: true};
		return {text: o.text};
	}

	onMessage(m) {
		const want = m.cmd;	/* msg or purr: the KIND must match */
		const o = this.key ? C.open(this.key, m.body) : null;
		if (!o || o.kind !== want || o.alias !== m.from) {
			this.emit('unverified', m.from, want === 'purr');
			return;
		}
		this.emit('message', {from: m.from, text: o.text,
		    whisper: want === 'purr'});
	}

	removeMember(alias) {
		this.members = this.members.filter((a) => a !== alias);
	}

	onClose(code, reason) {
		this.hello = null;
		if (this.state === 'ended')
			return;
		if (this.leaving) {
			this.end('exit', null);
			return;
		}
		if (code === 4001) {
			this.end('kicked', null);
			return;
		}
		if (code === 4002) {
			this.end('stopped', null);
			return;
		}
		if (code === 4004) {
			this.end('replaced', P.closeText(code, reason));
			return;
		}
		if (!this.entered) {
			this.state = 'new';
			this.emit('failed', 'connect', code === 1006 ?
			    'Could not reach the relay. Check your connection and try again.' :
			    P.closeText(code, reason));
			return;
		}
		if (this.state === 'held')
			return;
		this.state = 'offline';
		const base = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** this.attempt);
		const wait = Math.round(base / 2 + Math.random() * base / 2);
		this.attempt++;
		this.emit('status', 'offline', P.closeText(code, reason), wait);
		this.retryTimer = this.later(() => {
			this.retryTimer = null;
			if (this.state === 'offline')
				this.connect();
		}, wait);
	}

	/* Reconnect now (the network came back); no-op unless waiting. */
	retryNow() {
		if (this.state !== 'offline' || !this.retryTimer)
			return;
		clearTimeout(this.retryTimer);
		this.timers.delete(this.retryTimer);
		this.retryTimer = null;
		this.connect();
	}

	/* After aliastaken on resume: try again under another alias. */
	rejoinAs(alias) {
		if (this.state !== 'held')
			return;
		this.alias = alias;
		this.token = null;
		this.attempt = 0;
		this.connect();
	}

	/* Closes the socket without reacting to its close event. */
	dropSocket() {
		const ws = this.ws;
		this.ws = null;
		if (ws) {
			ws.onopen = ws.onmessage = ws.onclose = noop;
			try {
				ws.close(1000);
			} catch (e) {
				/* already closing */
			}
		}
	}

	/* ---- token bucket and queue ---- */

	take() {
		const now = performance.now();
		this.tokens = Math.min(BURST,
		    this.tokens + (now - this.refilled) * RATE / 1000);
		this.refilled = now;
		if (this.tokens < 1)
			return false;
		this.tokens -= 1;
		return true;
	}

	enqueue(frame, onSent) {
		this.queue.push({frame, onSent});
		this.pump();
	}

	pump() {
		if (this.pumpTimer)
			return;
		while (this.queue.length && this.ws && this.ws.readyState === 1 &&
		    this.state === 'online') {
			if (!this.take()) {
				const wait = Math.ceil((1 - this.tokens) * 1000 / RATE) + 5;
				this.pumpTimer = this.later(() => {
					this.pumpTimer = null;
					this.pump();
				}, wait);
				return;
			}
			const it = this.queue.shift();
			this.ws.send(it.frame);
			if (it.onSent)
				it.onSent();
		}
	}

	/* ---- what the person does ---- */

	/* Bytes of TEXT that fit one message of KIND (to ALIAS TO for purr). */
	maxTextBytes(kind, to) {
		const overhead = kind === 'purr' ? 6 + P.utf8Length(to) : 5;
		return C.maxPlainBytes(this.maxFrame, overhead) -
		    P.utf8Length(kind + '\n' + this.alias + '\n');
	}

	canSend() {
		return this.key !== null && (this.state === 'online' ||
		    this.state === 'offline' || this.state === 'entering');
	}

	send(text, onSent) {
		if (!this.canSend())
			return false;
		this.enqueue('msg ' + C.seal(this.key, 'msg', this.alias, text), onSent);
		return true;
	}

	whisper(to, text, onSent) {
		if (!this.canSend())
			return false;
		this.enqueue('purr ' + to + ' ' +
		    C.seal(this.key, 'purr', this.alias, text), onSent);
		return true;
	}

	kick(alias) {
		this.enqueue('kick ' + alias);
	}

	stop() {
		this.enqueue('stop');
	}

	isModerator() {
		return this.mode === 'everyone' ||
		    (this.moderator !== null && P.sameAlias(this.moderator, this.alias));
	}

	/*
	 * Leaves with an optional farewell. Keys go at once; already queued
	 * frames still go out, then `exit`; the relay answers with close 1000.
	 */
	exit(farewell) {
		if (this.state === 'ended')
			return;
		if (this.state !== 'online') {
			this.end('exit', null);
			return;
		}
		const frame = farewell ?
		    'exit ' + C.seal(this.key, 'exit', this.alias, farewell) : 'exit';
		this.leaving = true;
		this.wipeKeys();
		this.enqueue(frame, () => {
			this.later(() => this.end('exit', null), EXIT_GRACE);
		});
	}

	/* Wipes everything without telling the page (a failed lobby attempt). */
	dispose() {
		this.ev = {};
		this.end('disposed', null);
	}

	/* The page is going away: say exit if we can, drop everything now. */
	abandon() {
		if (this.state === 'ended')
			return;
		const ws = this.ws;
		if (ws && ws.readyState === 1 && this.state === 'online') {
			try {
				ws.send('exit');
			} catch (e) {
				/* closing anyway */
			}
		}
		this.end('gone', null);
	}

	wipeKeys() {
		C.wipe(this.key);
		C.wipe(this.secret);
		this.key = null;
	}

	end(reason, detail) {
		if (this.state === 'ended')
			return;
		this.state = 'ended';
		for (const t of this.timers)
			clearTimeout(t);
		this.timers.clear();
		this.pumpTimer = null;
		this.queue.length = 0;
		this.dropSocket();
		this.wipeKeys();
		this.token = null;
		this.members = [];
		this.emit('status', 'ended');
		this.emit('ended', reason, detail);
	}
}
