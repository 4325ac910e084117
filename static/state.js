/*
 * The page's one mutable state. Every module reads and writes these fields
 * here, so that what the page remembers (and what leaving must forget, see
 * leave.js) is in one place. Nothing in it is ever stored anywhere.
 */

export const state = {
	session: null,		/* the Session of the room we are in */
	pendingInvite: null,	/* {roomKey, secret} read from the link */
	inviteText: '',		/* the link shown in the invite dialog */
	whisperTarget: null,	/* alias the composer whispers to, or null */
	memberTarget: null,	/* alias the member dialog is about */
	unread: 0,		/* messages while the tab was hidden */
	config: null,		/* servchat's /api/config, once fetched */
	busy: false,		/* a create or join is under way */
	leftOnHide: false,	/* hiding the page (Back, reload) left a room */
	alert: {
		audio: null,	/* the AudioContext, made on the first gesture */
		shown: null	/* the system notification on screen, if any */
	},
	log: {
		pinned: true,	/* the log is scrolled to its end */
		unseen: 0,	/* messages added below what the person reads */
		serial: 0	/* numbers the bubbles' ids */
	},
	suggest: {
		items: [],	/* [{label, help, insert}] now listed */
		active: -1,
		range: null	/* [start, end] of the value the choice replaces */
	}
};
