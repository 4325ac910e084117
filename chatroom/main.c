/*
 * chatroom: Sanctuary's WebSocket relay. Holds transient rooms in RAM and
 * relays ciphertext it cannot read.
 * Startup: options -> sockets -> harden -> loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <popt.h>

#include "common/harden.h"
#include "common/log.h"
#include "common/net.h"
#include "common/opts.h"
#include "common/tls.h"
#include "alias.h"
#include "server.h"

/* The limits, in --help order; each indexes the table below. */
enum chatroom_limit {
	CHATROOM_MAX_CONNS,
	CHATROOM_MAX_PER_IP,
	CHATROOM_MAX_HANDSHAKES,
	CHATROOM_MAX_HANDSHAKES_PER_IP,
	CHATROOM_MAX_ROOMS,
	CHATROOM_MAX_MEMBERS,
	CHATROOM_MAX_MESSAGE,
	CHATROOM_MAX_HEADER_BYTES,
	CHATROOM_MAX_QUEUE,
	CHATROOM_SEND_BUFFER,
	CHATROOM_HANDSHAKE_TIMEOUT,
	CHATROOM_JOIN_TIMEOUT,
	CHATROOM_PING_INTERVAL,
	CHATROOM_PONG_TIMEOUT,
	CHATROOM_FLOOD_RATE,
	CHATROOM_FLOOD_BURST,
	CHATROOM_NLIMITS
};

/* Every limit: one row, feeding popt, --help and the man page check. */
static struct limit limits[CHATROOM_NLIMITS] = {
	[CHATROOM_MAX_CONNS] =
	    LIMIT("max-conns", "N", 1, 1000000, 1024,
	    "Open WebSocket connections in all"),
	[CHATROOM_MAX_PER_IP] =
	    LIMIT("max-per-ip", "N", 1, 1000000, 16,
	    "Connections per IPv4 address or IPv6 /64"),
	[CHATROOM_MAX_HANDSHAKES] =
	    LIMIT("max-handshakes", "N", 1, 1000000, 128,
	    "Handshakes and refusals in progress"),
	[CHATROOM_MAX_HANDSHAKES_PER_IP] =
	    LIMIT("max-handshakes-per-ip", "N", 1, 1000000, 8,
	    "Handshakes in progress per IPv4 address or IPv6 /64"),
	[CHATROOM_MAX_ROOMS] =
	    LIMIT("max-rooms", "N", 1, 1000000, 256,
	    "Rooms at once"),
	[CHATROOM_MAX_MEMBERS] =
	    LIMIT("max-members", "N", 2, 100000, 64,
	    "Members per room"),
	[CHATROOM_MAX_MESSAGE] =
	    LIMIT("max-message", "BYTES", 256, 16777216, 65536,
	    "Largest message accepted; larger: close 1009"),
	[CHATROOM_MAX_HEADER_BYTES] =
	    LIMIT("max-header-bytes", "BYTES", 512, 65536, 8192,
	    "Largest handshake request; larger: 431"),
	[CHATROOM_MAX_QUEUE] =
	    LIMIT("max-queue", "BYTES", 4096, 268435456, 262144,
	    "Unsent bytes per connection; more: close 1008"),
	[CHATROOM_SEND_BUFFER] =
	    LIMIT("send-buffer", "BYTES", 0, 67108864, 0,
	    "Kernel send buffer per connection (SO_SNDBUF); 0: the kernel's"),
	[CHATROOM_HANDSHAKE_TIMEOUT] =
	    LIMIT("handshake-timeout", "SECONDS", 1, 3600, 10,
	    "Time to complete the opening handshake"),
	[CHATROOM_JOIN_TIMEOUT] =
	    LIMIT("join-timeout", "SECONDS", 1, 3600, 30,
	    "Time from handshake to create/join; then close 4003"),
	[CHATROOM_PING_INTERVAL] =
	    LIMIT("ping-interval", "SECONDS", 1, 3600, 20,
	    "Seconds between pings"),
	[CHATROOM_PONG_TIMEOUT] =
	    LIMIT("pong-timeout", "SECONDS", 1, 3600, 40,
	    "Close 1008 when no pong came for this long"),
	[CHATROOM_FLOOD_RATE] =
	    LIMIT("flood-rate", "N", 1, 100000, 5,
	    "Messages per second refilled into the flood bucket"),
	[CHATROOM_FLOOD_BURST] =
	    LIMIT("flood-burst", "N", 1, 100000, 20,
	    "Flood bucket size in messages"),
};

