/*
 * opts.h: the command line. Every limit is one row of a table {name, unit,
 * min, max, default, help}; the same rows feed popt, --help and the man page
 * check. Each daemon indexes its table with an enum of its own, so a misspelt
 * limit fails to compile. Options shared by both daemons (-c, -4, -6, --bind)
 * are a popt fragment here.
 */
#ifndef COMMON_OPTS_H
#define COMMON_OPTS_H

#include <stddef.h>

#include <popt.h>

struct limit {
	const char	*name;		/* long option, without "--" */
	const char	*unit;		/* the argument in --help: "BYTES" */
	long		 min, max, def;
	const char	*help;
	long		 value;		/* parsed value, or def */
	char		*arg;		/* popt's string, not owned */
	char		 helptext[192];	/* help + default + range, for popt */
};

/* One row, given as [ENUM_NAME] = LIMIT(...) in a table sized by the enum. */
#define LIMIT(n, u, lo, hi, d, h) \
	{ .name = (n), .unit = (u), .min = (lo), .max = (hi), .def = (d), \
	  .help = (h) }

enum af_mode { AF_MODE_DUAL, AF_MODE_V4, AF_MODE_V6 };

struct net_opts {
	long		 chatport;	/* -c, default 9696 */
	enum af_mode	 af;		/* -4 / -6 / neither: dual stack */
	const char	*bind;		/* --bind ADDR or NULL (any) */
};

/* Values parsed by the shared popt fragment; defaults before parsing. */
extern struct net_opts	 net_opts;
extern struct poptOption net_popt_table[];	/* -c -4 -6 --bind */
extern struct poptOption version_popt_table[];	/* --version */

/*
 * Fills popt rows (one per limit, POPT_ARG_STRING into limit->arg) into rows,
 * which has room for the n limits plus POPT_TABLEEND, in table order. Help
 * strings include the default and unit. A row left out of the table (no
 * name) is a bug: fatalx before anything else runs.
 */
void	opts_limit_rows(struct poptOption *rows, struct limit *limits,
	    size_t n);
/*
 * Parses all options with ctx; on --version prints "NAME VERSION" and exits 0;
 * on a bad value prints one line and usage and exits 2. Checks the ranges of
 * the n limits and -c. Returns only when everything is valid.
 */
void	opts_parse(poptContext ctx, struct limit *limits, size_t n,
	    const char *name);
/* Strict decimal: 0 and *out set if s is an integer in [min, max], else -1. */
int	opts_parse_long(long *out, const char *s, long min, long max);
/* The value of limit i of the table (i: the daemon's enum). */
long	limit_get(const struct limit *limits, size_t i);

#endif
