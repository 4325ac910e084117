/*
 * chatroom: Sanctuary's WebSocket relay. Holds transient rooms in RAM and
 * relays ciphertext it cannot read. Startup: options -> sockets -> harden -> loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <popt.h>

#include "common/harden.h"
#include "common/log.h"
#include "common/net.h"
#include "common/opts.h"
#include "server.h"

/* Every limit: one row, feeding popt, --help and the man page check. */
static struct limit limits[] = {
	LIMIT("max-conns", "N", 1, 1000000, 1024,
	  "Open WebSocket connections in all"),
	LIMIT("max-per-ip", "N", 1, 1000000, 16,
	  "Connections per IPv4 address or IPv6 /64"),
	LIMIT("max-handshakes", "N", 1, 1000000, 128,
	  "Handshakes and refusals in progress"),
	LIMIT("max-rooms", "N", 1, 1000000, 256,
	  "Rooms at once"),
	LIMIT("max-members", "N", 2, 100000, 64,
	  "Members per room"),
	LIMIT("max-message", "BYTES", 256, 16777216, 65536,
	  "Largest message accepted; larger: close 1009"),
	LIMIT("max-header-bytes", "BYTES", 512, 65536, 8192,
	  "Largest handshake request; larger: 431"),
	LIMIT("max-queue", "BYTES", 4096, 268435456, 262144,
	  "Unsent bytes per connection; more: close 1008"),
	LIMIT("send-buffer", "BYTES", 0, 67108864, 0,
	  "Kernel send buffer per connection (SO_SNDBUF); 0: the kernel's"),
	LIMIT("handshake-timeout", "SECONDS", 1, 3600, 10,
	  "Time to complete the opening handshake"),
	LIMIT("join-timeout", "SECONDS", 1, 3600, 30,
	  "Time from handshake to create/join; then close 4003"),
	LIMIT("ping-interval", "SECONDS", 1, 3600, 20,
	  "Seconds between pings"),
	LIMIT("pong-timeout", "SECONDS", 1, 3600, 40,
	  "Close 1008 when no pong came for this long"),
	LIMIT("flood-rate", "N", 1, 100000, 5,
	  "Messages per second refilled into the flood bucket"),
	LIMIT("flood-burst", "N", 1, 100000, 20,
	  "Flood bucket size in messages"),
	LIMIT_END
};

#define NLIMITS	(sizeof(limits) / sizeof(limits[0]))
/* Listeners, epoll, signalfd, stdio. */
#define CHATROOM_SPARE_FDS	16

static char	**origins;

static void
config_from_options(struct relay_config *cfg)
{
	size_t	n = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_conns = (size_t)limit_get(limits, "max-conns");
	cfg->max_per_ip = (size_t)limit_get(limits, "max-per-ip");
	cfg->max_handshakes = (size_t)limit_get(limits, "max-handshakes");
	cfg->rooms.max_rooms = (size_t)limit_get(limits, "max-rooms");
	cfg->rooms.max_members = (size_t)limit_get(limits, "max-members");
	cfg->max_message = (size_t)limit_get(limits, "max-message");
	cfg->max_header_bytes = (size_t)limit_get(limits, "max-header-bytes");
	cfg->max_queue = (size_t)limit_get(limits, "max-queue");
	cfg->send_buffer = (int)limit_get(limits, "send-buffer");
	cfg->handshake_timeout_ms = limit_get(limits, "handshake-timeout") * 1000;
	cfg->join_timeout_ms = limit_get(limits, "join-timeout") * 1000;
	cfg->ping_interval_ms = limit_get(limits, "ping-interval") * 1000;
	cfg->pong_timeout_ms = limit_get(limits, "pong-timeout") * 1000;
	cfg->flood_rate = limit_get(limits, "flood-rate");
	cfg->flood_burst = limit_get(limits, "flood-burst");
	while (origins != NULL && origins[n] != NULL)
		n++;
	cfg->hs.max_header_bytes = cfg->max_header_bytes;
	cfg->hs.origins = (const char *const *)(void *)origins;
	cfg->hs.norigins = n;
}

int
main(int argc, char *argv[])
{
	struct poptOption	 limit_rows[NLIMITS];
	struct poptOption	 table[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_popt_table, 0,
		  "Network:", NULL },
		{ "origin", '\0', POPT_ARG_ARGV, &origins, 0,
		  "Also allow this browser Origin (repeatable; default: the "
		  "page's own host only)", "ORIGIN" },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, limit_rows, 0,
		  "Limits:", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, version_popt_table, 0,
		  NULL, NULL },
		POPT_AUTOHELP
		POPT_TABLEEND
	};
	struct relay_config	 cfg;
	struct listener		 lis[NET_MAX_LISTEN];
	struct server		 srv;
	poptContext		 ctx;
	size_t			 want, have;
	int			 i, n;

	log_init("chatroom");
	opts_limit_rows(limit_rows, limits);
	ctx = poptGetContext("chatroom", argc, (const char **)(void *)argv, table,
	    0);
	opts_parse(ctx, limits, "chatroom");
	config_from_options(&cfg);

	n = net_listen(lis, NET_MAX_LISTEN, &net_opts, net_opts.chatport);
	want = cfg.max_conns + cfg.max_handshakes + CHATROOM_SPARE_FDS;
	if ((have = net_raise_nofile(want)) < want)
		log_warnx("only %zu file descriptors: fewer than --max-conns "
		    "connections will fit (raise ulimit -n to %zu)", have, want);
	harden_process();
	if (server_init(&srv, &cfg, lis, n) == -1)
		fatal("server_init");
	for (i = 0; i < n; i++)
		log_banner("%s relay listening on ws://%s/", SANCTUARY_VERSION,
		    lis[i].name);
	server_run(&srv);
	server_release(&srv);
	poptFreeContext(ctx);
	return 0;
}
