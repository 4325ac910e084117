/* config.h: the relay's limits and timeouts, as main.c read them. */
#ifndef CHATROOM_CONFIG_H
#define CHATROOM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "handshake.h"
#include "room.h"

struct relay_config {
	size_t			max_conns, max_per_ip, max_handshakes;
	size_t			max_hs_per_ip;
	size_t			max_message, max_header_bytes, max_queue;
	int			send_buffer;	/* SO_SNDBUF */
	int64_t			handshake_timeout_ms, join_timeout_ms;
	int64_t			ping_interval_ms, pong_timeout_ms;
	long			flood_rate, flood_burst; /* msgs/s, msgs */
	struct hs_config	hs;
	struct room_limits	rooms;
};

#endif
