/*
 * Turns a decrypted message (an HTML5 fragment) into DOM nodes that are
 * safe to append: DOMPurify 3 with a small allow-list, then our own rules for
 * links and images. Aliases and notices never come through here: they are
 * always set with textContent.
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

/*
 * Returns a DocumentFragment holding the sanitized message. The fragment
 * still belongs to DOMPurify's inert document; images are rewritten there,
 * before adoption into the page could make the browser fetch anything.
 */
export function renderMessage(html) {
	const frag = DOMPurify.sanitize(html, CONFIG);
	/* DOMPurify gives null when the parse has no <body> (e.g. <frameset>). */
	if (!frag)
		return document.createDocumentFragment();
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
	return frag;
}

/* True if the text has something visible left after sanitizing. */
export function isEmptyRender(frag) {
	return !frag.textContent.trim() && !frag.querySelector('img, hr');
}
