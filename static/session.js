/*
 * One person's presence in one room: the WebSocket to the relay, the paced
 * send queue, the reconnect policy and the room state (members, moderator).
 * It talks to the page only through the EVENTS callbacks, and never touches
 * the DOM.
 *
 * Secrets: the session owns SECRET and the derived KEY (Uint8Arrays) and
 * overwrites both with zeros when it ends. Frames are sealed when queued, so
 * the keys can go as soon as the person leaves even if frames still wait.
 *
 * A room is created and joined with version 2 (member keys, signed and
 * numbered messages; its state lives in e2e.js); a relay or a room that
 * speaks only version 1 gets version 1. In version 2 a frame is sealed when
 * it leaves the queue, since the epoch key may arrive (or change) while it
 * waits; a farewell is sealed at once.
 */

import * as C from './crypto.js';
import {E2E} from './e2e.js';
import {ImageParts, splitImage, partBytesFor} from './imgparts.js';
import * as P from './proto.js';

/* Kept below the relay's default bucket (20 burst, 5/s) with a margin. */
const BURST = 16;
const RATE = 4;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 15000;
const HELLO_TRIES = 4;
const EXIT_GRACE = 3000;
/* A newcomer with no roster after this long says hello again (sanctuary(7)). */
const KEYS_WAIT = 5000;
/* A message the relay has not acknowledged after this long is "not sent". */
const ACK_WAIT = 10000;
/* Heartbeat (version 2): ping after this long without a frame, dead without a pong. */
const PING_IDLE = 10000;
const PONG_WAIT = 5000;
const BEAT = 1000;
/* Typing (version 2): at most one frame per TYPING_EVERY; one older than that is dropped unsent. */
export const TYPING_EVERY = 3000;
/* Overhead of a version 2 plaintext over TEXT: SIG and the fields but TEXT. */
const V2_FIELDS = 64 + 16 + 1 + 16 + 1 + 22 + 5;

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
		this.version = opts.version || P.VERSION2;
		this.e2e = this.version === P.VERSION2 ?
		    new E2E(opts.alias, opts.roomKey, opts.secret) : null;
		this.hellos = new Map();	/* alias -> hellos seen (version 2) */
		this.outbox = new Map();	/* ID -> item sent, not acknowledged */
		this.lastRx = 0;
		this.pingId = 0;
		this.pingAt = 0;	/* when the unanswered ping went, or 0 */
		this.beatTimer = null;
		this.freshKey = opts.freshKey || null;	/* async () => ROOMKEY */
		this.rekeying = null;	/* {id, next, kick, why} until the ack */
		this.rotateDue = false;	/* someone left a rotate-on-leave room */
		this.typedAt = -TYPING_EVERY;	/* when our last typing frame was queued */
		this.images = new ImageParts();	/* image parts coming in (version 2) */
		this.awaitKeys = false;	/* resumed: hold sealing until the roster */
		this.imageTimer = null;
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
		this.lastRx = performance.now();
		this.pingAt = 0;
		if (this.e2e)
			this.beat();
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
			f = ['create', this.version, this.roomKey, this.alias, this.mode];
		else if (step === 'resume')
			f = ['join', this.version, this.roomKey, this.alias, this.token];
		else
			f = ['join', this.version, this.roomKey, this.alias];
		this.take();
		this.ws.send(f.join(' '));
	}

	onFrame(text) {
		this.lastRx = performance.now();
		this.pingAt = 0;
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
		if (!this.entered && this.e2e &&
		    (code === 'version' || code === 'roomversion')) {
			/* A relay or a room of version 1: speak it. */
			this.e2e.forget();
			this.e2e = null;
			this.version = P.VERSION;
			this.sendHello(this.first);
			return;
		}
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
		if (this.e2e) {
			/* A move in flight when the line dropped: the roster tells. */
			this.rekeying = null;
			this.holdForKeys(resumed && !recreated);
			this.enter2((this.first === 'create' && !resumed) || recreated);
			this.resendOutbox();
		}
		this.emit('status', 'online');
		this.emit('welcome', {resumed, recreated, replaced});
		this.pump();
	}

	/*
	 * Back in after a drop, the room may have moved to a new epoch while we
	 * were away (sanctuary(7), "Hello and keys"): what is not sealed yet
	 * waits for the roster that answers our hello, or KEYS_WAIT at most,
	 * so that it is not sealed with a retired epoch key.
	 */
	holdForKeys(resumed) {
		this.awaitKeys = resumed && this.members.length > 1;
		if (this.awaitKeys)
			this.later(() => {
				if (this.awaitKeys) {
					this.awaitKeys = false;
					this.pump();
				}
			}, KEYS_WAIT);
	}

	/* Version 2: the hello first, then (as a newcomer) wait for the keys. */
	enter2(creator) {
		if (creator && !this.e2e.ready())
			this.e2e.startEpoch();
		this.hellos.clear();
		this.sayHello();
		if (!this.e2e.ready())
			this.later(() => {
				if (this.e2e && !this.e2e.ready())
					this.sayHello();
			}, KEYS_WAIT);
	}

	sayHello() {
		const seq = this.e2e.nextSeq();
		this.queue.unshift({hello: true,
			frame: 'msg ' + seq + ' ' + this.e2e.hello(seq)});
		this.pump();
	}

	/*
	 * After a reconnect, what the relay never acknowledged goes again,
	 * once, right after the hello; receivers drop a copy by its SEQ.
	 */
	resendOutbox() {
		const again = [...this.outbox.values()].filter((it) => !it.resent &&
		    !this.queue.includes(it));
		for (const it of again) {
			it.resent = true;
			this.setState(it, 'queued');
		}
		const at = this.queue.findIndex((it) => !it.hello);
		this.queue.splice(at < 0 ? this.queue.length : at, 0, ...again);
		this.pump();
	}

	setState(it, st, why) {
		it.state = st;
		if (it.onState)
			it.onState(st, why);
	}

	/* Version 2: a message handed to the socket waits for `ack ID`. */
	awaitAck(it) {
		this.outbox.set(it.id, it);
		this.clearAckTimer(it);
		it.timer = this.later(() => {
			it.timer = null;
			if (this.outbox.get(it.id) === it)
				this.setState(it, 'failed',
				    'The relay did not confirm it in time.');
		}, ACK_WAIT);
		this.setState(it, 'wait');
	}

	clearAckTimer(it) {
		if (!it.timer)
			return;
		clearTimeout(it.timer);
		this.timers.delete(it.timer);
		it.timer = null;
	}

	onAck(id) {
		if (this.rekeying && this.rekeying.id === id) {
			const {next: nx, kick, why} = this.rekeying;
			this.rekeying = null;
			this.e2e.setEpoch(nx.n, nx.e, nx.roomKey, nx.secret);
			this.e2e.flags = nx.flags;
			this.roomKey = nx.roomKey;
			this.emit('rekeyed', null, kick, why);
			this.pump();
			this.maybeRotate();	/* a leave while this one was in flight */
			return;
		}
		const it = this.outbox.get(id);
		if (!it)
			return;
		this.outbox.delete(id);
		this.clearAckTimer(it);
		this.setState(it, 'sent');
	}

	/* `error CODE ID`: true if ID was one of ours waiting for its ack. */
	onRefused(id, code) {
		if (this.rekeying && this.rekeying.id === id) {
			if (this.rekeying.why === 'leave' && code === 'stale')
				this.rekeying = null;	/* another moderator's won */
			else {
				this.rekeying = null;
				this.emit('notice', P.errorText(code), code);
			}
			this.pump();
			return true;
		}
		const it = this.outbox.get(id);
		if (!it)
			return false;
		this.outbox.delete(id);
		this.clearAckTimer(it);
		this.setState(it, 'failed', P.errorText(code));
		return true;
	}

	/* Retry: the same frame (same SEQ) goes again; for an image, each failed part. */
	retry(it) {
		if (it && it.parts) {
			for (const p of it.parts)
				this.retry(p);
			return;
		}
		if (!it || !it.frame || this.state === 'ended' ||
		    it.state !== 'failed' || this.queue.includes(it))
			return;
		this.setState(it, 'queued');
		this.queue.push(it);
		this.pump();
	}

	/*
	 * A hello from FROM: the member present longest answers with the
	 * roster, and everyone answers a repeated one.
	 */
	onHello2(from, r) {
		if (r.changed)
			this.emit('keyChanged', from);
		const n = (this.hellos.get(from) || 0) + 1;
		this.hellos.set(from, n);
		const longest = this.members.find((a) => a !== from);
		if (!this.e2e.ready() || (n === 1 && longest !== this.alias))
			return;
		this.enqueue({build: (seq) => {
			const body = this.e2e && this.e2e.keysFor(from, seq);
			return body ? 'purr ' + seq + ' ' + from + ' ' + body : null;
		}});
	}

	onMessage2(m) {
		const r = m.cmd === 'msg' ? this.e2e.onMsg(m.from, m.body) :
		    this.e2e.onPurr(m.from, m.body);
		switch (r.type) {
		case 'hello':
			this.onHello2(m.from, r);
			break;
		case 'msg':
		case 'purr':
			this.emit('message', {from: m.from, text: r.text,
			    whisper: r.type === 'purr'});
			break;
		case 'keys':
			for (const a of r.changed)
				this.emit('keyChanged', a);
			this.awaitKeys = false;
			if (r.moved) {
				this.roomKey = this.e2e.roomKey;
				this.emit('moved');
			}
			this.pump();
			break;
		case 'typing':
			this.emit('typing', m.from);
			break;
		case 'img':
			this.onImagePart(m.from, r.text, m.cmd === 'purr');
			break;
		case 'bad':
			this.emit('unverified', m.from, m.cmd === 'purr');
			break;
		case 'split':
			this.emit('unverified', m.from, m.cmd === 'purr');
			this.emit('notice', 'A message from ' + m.from + ' names another key for this room’s current epoch: the relay may be giving members different keys.', 'split');
			break;
		default:
			break;	/* a repeat: nothing to show */
		}
	}

	/* A verified image part: the image once whole, a note if it fails. */
	onImagePart(from, text, whisper) {
		const r = this.images.add(from, whisper, text, performance.now());
		if (r && r.done)
			this.emit('image', {from, whisper, mime: r.done.mime,
			    bytes: r.done.bytes});
		else if (r && r.failed)
			this.emit('imageFailed', from, whisper);
		this.watchImages();
	}

	/* While parts are pending, look once a second for images past their deadline. */
	watchImages() {
		if (this.imageTimer || this.images.size === 0 || this.state === 'ended')
			return;
		this.imageTimer = this.later(() => {
			this.imageTimer = null;
			for (const g of this.images.expire(performance.now()))
				this.emit('imageFailed', g.from, g.whisper);
			this.watchImages();
		}, 1000);
	}

	/*
	 * The heartbeat of sanctuary(7): browsers cannot send WebSocket pings,
	 * so after PING_IDLE without a frame the page sends `ping ID`; with no
	 * answer in PONG_WAIT the connection is taken for dead at once.
	 */
	beat() {
		if (this.beatTimer || this.state === 'ended')
			return;
		this.beatTimer = this.later(() => {
			this.beatTimer = null;
			const ws = this.ws;
			if (!ws || ws.readyState !== 1 || !this.e2e)
				return;
			const now = performance.now();
			if (this.pingAt && now - this.pingAt >= PONG_WAIT) {
				this.dropSocket();
				this.onClose(1006, '');
				return;
			}
			if (!this.pingAt && now - this.lastRx >= PING_IDLE) {
				this.pingAt = now;
				this.take();
				ws.send('ping ' + ++this.pingId);
			}
			this.beat();
		}, BEAT);
	}

	onRekey2(m) {
		const r = this.e2e ? this.e2e.onRekey(m.from, m.body) : {type: 'drop'};
		if (r.type === 'rekey') {
			this.roomKey = this.e2e.roomKey;
			this.rotateDue = false;
			this.emit('rekeyed', m.from);
		} else if (r.type === 'bad') {
			this.emit('notice', 'The room’s link was changed by ' + m.from +
			    ', but the new keys could not be verified.', 'rekey');
		}
	}

	/* The invite of the room as it is now: {roomKey, secret} (not owned). */
	invite() {
		return this.e2e ? {roomKey: this.e2e.roomKey, secret: this.e2e.secret} :
		    {roomKey: this.roomKey, secret: this.secret};
	}

	/*
	 * Version 2: moves the room to a new key, new secret and new epoch,
	 * removing KICK (an alias) in the same step if given; FLAGS is the
	 * room's from then on (default: unchanged), WHY tells the page
	 * ('leave' for a rotation after a leave). Outgoing messages wait until
	 * the relay has acknowledged the move.
	 */
	async rekey(kick, flags, why) {
		if (!this.e2e || !this.e2e.ready() || !this.freshKey ||
		    this.rekeying)
			return false;
		const newKey = await this.freshKey();
		if (!this.e2e || this.rekeying)
			return false;
		this.enqueue({build: (seq) => {
			if (!this.e2e || this.rekeying)
				return null;	/* one move at a time */
			const keep = this.members.filter((a) => a !== kick);
			const r = this.e2e.rekeyText(keep, newKey,
			    flags || this.e2e.flags);
			this.rekeying = {id: seq, next: r.next, kick, why};
			this.rotateDue = false;	/* KEEP is who is here now */
			const body = this.e2e.seal('rekey', r.text, seq);
			return (kick ? ['kick', seq, kick] : ['rekey', seq])
			    .concat([this.roomKey, newKey, body]).join(' ');
		}});
		return true;
	}

	/* True if the room moves to a new key whenever someone leaves. */
	rotatesOnLeave() {
		return !!this.e2e && this.e2e.flags === 'rotate';
	}

	/* A moderator turns rotate-on-leave ON or off; it takes a rekey. */
	setRotateOnLeave(on) {
		if (!this.isModerator())
			return Promise.resolve(false);
		return this.rekey(null, on ? 'rotate' : '-', 'flags');
	}

	/*
	 * After a leave in a rotate-on-leave room one member rotates: the
	 * moderator, or in an everyone room the member present longest. The
	 * others take its rekey; a resume cannot bring the leaver back.
	 */
	maybeRotate() {
		if (!this.rotateDue || !this.rotatesOnLeave() || this.rekeying)
			return;
		const who = this.mode === 'everyone' ? this.members[0] :
		    this.moderator;
		if (!who || !P.sameAlias(who, this.alias))
			return;
		this.rekey(null, 'rotate', 'leave').catch(() => {});
	}

	/* The safety code of ALIAS's keys (version 2), or null. */
	safetyCode(alias) {
		return this.e2e ? this.e2e.safetyCode(alias) : null;
	}

	onRoomFrame(m) {
		switch (m.cmd) {
		case 'joined':
			if (!this.members.some((a) => a === m.alias))
				this.members.push(m.alias);
			this.hellos.delete(m.alias);
			this.emit('joined', m.alias);
			break;
		case 'left':
			if (this.e2e)
				this.e2e.revoke(m.alias);
			this.removeMember(m.alias);
			this.hellos.delete(m.alias);
			this.emit('left', m.alias, this.farewell(m));
			this.rotateDue = this.rotatesOnLeave();
			this.maybeRotate();
			break;
		case 'moderator':
			this.moderator = m.alias;
			this.emit('moderator', m.alias);
			this.maybeRotate();	/* the leaver may have moderated */
			break;
		case 'msg':
		case 'purr':
			if (this.e2e)
				this.onMessage2(m);
			else
				this.onMessage(m);
			break;
		case 'kicked':
			if (P.sameAlias(m.alias, this.alias)) {
				this.end('kicked', m.by);
			} else {
				if (this.e2e)
					this.e2e.revoke(m.alias);
				this.removeMember(m.alias);
				this.emit('kicked', m.alias, m.by);
			}
			break;
		case 'stopped':
			this.end('stopped', m.by);
			break;
		case 'error':
			if (m.id === null || !this.onRefused(m.id, m.code))
				this.emit('notice', P.errorText(m.code), m.code);
			break;
		case 'ack':
			this.onAck(m.id);
			break;
		case 'rekey':
			this.onRekey2(m);
			break;
		default:
			break;
		}
	}

	/* Returns {text} for a verified farewell, {bad:true} for a forged one, or null. */
	farewell(m) {
		if (m.body === null)
			return null;
		if (this.e2e) {
			const r = this.e2e.onLeft(m.alias, m.body);
			return r.type === 'exit' ? {text: r.text} :
			    r.type === 'bad' ? {bad: true} : null;
		}
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
		this.pingAt = 0;
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
		if (this.e2e)
			this.e2e.rename(alias);
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

	/*
	 * ITEM: {frame} ready to go, or {build(seq)} that seals it when it
	 * leaves (version 2: returns null if it cannot be sealed any more);
	 * onSent() once it is handed to the socket.
	 */
	enqueue(item) {
		this.queue.push(item);
		this.setState(item, 'queued');
		this.pump();
		return item;
	}

	/* Version 2 holds sealed kinds until the epoch key is in place. */
	held(it) {
		return !it.frame && this.e2e &&
		    (!this.e2e.ready() || this.rekeying !== null || this.awaitKeys);
	}

	pump() {
		if (this.pumpTimer)
			return;
		while (this.queue.length && this.ws && this.ws.readyState === 1 &&
		    this.state === 'online' && !this.held(this.queue[0])) {
			const q = this.queue[0];
			if (q.typing && performance.now() - q.at > TYPING_EVERY) {
				this.queue.shift();	/* stale: no longer typing */
				continue;
			}
			if (!this.take()) {
				const wait = Math.ceil((1 - this.tokens) * 1000 / RATE) + 5;
				this.pumpTimer = this.later(() => {
					this.pumpTimer = null;
					this.pump();
				}, wait);
				return;
			}
			const it = this.queue.shift();
			if (!it.frame) {
				it.id = this.e2e ? this.e2e.nextSeq() : 0;
				it.frame = it.build(it.id);
			}
			if (!it.frame) {
				this.setState(it, 'failed', 'It could not be sealed for its recipient.');
				continue;
			}
			this.ws.send(it.frame);
			if (it.onSent)
				it.onSent();
			if (it.onState && it.id)
				this.awaitAck(it);
			else if (it.onState)
				this.setState(it, 'sent');
		}
	}

	/* ---- what the person does ---- */

	/* Bytes of TEXT that fit one message of KIND (to ALIAS TO for purr). */
	maxTextBytes(kind, to) {
		const overhead = kind === 'purr' ? 6 + P.utf8Length(to) : 5;
		if (this.e2e)
			return C.maxPlainBytes(this.maxFrame, overhead + 17) -
			    V2_FIELDS - P.utf8Length(this.alias) -
			    P.utf8Length(to || '*');
		return C.maxPlainBytes(this.maxFrame, overhead) -
		    P.utf8Length(kind + '\n' + this.alias + '\n');
	}

	canSend() {
		return (this.key !== null || this.e2e !== null) && (this.state === 'online' ||
		    this.state === 'offline' || this.state === 'entering');
	}

	/*
	 * Sends a message; onState(st, why) follows it: queued, wait (for the
	 * relay's ack, version 2), sent or failed. Returns the item to retry(),
	 * or null if the session cannot send.
	 */
	send(text, onState) {
		if (!this.canSend())
			return null;
		if (this.e2e)
			return this.enqueue({onState, build: (seq) => this.e2e &&
			    'msg ' + seq + ' ' + this.e2e.seal('msg', text, seq)});
		return this.enqueue({onState, frame: 'msg ' +
		    C.seal(this.key, 'msg', this.alias, text)});
	}

	/*
	 * The person is typing (version 2): a `typing` message to the room, at
	 * most once per TYPING_EVERY. It is no chat message: no delivery mark,
	 * no outbox, no resend; one that waited longer than that goes unsent.
	 */
	typing() {
		const now = performance.now();
		if (!this.e2e || !this.e2e.ready() || this.state !== 'online' ||
		    now - this.typedAt < TYPING_EVERY)
			return;
		this.typedAt = now;
		this.enqueue({typing: true, at: now, build: (seq) => this.e2e &&
		    'msg ' + seq + ' ' + this.e2e.seal('typing', '', seq)});
	}

	whisper(to, text, onState) {
		if (!this.canSend())
			return null;
		if (this.e2e)
			return this.enqueue({onState, build: (seq) => {
				const b = this.e2e && this.e2e.sealTo(to, text, seq);
				return b ? 'purr ' + seq + ' ' + to + ' ' + b : null;
			}});
		return this.enqueue({onState, frame: 'purr ' + to + ' ' +
		    C.seal(this.key, 'purr', this.alias, text)});
	}

	/*
	 * Sends an image (version 2): BYTES of MIME in `img` parts to the room,
	 * or whispered to TO. onState follows the whole: failed if a part
	 * failed, sent once every part is acknowledged. Returns the item to
	 * retry(), or null if it cannot go (no session, or too big).
	 */
	sendImage(bytes, mime, to, onState) {
		if (!this.canSend() || !this.e2e)
			return null;
		const kind = to ? 'purr' : 'msg';
		const texts = splitImage(bytes, mime,
		    partBytesFor(this.maxTextBytes(kind, to)));
		if (!texts)
			return null;
		const group = {state: 'queued', parts: []};
		const update = (st, why) => {
			const all = group.parts.map((p) => p.state);
			const now = all.includes('failed') ? 'failed' :
			    all.every((s) => s === 'sent') ? 'sent' :
			    all.includes('queued') ? 'queued' : 'wait';
			if (now !== group.state || now === 'failed') {
				group.state = now;
				if (onState)
					onState(now, why);
			}
		};
		group.parts = texts.map((text) => ({onState: update, build: (seq) => {
			if (!this.e2e)
				return null;
			if (!to)
				return 'msg ' + seq + ' ' + this.e2e.seal('img', text, seq);
			const b = this.e2e.sealTo(to, text, seq, 'img');
			return b ? 'purr ' + seq + ' ' + to + ' ' + b : null;
		}}));
		for (const it of group.parts)
			this.enqueue(it);
		return group;
	}

	kick(alias) {
		if (this.e2e)
			this.rekey(alias).catch(() => this.emit('notice',
			    'The server could not be reached for a new room key.'));
		else
			this.enqueue({frame: 'kick ' + alias});
	}

	stop() {
		this.enqueue({frame: 'stop'});
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
		this.queue = this.queue.filter((it) => !it.typing);
		if (this.e2e && this.e2e.ready())
			for (const it of this.queue)
				if (!it.frame)
					it.frame = it.build(this.e2e.nextSeq());
		const frame = this.e2e ? this.exitFrame2(farewell) : farewell ?
		    'exit ' + C.seal(this.key, 'exit', this.alias, farewell) : 'exit';
		this.leaving = true;
		this.wipeKeys();
		this.enqueue({frame, onSent: () => {
			this.later(() => this.end('exit', null), EXIT_GRACE);
		}});
	}

	/* Version 2's exit ID [BODY], sealed now since the keys go at once. */
	exitFrame2(farewell) {
		const seq = this.e2e.nextSeq();
		return 'exit ' + seq + (farewell && this.e2e.ready() ?
		    ' ' + this.e2e.seal('exit', farewell, seq) : '');
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
				ws.send(this.e2e ? 'exit ' + this.e2e.nextSeq() : 'exit');
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
		if (this.e2e)
			this.e2e.forget();
		this.e2e = null;
	}

	end(reason, detail) {
		if (this.state === 'ended')
			return;
		this.state = 'ended';
		for (const t of this.timers)
			clearTimeout(t);
		this.timers.clear();
		this.pumpTimer = null;
		this.beatTimer = null;
		this.queue.length = 0;
		this.outbox.clear();
		this.images.clear();
		this.imageTimer = null;
		this.dropSocket();
		this.wipeKeys();
		this.token = null;
		this.members = [];
		this.emit('status', 'ended');
		this.emit('ended', reason, detail);
	}
}
