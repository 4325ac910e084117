/*
 * servchat: serves the Sanctuary browser client (embedded at build time),
 * fresh room keys and the relay's whereabouts. It keeps no state about its
 * clients and prints nothing after the startup banner.
 *
 * Startup: options -> sockets -> harden_process() -> TLS pair -> daemons ->
 * banner; then the main thread waits for a signal: SIGHUP reads the TLS pair
 * again (certbot renews it), SIGINT or SIGTERM stops the daemons.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <popt.h>

#include "common/harden.h"
#include "common/lan.h"
#include "common/log.h"
#include "common/net.h"
#include "common/opts.h"
#include "common/tls.h"
#include "headers.h"
#include "qr.h"
#include "relay.h"
#include "routes.h"
#include "server.h"

#define SERVPORT_DEFAULT	6969

/* The limits, in --help order; each indexes the table below. */
enum servchat_limit {
	SERVCHAT_HTTP_TIMEOUT,
	SERVCHAT_REQUEST_TIMEOUT,
	SERVCHAT_MAX_CONNS,
	SERVCHAT_MAX_PER_IP,
	SERVCHAT_CONN_MEMORY,
	SERVCHAT_MAX_MESSAGE,
	SERVCHAT_NLIMITS
};

/* Every limit: one row, feeding popt, --help and the man page check. */
static struct limit limits[SERVCHAT_NLIMITS] = {
	[SERVCHAT_HTTP_TIMEOUT] =
	    LIMIT("http-timeout", "SECONDS", 1, 3600, 15,
	    "Close a connection idle this long"),
	[SERVCHAT_REQUEST_TIMEOUT] =
	    LIMIT("request-timeout", "SECONDS", 1, 3600, 5,
	    "Close a connection whose request head is not in this long"),
	[SERVCHAT_MAX_CONNS] =
	    LIMIT("max-conns", "COUNT", 1, 16384, 256,
	    "Connections per listening socket"),
	[SERVCHAT_MAX_PER_IP] =
	    LIMIT("max-per-ip", "COUNT", 1, 16384, 64,
	    "Connections per client address (IPv6: per /64)"),
	[SERVCHAT_CONN_MEMORY] =
	    LIMIT("conn-memory", "BYTES", 8192, 1048576, 32768,
	    "Memory per connection for request and response headers"),
	/* Mirrors chatroom's option (same range and default) for the page. */
	[SERVCHAT_MAX_MESSAGE] =
	    LIMIT("max-message", "BYTES", 256, 16777216, 65536,
	    "The relay's --max-message, told to the page"),
};

static struct poptOption limit_rows[SERVCHAT_NLIMITS + 1];
static char		*servport_arg, *relay_arg, *static_dir_arg;
static int		 qr_flag;

static struct poptOption options_table[] = {
	{ "servport", 's', POPT_ARG_STRING, &servport_arg, 0,
	  "Port of this page server, 0-65535, 0: any free port "
	  "(default 6969)", "PORT" },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_popt_table, 0,
	  "Network:", NULL },
	{ "relay", '\0', POPT_ARG_STRING, &relay_arg, 0,
	  "WebSocket relay elsewhere, ws:// or wss:// (default: this host, "
	  "chatport)", "URL" },
	{ "static-dir", '\0', POPT_ARG_STRING, &static_dir_arg, 0,
	  "Serve the client's files from DIR instead of the embedded copy "
	  "(development)", "DIR" },
	{ "qr", '\0', POPT_ARG_NONE, &qr_flag, 0,
	  "Also print a QR code of this host's LAN address for phones", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, tls_popt_table, 0,
	  "TLS (https; SIGHUP reads the pair again):", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, limit_rows, 0, "Limits:", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, version_popt_table, 0, NULL,
	  NULL },
	POPT_AUTOHELP
	POPT_TABLEEND
};

static poptContext	 usage_ctx;

struct options {
	long		 servport;
	struct relay	 relay;
	int		 has_relay;
	int		 dirfd;
};

static void
usage(FILE *f)
{
	poptPrintUsage(usage_ctx, f, 0);
}

static void
options_check(struct options *o)
{
	const char	*why;

	o->servport = SERVPORT_DEFAULT;
	if (servport_arg != NULL &&
	    opts_parse_long(&o->servport, servport_arg, 0, 65535) == -1)
		log_usage_error(usage, "--servport: expected a port from 0 to "
		    "65535, got '%s'", servport_arg);
	if (o->servport == net_opts.chatport)
		log_usage_error(usage, "-s and -c must differ (both are %ld)",
		    o->servport);
	if (relay_arg != NULL) {
		if (relay_parse(&o->relay, relay_arg, &why) == -1)
			log_usage_error(usage, "--relay %s: %s", relay_arg,
			    why);
		o->has_relay = 1;
	}
	if (tls_opts_check() == -1)
		exit(2);
	/* A page served over https may not open ws: (mixed content). */
	if (tls_enabled() && o->has_relay && strncmp(o->relay.origin, "wss:",
	    4) != 0)
		log_usage_error(usage, "--relay %s: a page served over https "
		    "needs a wss:// relay", relay_arg);
}

