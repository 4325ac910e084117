/* opts.c: popt fragments shared by both daemons and the limit table parser. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "opts.h"

#define OPTS_VERSION_VAL	0x5600

struct net_opts	 net_opts = { 9696, AF_MODE_DUAL, NULL };

static char	*chatport_arg;
static char	*bind_arg;
static int	 only_v4, only_v6;
static poptContext usage_ctx;

struct poptOption net_popt_table[] = {
	{ "chatport", 'c', POPT_ARG_STRING, &chatport_arg, 0,
	  "Port of the WebSocket relay, 1-65535 (default 9696)", "PORT" },
	{ "ipprotv4", '4', POPT_ARG_NONE, &only_v4, 0,
	  "Listen on IPv4 only (default: IPv4 and IPv6)", NULL },
	{ "ipprotv6", '6', POPT_ARG_NONE, &only_v6, 0,
	  "Listen on IPv6 only (default: IPv4 and IPv6)", NULL },
	{ "bind", '\0', POPT_ARG_STRING, &bind_arg, 0,
	  "Listen on this numeric address only (default: any)", "ADDR" },
	POPT_TABLEEND
};

struct poptOption version_popt_table[] = {
	{ "version", '\0', POPT_ARG_NONE, NULL, OPTS_VERSION_VAL,
	  "Show the version and exit", NULL },
	POPT_TABLEEND
};

int
opts_parse_long(long *out, const char *s, long min, long max)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

long
limit_get(const struct limit *limits, size_t i)
{
	return limits[i].value;
}

void
opts_limit_rows(struct poptOption *rows, struct limit *limits, size_t n)
{
	struct poptOption	 end = POPT_TABLEEND;
	size_t			 i;

	for (i = 0; i < n; i++, limits++, rows++) {
		if (limits->name == NULL)
			fatalx("internal: limit %zu has no row", i);
		snprintf(limits->helptext, sizeof(limits->helptext),
		    "%s (default %ld, %ld-%ld)", limits->help, limits->def,
		    limits->min, limits->max);
		limits->value = limits->def;
		limits->arg = NULL;
		rows->longName = limits->name;
		rows->shortName = '\0';
		rows->argInfo = POPT_ARG_STRING;
		rows->arg = &limits->arg;
		rows->val = 0;
		rows->descrip = limits->helptext;
		rows->argDescrip = limits->unit;
	}
	*rows = end;
}

static void
opts_usage(FILE *f)
{
	poptPrintUsage(usage_ctx, f, 0);
}

static void
opts_check_limits(struct limit *limits, size_t n)
{
	for (; n > 0; n--, limits++) {
		if (limits->arg == NULL)
			continue;
		if (opts_parse_long(&limits->value, limits->arg, limits->min,
		    limits->max) == -1)
			log_usage_error(opts_usage, "--%s: expected an "
			    "integer from %ld to %ld, got '%s'", limits->name,
			    limits->min, limits->max, limits->arg);
	}
}

static void
opts_check_net(void)
{
	if (chatport_arg != NULL && opts_parse_long(&net_opts.chatport,
	    chatport_arg, 1, 65535) == -1)
		log_usage_error(opts_usage,
		    "--chatport: expected a port from 1 to 65535, got '%s'",
		    chatport_arg);
	if (only_v4 && only_v6)
		log_usage_error(opts_usage, "-4 and -6 exclude each other");
	net_opts.af = only_v4 ? AF_MODE_V4 : only_v6 ? AF_MODE_V6 :
	    AF_MODE_DUAL;
	net_opts.bind = bind_arg;
}

void
opts_parse(poptContext ctx, struct limit *limits, size_t n, const char *name)
{
	const char	*extra;
	int		 rc;

	usage_ctx = ctx;
	while ((rc = poptGetNextOpt(ctx)) > 0) {
		if (rc == OPTS_VERSION_VAL) {
			char line[128];

			snprintf(line, sizeof(line), "%s (Sanctuary) %s", name,
			    SANCTUARY_VERSION);
			log_text(line);
			exit(0);
		}
	}
	if (rc < -1)
		log_usage_error(opts_usage, "%s: %s", poptBadOption(ctx,
		    POPT_BADOPTION_NOALIAS), poptStrerror(rc));
	if ((extra = poptGetArg(ctx)) != NULL)
		log_usage_error(opts_usage, "unexpected argument '%s'", extra);
	opts_check_net();
	opts_check_limits(limits, n);
}
