/* lan.c: the URLs of this host's listeners, as the startup banner shows. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>

#include "lan.h"
#include "log.h"
#include "net.h"

static int
lan_is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
	    htonl(INADDR_ANY);
}

/* Link-local IPv6 needs a zone id, which a URL cannot carry usefully. */
static int
lan_is_linklocal(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(
	    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

static int
lan_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return (ntohl(((const struct sockaddr_in *)
	    (const void *)sa)->sin_addr.s_addr) >> 24) == 127;
}

static const char *
lan_scheme(const struct lan *best)
{
	return best->scheme != NULL ? best->scheme : "http";
}

/* A phone on the LAN cannot reach loopback; IPv4 is the likelier to work. */
static void
lan_remember(struct lan *best, const struct sockaddr *sa, const char *name)
{
	if (lan_is_loopback(sa) || (best->url[0] != '\0' &&
	    (best->family == AF_INET || sa->sa_family != AF_INET)))
		return;
	snprintf(best->url, sizeof(best->url), "%s://%s/", lan_scheme(best),
	    name);
	best->family = sa->sa_family;
}

/* The lines for a wildcard socket: how many were printed. */
static int
lan_banner_any(struct lan *best, int family, unsigned port)
{
	struct ifaddrs	*ifa, *i;
	char		 name[INET6_ADDRSTRLEN + 16];
	int		 shown = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
		    lan_is_linklocal(i->ifa_addr))
			continue;
		net_addr_format(name, sizeof(name), i->ifa_addr, port);
		log_banner("%s://%s/", lan_scheme(best), name);
		lan_remember(best, i->ifa_addr, name);
		shown++;
	}
	freeifaddrs(ifa);
	return shown;
}

int
lan_banner(struct lan *best, int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	unsigned		 port;
	char			 name[INET6_ADDRSTRLEN + 16];
	int			 any;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	any = lan_is_any(&ss);
	if (any && lan_banner_any(best, ss.ss_family, port) > 0)
		return 0;
	/* Its own address; for a wildcard one, only if none could be listed. */
	net_addr_format(name, sizeof(name), (struct sockaddr *)&ss, port);
	log_banner("%s://%s/", lan_scheme(best), name);
	if (!any)
		lan_remember(best, (struct sockaddr *)&ss, name);
	return 0;
}
