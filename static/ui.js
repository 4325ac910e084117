/*
 * The page's elements, looked up once (index.html holds them all), and the
 * one way to make a new element with text: textContent, never markup.
 */

const $ = (id) => document.getElementById(id);

export const TITLE = 'Sanctuary';

export const ui = {
	lobby: $('lobby'), room: $('room'), lobbyNote: $('lobby-note'),
	tabCreate: $('tab-create'), tabJoin: $('tab-join'),
	createPanel: $('create-panel'), joinPanel: $('join-panel'),
	createForm: $('create-form'), createAlias: $('create-alias'),
	createError: $('create-error'), createButton: $('create-button'),
	joinForm: $('join-form'), joinInvite: $('join-invite'),
	joinAlias: $('join-alias'), joinError: $('join-error'),
	joinButton: $('join-button'), inviteLoaded: $('invite-loaded'),
	inviteField: $('invite-field'),
	log: $('log'), status: $('room-status'), statusText: $('room-status-text'),
	peopleButton: $('people-button'), peopleCount: $('people-count'),
	members: $('members'), memberList: $('member-list'), modeLine: $('mode-line'),
	membersClose: $('members-close'), scrim: $('scrim'),
	composer: $('composer'), message: $('message'), attach: $('attach'),
	whisperChip: $('whisper-chip'), whisperTo: $('whisper-to'),
	whisperCancel: $('whisper-cancel'), composerNote: $('composer-note'),
	inviteButton: $('invite-button'), inviteDialog: $('invite-dialog'),
	inviteLink: $('invite-link'), inviteQr: $('invite-qr'),
	copyButton: $('copy-button'), copyStatus: $('copy-status'),
	memberDialog: $('member-dialog'), memberName: $('member-name'),
	memberKick: $('member-kick'), memberSafety: $('member-safety'),
	memberCode: $('member-code'),
	leaveButton: $('leave-button'), leaveDialog: $('leave-dialog'),
	farewell: $('farewell'), stopButton: $('stop-button'),
	aliasDialog: $('alias-dialog'), aliasForm: $('alias-form'),
	aliasNew: $('alias-new'), aliasError: $('alias-error'),
	aliasText: $('alias-text'),
	suggest: $('suggest'), newPill: $('new-pill'),
	menuButton: $('menu-button'), menuDialog: $('menu-dialog'),
	rotateBox: $('rotate-box'), rotateButton: $('rotate-button'),
	prefRotate: $('pref-rotate'),
	prefSound: $('pref-sound'), prefNotify: $('pref-notify'),
	prefPreview: $('pref-preview'), notifyHint: $('notify-hint'),
	prefTyping: $('pref-typing'), typing: $('typing'),
	imageDialog: $('image-dialog'), imageFull: $('image-full')
};

export function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls)
		e.className = cls;
	if (text !== undefined)
		e.textContent = text;
	return e;
}
