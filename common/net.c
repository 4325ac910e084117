/* net.c: listening sockets, one per address family, and per-peer keys. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

#define NET_BACKLOG	511

static unsigned
net_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

void
net_addr_format(char *out, size_t size, const struct sockaddr *sa,
    unsigned port)
{
	char	host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, port);
	}
}

/* Opens one listener; -1 with errno set if the family is not available. */
static int
net_listen_one(struct listener *l, const struct sockaddr *sa, socklen_t salen)
{
	int	fd, on = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1) ||
	    bind(fd, sa, salen) == -1 || listen(fd, NET_BACKLOG) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	l->fd = fd;
	l->family = sa->sa_family;
	net_addr_format(l->name, sizeof(l->name), sa, net_port(sa));
	return 0;
}

static int
net_family_missing(int err)
{
	return err == EAFNOSUPPORT || err == EADDRNOTAVAIL ||
	    err == EPROTONOSUPPORT;
}

static int
net_listen_bind(struct listener *out, const struct net_opts *o, long port)
{
	struct addrinfo	 hints, *res;
	char		 portstr[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = o->af == AF_MODE_V4 ? AF_INET :
	    o->af == AF_MODE_V6 ? AF_INET6 : AF_UNSPEC;
	snprintf(portstr, sizeof(portstr), "%ld", port);
	if ((rc = getaddrinfo(o->bind, portstr, &hints, &res)) != 0)
		fatalx("--bind %s: %s", o->bind, rc == EAI_ADDRFAMILY ||
		    rc == EAI_NONAME ? "not a numeric address of the chosen "
		    "family" : gai_strerror(rc));
	if (net_listen_one(out, res->ai_addr, res->ai_addrlen) == -1)
		fatal("listen on %s port %ld", o->bind, port);
	freeaddrinfo(res);
	return 1;
}

int
net_listen(struct listener *out, size_t max, const struct net_opts *o,
    long port)
{
	struct sockaddr_in	 s4;
	struct sockaddr_in6	 s6;
	int			 n = 0;

	if (max < 2)
		fatalx("internal: net_listen needs room for two listeners");
	if (o->bind != NULL)
		return net_listen_bind(out, o, port);
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_any;
	s6.sin6_port = htons((uint16_t)port);
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(INADDR_ANY);
	s4.sin_port = htons((uint16_t)port);

	if (o->af != AF_MODE_V4) {
		if (net_listen_one(&out[n], (struct sockaddr *)&s6,
		    sizeof(s6)) == 0)
			n++;
		else if (o->af == AF_MODE_V6)
			fatal("IPv6 listener on port %ld", port);
		else if (net_family_missing(errno))
			log_warnx("no IPv6 on this host: listening on IPv4 "
			    "only");
		else
			fatal("IPv6 listener on port %ld", port);
	}
	if (o->af != AF_MODE_V6) {
		if (net_listen_one(&out[n], (struct sockaddr *)&s4,
		    sizeof(s4)) == -1)
			fatal("IPv4 listener on port %ld", port);
		n++;
	}
	return n;
}

uint64_t
net_peer_key(const struct sockaddr_storage *ss)
{
	const unsigned char	*a;
	uint64_t		 key = 0;
	int			 i;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		a = s6->sin6_addr.s6_addr;
		if (!IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			for (i = 0; i < 8; i++)	/* the /64 prefix */
				key = key << 8 | a[i];
			return key;
		}
		a += 12;
	} else
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)ss)->sin_addr.s_addr;
	/* IPv4 lives in 0:ffff::/32, a prefix no routed IPv6 /64 uses. */
	key = UINT64_C(0x0000ffff) << 32;
	for (i = 0; i < 4; i++)
		key |= (uint64_t)a[i] << (24 - 8 * i);
	return key;
}

size_t
net_raise_nofile(size_t want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? want : rl.rlim_cur;
}
