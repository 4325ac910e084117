/*
 * lan.h: the startup banner of the addresses other devices on the network
 * can open, and the one a phone should open (servchat's --qr).
 */
#ifndef COMMON_LAN_H
#define COMMON_LAN_H

#include <netinet/in.h>

struct lan {
	char	url[INET6_ADDRSTRLEN + 32];	/* "" until one is seen */
	int	family;				/* of url */
	const char *scheme;			/* "https"; NULL: "http" */
};

/*
 * Prints (log_banner) "http://ADDR:PORT/" (scheme instead of http if set)
 * for the listening socket fd: its own address, or for a wildcard socket
 * each address this host has in that family but link-local ones. Keeps in
 * best the first address that is not loopback, an IPv4 one before any IPv6
 * one: call it for each listener with the same best, zeroed first. 0, or -1
 * with errno if getsockname() failed.
 */
int	lan_banner(struct lan *best, int fd);

#endif
