/*
 * ESLint for every JavaScript file of ours: the browser client (static/)
 * and the test and benchmark scripts. `npm run lint` runs ESLint from the
 * top of the tree, so the paths here are relative to it. Beyond the
 * recommended rules it holds the client to what the README promises: it
 * writes nothing to the console or to any storage, and keeps its mutable
 * state in the one object of static/state.js.
 */

import js from '@eslint/js';
import globals from 'globals';
import {defineConfig} from 'eslint/config';

/* Browser storage the client must never touch (README: zero logging). */
const STORAGE = ['localStorage', 'sessionStorage', 'indexedDB', 'caches'];

export default defineConfig([
	{
		/* The http suite's fixtures are served byte for byte, not run. */
		ignores: ['**/node_modules/', 'build/', 'test/http/fixture*/']
	},
	{
		files: ['static/**/*.js', 'test/browser/**/*.js',
		    'test/interop/**/*.{js,mjs}', 'test/bench/baseline/**/*.{js,mjs}',
		    'test/bench/*.mjs', 'tools/bundle/*.mjs', 'test/eslint/*.js'],
		extends: [js.configs.recommended],
		languageOptions: {ecmaVersion: 2022, sourceType: 'module'},
		linterOptions: {reportUnusedDisableDirectives: 'error'},
		rules: {
			'eqeqeq': ['error', 'always'],
			'no-var': 'error',
			'prefer-const': 'error',
			'no-shadow': 'error',
			'no-implicit-coercion': ['error', {allow: ['!!']}],
			'no-throw-literal': 'error',
			'no-unused-vars': ['error', {caughtErrors: 'none'}]
		}
	},
	{
		files: ['static/**/*.js'],
		languageOptions: {
			globals: {...globals.browser}
		},
		rules: {
			'no-console': 'error',
			'no-restricted-globals': ['error', ...STORAGE.map((name) =>
			    ({name, message: 'The client stores nothing.'}))],
			'no-restricted-properties': ['error',
			    ...STORAGE.map((property) => ({object: 'window',
			    property, message: 'The client stores nothing.'})),
			    {object: 'document', property: 'cookie',
			    message: 'The client stores nothing.'}],
			/* Mutable page state lives in static/state.js only. */
			'no-restricted-syntax': ['error', {
				selector: 'Program > VariableDeclaration[kind="let"]',
				message: 'Module-level let: keep mutable state in ' +
				    'the state object (static/state.js).'
			}, {
				selector: 'Program > ExportNamedDeclaration > ' +
				    'VariableDeclaration[kind="let"]',
				message: 'Module-level let: keep mutable state in ' +
				    'the state object (static/state.js).'
			}]
		}
	},
	{
		/* The one classic script: it must run where modules do not. */
		files: ['static/boot.js'],
		languageOptions: {ecmaVersion: 5, sourceType: 'script'},
		rules: {'no-var': 'off', 'prefer-const': 'off'}
	},
	{
		/* Node scripts whose page.evaluate() callbacks run in Chromium. */
		files: ['test/browser/**/*.js', 'test/interop/**/*.{js,mjs}'],
		languageOptions: {
			globals: {...globals.node, ...globals.browser}
		}
	},
	{
		files: ['test/bench/baseline/**/*.{js,mjs}', 'test/eslint/*.js',
		    'tools/bundle/*.mjs'],
		languageOptions: {globals: {...globals.node}}
	},
	{
		/* slow3g.mjs: Node, with a page.waitForFunction() callback. */
		files: ['test/bench/*.mjs'],
		languageOptions: {globals: {...globals.node, ...globals.browser}}
	}
]);