/* Listeners, epoll, signalfd, stdio. */
#define CHATROOM_SPARE_FDS	16

static char	**origins;

/* A count or size limit (no minimum is below 0). */
static size_t
config_size(enum chatroom_limit i)
{
	return (size_t)limit_get(limits, i);
}

/* A limit in seconds, in the milliseconds the relay's clock counts. */
static int64_t
config_ms(enum chatroom_limit i)
{
	return (int64_t)limit_get(limits, i) * 1000;
}

static void
config_from_options(struct relay_config *cfg)
{
	size_t	n = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_conns = config_size(CHATROOM_MAX_CONNS);
	cfg->max_per_ip = config_size(CHATROOM_MAX_PER_IP);
	cfg->max_handshakes = config_size(CHATROOM_MAX_HANDSHAKES);
	cfg->max_hs_per_ip = config_size(CHATROOM_MAX_HANDSHAKES_PER_IP);
	cfg->rooms.max_rooms = config_size(CHATROOM_MAX_ROOMS);
	cfg->rooms.max_members = config_size(CHATROOM_MAX_MEMBERS);
	cfg->max_message = config_size(CHATROOM_MAX_MESSAGE);
	cfg->max_header_bytes = config_size(CHATROOM_MAX_HEADER_BYTES);
	cfg->max_queue = config_size(CHATROOM_MAX_QUEUE);
	cfg->send_buffer = (int)limit_get(limits, CHATROOM_SEND_BUFFER);
	cfg->handshake_timeout_ms = config_ms(CHATROOM_HANDSHAKE_TIMEOUT);
	cfg->join_timeout_ms = config_ms(CHATROOM_JOIN_TIMEOUT);
	cfg->ping_interval_ms = config_ms(CHATROOM_PING_INTERVAL);
	cfg->pong_timeout_ms = config_ms(CHATROOM_PONG_TIMEOUT);
	cfg->flood_rate = limit_get(limits, CHATROOM_FLOOD_RATE);
	cfg->flood_burst = limit_get(limits, CHATROOM_FLOOD_BURST);
	while (origins != NULL && origins[n] != NULL)
		n++;
	cfg->hs.max_header_bytes = cfg->max_header_bytes;
	cfg->hs.origins = (const char *const *)(void *)origins;
	cfg->hs.norigins = n;
}

int
main(int argc, char *argv[])
{
	struct poptOption	 limit_rows[CHATROOM_NLIMITS + 1];
	struct poptOption	 table[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, net_popt_table, 0,
		  "Network:", NULL },
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, tls_popt_table, 0,
		  "TLS:", NULL },
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
	opts_limit_rows(limit_rows, limits, CHATROOM_NLIMITS);
	ctx = poptGetContext("chatroom", argc, (const char **)(void *)argv,
	    table, 0);
	opts_parse(ctx, limits, CHATROOM_NLIMITS, "chatroom");
	config_from_options(&cfg);
	if (tls_opts_check() == -1)
		exit(2);
	if (tls_enabled() && tls_init() == -1)
		exit(1);

	n = net_listen(lis, NET_MAX_LISTEN, &net_opts, net_opts.chatport);
	want = cfg.max_conns + cfg.max_handshakes + CHATROOM_SPARE_FDS;
	if ((have = net_raise_nofile(want)) < want)
		log_warnx("only %zu file descriptors: fewer than "
		    "--max-conns connections will fit (raise ulimit -n to "
		    "%zu)", have, want);
	/* ICU's data is mapped from libicudata: no file to open later. */
	if (alias_init() == -1)
		fatalx("ICU spoof checker could not be opened");
	harden_process();
	if (server_init(&srv, &cfg, lis, n) == -1)
		fatal("server_init");
	for (i = 0; i < n; i++)
		log_banner("%s relay listening on %s://%s/", SANCTUARY_VERSION,
		    tls_enabled() ? "wss" : "ws", lis[i].name);
	server_run(&srv);
	server_release(&srv);
	alias_release();
	tls_release();
	poptFreeContext(ctx);
	return 0;
}
