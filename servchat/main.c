/*
 * servchat: serves the Sanctuary browser client (embedded at build time),
 * fresh room keys and the relay's whereabouts. It keeps no state about its
 * clients and prints nothing after the startup banner.
 *
 * Startup: options -> sockets -> harden_process() -> daemons -> banner; then
 * the main thread waits for SIGINT or SIGTERM and stops the daemons.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <popt.h>

#include "common/harden.h"
#include "common/log.h"
#include "common/net.h"
#include "common/opts.h"
#include "headers.h"
#include "qr.h"
#include "relay.h"
#include "routes.h"
#include "server.h"

#define SERVPORT_DEFAULT	6969

static struct limit limits[] = {
	LIMIT("http-timeout", "SECONDS", 1, 3600, 15,
	  "Close a connection idle this long"),
	LIMIT("max-conns", "COUNT", 1, 16384, 256,
	  "Connections per listening socket"),
	LIMIT("max-per-ip", "COUNT", 1, 16384, 64,
	  "Connections per client address (IPv6: per /64)"),
	LIMIT("conn-memory", "BYTES", 8192, 1048576, 32768,
	  "Memory per connection for request and response headers"),
	/* Mirrors chatroom's option (same range and default) for the page. */
	LIMIT("max-message", "BYTES", 256, 16777216, 65536,
	  "The relay's --max-message, told to the page"),
	LIMIT_END
};

static struct poptOption limit_rows[sizeof(limits) / sizeof(limits[0])];
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
			log_usage_error(usage, "--relay %s: %s", relay_arg, why);
		o->has_relay = 1;
	}
}

static void
options_parse(struct options *o, int argc, char *argv[])
{
	memset(o, 0, sizeof(*o));
	o->dirfd = -1;
	opts_limit_rows(limit_rows, limits);
	/* popt wants const char **; it never writes through argv. */
	usage_ctx = poptGetContext("servchat", argc, (const char **)(void *)argv,
	    options_table, 0);
	opts_parse(usage_ctx, limits, "servchat");
	options_check(o);
	if (static_dir_arg != NULL && (o->dirfd = open(static_dir_arg,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("--static-dir %s", static_dir_arg);
	poptFreeContext(usage_ctx);
	usage_ctx = NULL;
}

static int
addr_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
	    htonl(INADDR_ANY);
}

/* Link-local IPv6 needs a zone id, which a URL cannot carry usefully. */
static int
addr_linklocal(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(
	    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/* The address a phone on the LAN should open: IPv4 first. */
static char	lan_url[INET6_ADDRSTRLEN + 32];
static int	lan_url_family;

static void
banner_remember(const struct sockaddr *sa, const char *name)
{
	int	loopback;

	if (sa->sa_family == AF_INET6)
		loopback = IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	else
		loopback = (ntohl(((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (loopback || (lan_url[0] != '\0' && (lan_url_family == AF_INET ||
	    sa->sa_family != AF_INET)))
		return;
	snprintf(lan_url, sizeof(lan_url), "http://%s/", name);
	lan_url_family = sa->sa_family;
}

/*
 * One line per URL of a listener: its address, or for a wildcard socket
 * each address this host has in that family.
 */
static void
banner(int fd)
{
	struct sockaddr_storage	 ss;
	struct ifaddrs		*ifa, *i;
	socklen_t		 len = sizeof(ss);
	unsigned		 port;
	char			 name[INET6_ADDRSTRLEN + 16];
	int			 shown = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		fatal("getsockname");
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (addr_is_any(&ss) && getifaddrs(&ifa) == 0) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    i->ifa_addr->sa_family != ss.ss_family ||
			    addr_linklocal(i->ifa_addr))
				continue;
			net_addr_format(name, sizeof(name), i->ifa_addr, port);
			log_banner("http://%s/", name);
			banner_remember(i->ifa_addr, name);
			shown++;
		}
		freeifaddrs(ifa);
	}
	if (shown == 0) {
		net_addr_format(name, sizeof(name), (struct sockaddr *)&ss, port);
		log_banner("http://%s/", name);
		if (!addr_is_any(&ss))
			banner_remember((struct sockaddr *)&ss, name);
	}
}

static void
server_limits_get(struct server_limits *lim)
{
	lim->timeout = (unsigned int)limit_get(limits, "http-timeout");
	lim->max_conns = (unsigned int)limit_get(limits, "max-conns");
	lim->per_ip = (unsigned int)limit_get(limits, "max-per-ip");
	lim->memory = (size_t)limit_get(limits, "conn-memory");
}

/*
 * SIGINT and SIGTERM are blocked before the daemons start, so their threads
 * inherit the mask and only the main thread's sigwait() takes them.
 */
static void
signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, set, NULL) != 0)
		fatalx("pthread_sigmask failed");
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
	sigset_t		 stopsigs;
	int			 i, n, sig;

	log_init("servchat");
	options_parse(&o, argc, argv);
	n = net_listen(ls, NET_MAX_LISTEN, &net_opts, o.servport);
	harden_process();

	headers_init(net_opts.chatport, o.has_relay ? o.relay.origin : NULL);
	rc.chatport = net_opts.chatport;
	rc.relay_url = o.has_relay ? o.relay.url : NULL;
	rc.max_message = limit_get(limits, "max-message");
	rc.dirfd = o.dirfd;
	if (routes_init(&rc) == -1)
		fatalx("out of memory");
	server_limits_get(&lim);
	signals_block(&stopsigs);
	MHD_set_panic_func(panic_quiet, NULL);
	for (i = 0; i < n; i++)
		if (server_start(&srv[i], ls[i].fd, &lim) == -1)
			fatalx("cannot serve HTTP on %s", ls[i].name);

	/* log.c prefixes each line with the name: "servchat 1.0.0: URL". */
	log_init("servchat " SANCTUARY_VERSION);
	for (i = 0; i < n; i++)
		banner(ls[i].fd);
	if (qr_flag && lan_url[0] != '\0' && qr_print(lan_url) == -1)
		log_warnx("--qr: cannot encode %s", lan_url);

	while (sigwait(&stopsigs, &sig) != 0)
		;
	for (i = 0; i < n; i++)
		server_stop(&srv[i]);
	routes_free();
	if (o.dirfd != -1)
		close(o.dirfd);
	return 0;
}
