#!/usr/bin/python3
"""
modcycle.py DIR: no include cycle between the modules of DIR (`make lint`).

A module is a file stem: chatroom/room.c and chatroom/room.h are module room.
Module A depends on B when a .c or .h of A has `#include "..."` naming a
header of B in DIR (as "room.h" beside it or as "DIR/room.h" from the top).
Headers outside DIR (common/, system) are not modules here. Each cycle is
printed with the include lines that make it, as
"file:line: modcycle: room -> cmd -> room (file:line ...)", and the exit
status is 1 if there is any.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]+"([^"]+)"', re.M)


def edges(d):
	"""{(a, b): [(file, line)]} for module a including a header of b."""
	mods = {os.path.splitext(f)[0] for f in os.listdir(d)
	    if f.endswith((".c", ".h"))}
	out = {}
	for f in sorted(os.listdir(d)):
		if not f.endswith((".c", ".h")):
			continue
		a = os.path.splitext(f)[0]
		path = os.path.join(d, f)
		with open(path, encoding="utf-8", errors="replace") as fh:
			src = fh.read()
		for m in INCLUDE.finditer(src):
			inc = os.path.normpath(m.group(1))
			if os.path.dirname(inc) not in ("", os.path.normpath(d)):
				continue
			b = os.path.splitext(os.path.basename(inc))[0]
			if b == a or b not in mods:
				continue
			line = src.count("\n", 0, m.start()) + 1
			out.setdefault((a, b), []).append((path, line))
	return out


def sccs(nodes, succ):
	"""Tarjan's strongly connected components, iterative."""
	index, low, on, stack, out = {}, {}, set(), [], []
	for root in sorted(nodes):
		if root in index:
			continue
		work = [(root, iter(sorted(succ.get(root, ()))))]
		index[root] = low[root] = len(index)
		stack.append(root)
		on.add(root)
		while work:
			v, it = work[-1]
			w = next(it, None)
			if w is not None:
				if w not in index:
					index[w] = low[w] = len(index)
					stack.append(w)
					on.add(w)
					work.append((w, iter(sorted(succ.get(w, ())))))
				elif w in on:
					low[v] = min(low[v], index[w])
				continue
			work.pop()
			if work:
				low[work[-1][0]] = min(low[work[-1][0]], low[v])
			if low[v] == index[v]:
				comp = []
				while True:
					w = stack.pop()
					on.discard(w)
					comp.append(w)
					if w == v:
						break
				out.append(sorted(comp))
	return out


def cycle_in(comp, succ):
	"""One shortest cycle through the first module of comp."""
	start, members = comp[0], set(comp)
	prev, todo = {start: None}, [start]
	while todo:
		nxt = []
		for v in todo:
			for w in sorted(succ.get(v, ())):
				if w == start:
					path = [v]
					while prev[path[-1]] is not None:
						path.append(prev[path[-1]])
					return list(reversed(path)) + [start]
				if w in members and w not in prev:
					prev[w] = v
					nxt.append(w)
		todo = nxt
	return [start]


def main(argv):
	if len(argv) != 2:
		sys.stderr.write("usage: modcycle.py DIR\n")
		return 2
	e = edges(argv[1])
	succ = {}
	for a, b in e:
		succ.setdefault(a, set()).add(b)
	nodes = set(succ) | {b for s in succ.values() for b in s}
	bad = 0
	for comp in sccs(nodes, succ):
		if len(comp) < 2:
			continue
		cyc = cycle_in(comp, succ)
		where = [e[(cyc[i], cyc[i + 1])][0] for i in range(len(cyc) - 1)]
		print("%s:%d: modcycle: %s (%s)" % (where[0][0], where[0][1],
		    " -> ".join(cyc), ", ".join("%s:%d" % w for w in where)))
		bad += 1
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
