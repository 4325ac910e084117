/*
 * net.h: listening sockets per address family, and peer addresses as hash
 * keys.
 */
#ifndef COMMON_NET_H
#define COMMON_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "opts.h"

#define NET_MAX_LISTEN	4

struct listener {
	int			 fd;
	int			 family;	/* AF_INET or AF_INET6 */
	char			 name[64];	/* host:port, "[::1]:9696" */
};

/*
 * Opens non-blocking listening sockets for port following mode and bind
 * (NULL: any address). Dual stack: one socket per family, IPv6 with
 * IPV6_V6ONLY; a host without IPv6 carries on with IPv4 and says so once.
 * Returns the number opened (>= 1) or calls fatal.
 */
int	net_listen(struct listener *out, size_t max, const struct net_opts *,
	    long port);
/* "127.0.0.1:6969" or "[::1]:6969": the host of sa with port. */
void	net_addr_format(char *out, size_t size, const struct sockaddr *sa,
	    unsigned port);
/*
 * The per-IP accounting key of a peer: the IPv4 address, or the /64 prefix of
 * an IPv6 address (IPv4-mapped IPv6 counts as IPv4).
 */
uint64_t net_peer_key(const struct sockaddr_storage *);

/*
 * Raises the soft RLIMIT_NOFILE towards want (never past the hard limit).
 * Returns the limit now in force.
 */
size_t	net_raise_nofile(size_t want);

#endif
