/*
 * bundle.mjs: build-time tool (never served, never installed). Makes the page
 * that servchat embeds from static/, in OUTDIR, so a phone on a slow link
 * fetches four files instead of fifteen:
 *
 *	node tools/bundle/bundle.mjs STATICDIR OUTDIR
 *
 *	scripts.min.js	boot.js, then the vendored libraries of
 *			STATICDIR/vendor.list: classic scripts, concatenated,
 *			minified
 *	app.min.js	app.js and every module it imports, as one module
 *	app.min.css	app.css, minified
 *	index.html	static/index.html referring to those three, the favicon
 *			inlined as a data: URL, indentation dropped
 *
 * tools/embed.c lays OUTDIR over STATICDIR; --static-dir still serves the
 * unbundled sources. Each file is written to NAME.tmp and renamed.
 */
import {readFileSync, writeFileSync, renameSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import * as esbuild from 'esbuild';

const [staticDir, outDir] = process.argv.slice(2);
if (!staticDir || !outDir) {
	console.error('usage: bundle.mjs STATICDIR OUTDIR');
	process.exit(1);
}

function put(name, data) {
	const path = join(outDir, name);
	writeFileSync(path + '.tmp', data);
	renameSync(path + '.tmp', path);
}

/* The vendor.list sources, in its order (the page's order before). */
function vendorSources() {
	return readFileSync(join(staticDir, 'vendor.list'), 'utf8').split('\n')
		.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
		.map((l) => l.split(/\s+/)[1]);
}

/*
 * Minified one by one with no output format, so top-level names (the
 * globals nacl, DOMPurify, qrcode) are kept; a ';' between files keeps one
 * from running into the next. None of them is in strict mode as a file.
 * boot.js comes first and stays ES5: its load handler is then in place
 * even if a library throws, and it is what reports a failed app.min.js.
 * If scripts.min.js itself fails, app.js finds the libraries missing.
 */
async function classicScripts() {
	const parts = [];
	for (const src of ['boot.js', ...vendorSources()]) {
		const code = readFileSync(join(staticDir, src), 'utf8');
		const out = await esbuild.transform(code, {minify: true,
			legalComments: 'inline', target: src === 'boot.js' ? 'es5' : 'esnext'});
		parts.push(out.code.trim());
	}
	return parts.join(';\n') + '\n';
}

async function appModule() {
	const out = await esbuild.build({
		entryPoints: [join(staticDir, 'app.js')], bundle: true,
		format: 'esm', minify: true, write: false, legalComments: 'inline',
		logLevel: 'error',
	});
	return out.outputFiles[0].contents;
}

async function styles() {
	const css = readFileSync(join(staticDir, 'app.css'), 'utf8');
	return (await esbuild.transform(css, {loader: 'css', minify: true})).code;
}

/* Replaces exactly one match of re in s, or stops the build. */
function once(s, re, by, what) {
	const n = (s.match(new RegExp(re.source, 'g')) || []).length;
	if (n !== 1) {
		console.error(`bundle: index.html: ${what}: ${n} matches, want 1`);
		process.exit(1);
	}
	return s.replace(re, by);
}

/*
 * The head's tags are rewritten, the body is left alone but for leading
 * blanks on each line (the page has no <pre>: blanks there are collapsed).
 */
function page() {
	let html = readFileSync(join(staticDir, 'index.html'), 'utf8');
	const svg = readFileSync(join(staticDir, 'favicon.svg'), 'utf8').trim();
	const icon = 'data:image/svg+xml,' + encodeURIComponent(svg);
	html = once(html, /<link rel="icon" href="\/favicon\.svg"/, `<link rel="icon" href="${icon}"`, 'favicon');
	html = once(html, /<link rel="stylesheet" href="\/app\.css">/, '<link rel="stylesheet" href="/app.min.css">', 'stylesheet');
	html = once(html, /(<script [^>]*><\/script>\n)+/,
		'<script src="/scripts.min.js" defer></script>\n' +
		'<script type="module" src="/app.min.js"></script>\n', 'scripts');
	if (/<pre[\s>]/i.test(html)) {
		console.error('bundle: index.html has a <pre>: indentation would matter');
		process.exit(1);
	}
	return html.replace(/\n[ \t]+/g, '\n');
}

mkdirSync(outDir, {recursive: true});
put('scripts.min.js', await classicScripts());
put('app.min.js', await appModule());
put('app.min.css', await styles());
put('index.html', page());