static void
options_parse(struct options *o, int argc, char *argv[])
{
	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
	opts_limit_rows(limit_rows, limits, SERVCHAT_NLIMITS);
	/* popt wants const char **; it never writes through argv. */
	usage_ctx = poptGetContext("servchat", argc,
	    (const char **)(void *)argv, options_table, 0);
	opts_parse(usage_ctx, limits, SERVCHAT_NLIMITS, "servchat");
	options_check(o);
	if (static_dir_arg != NULL && (o->dirfd = open(static_dir_arg,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("--static-dir %s", static_dir_arg);
	poptFreeContext(usage_ctx);
	usage_ctx = NULL;
}

static void
server_limits_get(struct server_limits *lim)
{
	lim->timeout = (unsigned int)limit_get(limits, SERVCHAT_HTTP_TIMEOUT);
	lim->request_timeout = (unsigned int)limit_get(limits,
	    SERVCHAT_REQUEST_TIMEOUT);
	lim->max_conns = (unsigned int)limit_get(limits, SERVCHAT_MAX_CONNS);
	lim->per_ip = (unsigned int)limit_get(limits, SERVCHAT_MAX_PER_IP);
	lim->memory = (size_t)limit_get(limits, SERVCHAT_CONN_MEMORY);
}

/*
 * SIGINT, SIGTERM and SIGHUP are blocked before the daemons start, so their
 * threads inherit the mask and only the main thread's sigwait() takes them.
 * SIGHUP without TLS does nothing (systemctl reload must not stop us).
 */
static void
signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0)
		fatalx("pthread_sigmask failed");
}

/* Returns on SIGINT or SIGTERM; a failed reload has printed its line. */
static void
signals_wait(const sigset_t *set)
{
	int	sig;

	for (;;) {
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			return;
		if (tls_enabled())
			(void)tls_reload();
	}
}

/* An MHD internal inconsistency: die without a word (no core: harden). */
static void
panic_quiet(void *cls, const char *file, unsigned int line,
    const char *reason)
{
	abort();
}

int
main(int argc, char *argv[])
{
	struct listener		 ls[NET_MAX_LISTEN];
	struct server		 srv[NET_MAX_LISTEN];
	struct server_limits	 lim;
	struct routes_conf	 rc;
	struct options		 o;
	struct lan		 lan;
	sigset_t		 sigs;
	int			 i, n;

	log_init("servchat");
	options_parse(&o, argc, argv);
	n = net_listen(ls, NET_MAX_LISTEN, &net_opts, o.servport);
	harden_process();

	if (tls_enabled() && tls_init() == -1)
		exit(1);
	headers_init(net_opts.chatport, o.has_relay ? o.relay.origin : NULL,
	    tls_enabled());
	rc.chatport = net_opts.chatport;
	rc.relay_url = o.has_relay ? o.relay.url : NULL;
	rc.max_message = limit_get(limits, SERVCHAT_MAX_MESSAGE);
	rc.dirfd = o.dirfd;
	if (routes_init(&rc) == -1)
		fatalx("out of memory");
	server_limits_get(&lim);
	signals_block(&sigs);
	MHD_set_panic_func(panic_quiet, NULL);
	for (i = 0; i < n; i++)
		if (server_start(&srv[i], ls[i].fd, &lim) == -1)
			fatalx("cannot serve %s on %s", tls_enabled() ?
			    "HTTPS" : "HTTP", ls[i].name);

	/* log.c prefixes each line with the name: "servchat 1.0.0: URL". */
	log_init("servchat " SANCTUARY_VERSION);
	memset(&lan, 0, sizeof(lan));
	lan.scheme = tls_enabled() ? "https" : NULL;
	for (i = 0; i < n; i++)
		if (lan_banner(&lan, ls[i].fd) == -1)
			fatal("getsockname");
	if (qr_flag && lan.url[0] != '\0' && qr_print(lan.url) == -1)
		log_warnx("--qr: cannot encode %s", lan.url);

	signals_wait(&sigs);
	for (i = 0; i < n; i++)
		server_stop(&srv[i]);
	tls_release();
	routes_free();
	if (o.dirfd != -1)
		close(o.dirfd);
	return 0;
}
