/*
 * ESLint formatter: one line per problem, "file:line:col: eslint/RULE: what",
 * the form of every other check of `make lint`; paths from the top of the
 * tree, where `npm run lint` runs ESLint.
 */

import path from 'node:path';

export default function lines(results) {
	const out = [];
	for (const r of results) {
		const file = path.relative(process.cwd(), r.filePath);
		for (const m of r.messages)
			out.push(file + ':' + (m.line || 0) + ':' + (m.column || 0) +
			    ': eslint/' + (m.ruleId || 'parse') + ': ' + m.message);
	}
	return out.length ? out.join('\n') + '\n' : '';
}
