/*
 * Turns a decrypted message into DOM nodes that are safe to append. A
 * message is literal text by default: only tags of the allow-list, written
 * with allowed attributes, are formatting; every other <, > and & shows as
 * typed (literalize). DOMPurify 3 then sanitizes the result with the same
 * allow-list, and our own rules handle links and images. Aliases and notices
 * never come through here: they are always set with textContent.
 */

const DOMPurify = globalThis.DOMPurify;

const TAGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'b', 'strong',
    'i', 'em', 'u', 's', 'del', 'ins', 'mark', 'small', 'sub', 'sup', 'code',
    'pre', 'kbd', 'blockquote', 'ul', 'ol', 'li', 'table', 'thead', 'tbody',
    'tr', 'th', 'td', 'a', 'img', 'span'];
const ATTRS = ['href', 'src', 'alt', 'title'];
const FORBID = ['svg', 'math', 'style', 'template', 'form', 'input', 'iframe',
    'object', 'embed', 'script', 'link', 'meta', 'base', 'textarea', 'select',
    'button', 'video', 'audio', 'source', 'frame', 'frameset', 'noscript'];

/*
 * One tag the allow-list can express, as typed: <b>, </b>, <br/>,
 * <a href="..." title='...'>. Only what this matches stays markup; it decides
 * what is literal, never what is safe (DOMPurify does that afterwards).
 */
const ATTR_SRC = '\\s+(?:' + ATTRS.join('|') +
    ')\\s*=\\s*(?:"[^"]*"|\'[^\']*\'|[^\\s"\'=<>`]+)';
const TAG_RE = new RegExp('<(?:/(?:' + TAGS.join('|') + ')\\s*|(?:' +
    TAGS.join('|') + ')(?:' + ATTR_SRC + ')*\\s*/?)>', 'gi');
/* A character reference typed on purpose: &lt; &#60; &#x3c; */
const REF_RE = /^&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);/;

const LINK_RE = /^(?:https?:\/\/|mailto:)/i;
const REMOTE_RE = /^https?:\/\//i;
const IMAGE_RE = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
/* Elements around which white space only formats the source. */
const BLOCK = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'HR', 'PRE',
    'BLOCKQUOTE', 'UL', 'OL', 'LI', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH',
    'TD']);
const TABLEISH = new Set(['UL', 'OL', 'TABLE', 'THEAD', 'TBODY', 'TR']);

const CONFIG = {
	ALLOWED_TAGS: TAGS,
	ALLOWED_ATTR: ATTRS,
	FORBID_TAGS: FORBID,
	FORBID_ATTR: ['style', 'class', 'id', 'srcset', 'action', 'formaction',
	    'xlink:href', 'ping', 'background', 'poster'],
	ALLOW_DATA_ATTR: false,
	ALLOW_ARIA_ATTR: false,
	ALLOW_UNKNOWN_PROTOCOLS: false,
	ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|data:image\/(?:png|jpeg|gif|webp);)/i,
	KEEP_CONTENT: true,
	WHOLE_DOCUMENT: false,
	RETURN_DOM_FRAGMENT: true,
	SAFE_FOR_TEMPLATES: false
};

/*
 * Decide links while DOMPurify walks the inert tree. Installed once, as the
 * module loads; without DOMPurify app.js says the page did not load.
 */
if (DOMPurify) {
	DOMPurify.addHook('afterSanitizeAttributes', (node) => {
		if (node.nodeName === 'A') {
			const href = node.getAttribute('href');
			if (href !== null && !LINK_RE.test(href.trim()))
				node.removeAttribute('href');
			if (node.hasAttribute('href')) {
				node.setAttribute('rel', 'noopener noreferrer');
				node.setAttribute('target', '_blank');
			}
		}
	});
}

function imageToLink(doc, img) {
	const src = img.getAttribute('src') || '';
	const alt = img.getAttribute('alt');
	if (REMOTE_RE.test(src.trim())) {
		const a = doc.createElement('a');
		a.setAttribute('href', src.trim());
		a.setAttribute('rel', 'noopener noreferrer');
		a.setAttribute('target', '_blank');
		a.className = 'remote-image';
		a.textContent = '🖼 ' + (alt && alt.trim() ? alt.trim() : 'remote image (not loaded)');
		return a;
	}
	const span = doc.createElement('span');
	span.className = 'dropped-image';
	span.textContent = alt && alt.trim() ? '[' + alt.trim() + ']' : '[image]';
	return span;
}

/*
 * Removes white-space-only text between block elements, so that messages can
 * be shown with white-space: pre-wrap (plain text keeps its line breaks)
 * without tables and lists growing blank lines.
 */
function trimBlockSpace(root) {
	const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
	const drop = [];
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		if (/\S/.test(n.data))
			continue;
		const p = n.parentNode;
		const prev = n.previousSibling, next = n.nextSibling;
		if ((p && TABLEISH.has(p.nodeName)) ||
		    (prev && BLOCK.has(prev.nodeName)) ||
		    (next && BLOCK.has(next.nodeName)))
			drop.push(n);
	}
	for (const n of drop)
		n.remove();
}

function escapeText(text) {
	return text.replace(/&/g, (amp, i) =>
	    REF_RE.test(text.slice(i, i + 40)) ? amp : '&amp;')
	    .replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/*
 * Escapes everything of TEXT that is not an allowed tag, so that a stray
 * "a<b", an unknown "<div>" or a forbidden "<script>" reads as typed
 * instead of being parsed away. Exported for the browser suite.
 */
export function literalize(text) {
	let out = '';
	let last = 0;
	for (const m of text.matchAll(TAG_RE)) {
		out += escapeText(text.slice(last, m.index)) + m[0];
		last = m.index + m[0].length;
	}
	return out + escapeText(text.slice(last));
}

function sanitize(html) {
	const frag = DOMPurify.sanitize(html, CONFIG);
	/* DOMPurify gives null when the parse has no <body> (e.g. <frameset>). */
	return frag || document.createDocumentFragment();
}

/* The message as plain text, for one that formats to nothing visible. */
function literalFragment(text) {
	const frag = document.createDocumentFragment();
	frag.append(document.createTextNode(text));
	return frag;
}

/*
 * Returns a DocumentFragment holding the sanitized message. The fragment
 * still belongs to DOMPurify's inert document; images are rewritten there,
 * before adoption into the page could make the browser fetch anything.
 */
export function renderMessage(text) {
	const frag = sanitize(literalize(text));
	const doc = frag.ownerDocument;
	for (const img of Array.from(frag.querySelectorAll('img'))) {
		const src = (img.getAttribute('src') || '').trim();
		if (IMAGE_RE.test(src)) {
			for (const a of Array.from(img.attributes))
				if (a.name !== 'src' && a.name !== 'alt' && a.name !== 'title')
					img.removeAttribute(a.name);
			if (!img.hasAttribute('alt'))
				img.setAttribute('alt', 'image');
			img.setAttribute('loading', 'lazy');
			img.setAttribute('decoding', 'async');
			continue;
		}
		img.replaceWith(imageToLink(doc, img));
	}
	trimBlockSpace(frag);
	/* A message never sanitizes to nothing: "<p></p>" shows as typed. */
	return isEmptyRender(frag) && text.trim() ? literalFragment(text) : frag;
}

/* True if the text has something visible left after sanitizing. */
export function isEmptyRender(frag) {
	return !frag.textContent.trim() && !frag.querySelector('img, hr');
}
