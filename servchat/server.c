/*
 * server.c: libmicrohttpd daemons with every limit set (its defaults have no
 * idle timeout and no per-address limit) and every output silenced.
 *
 * MHD counts connections per exact address; an IPv6 client owns a whole /64,
 * so the accept policy also counts per net_peer_key(). The count table is
 * per daemon and touched only from that daemon's single polling thread (the
 * accept policy and the connection notifications both run there), so it
 * needs no lock.
 */
#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <microhttpd.h>

#include "common/net.h"
#include "common/peers.h"
#include "routes.h"
#include "server.h"

static uint64_t
peer_key(const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len < sizeof(ss) ? len : sizeof(ss));
	return net_peer_key(&ss);
}

static enum MHD_Result
server_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct server	*s = cls;

	return peers_count(s->peers, peer_key(sa, len)) >= s->per_ip ?
	    MHD_NO : MHD_YES;
}

/*
 * Counted at start and close, the two events MHD pairs for a connection.
 * server_accept() is the gate, so a start always counts (no max here); on
 * ENOMEM it goes uncounted and that key's cap is loose by one, never tight.
 */
static void
server_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct server			*s = cls;
	const union MHD_ConnectionInfo	*ci;
	uint64_t			 key;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	key = peer_key(ci->client_addr, ci->client_addr->sa_family ==
	    AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in));
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		(void)peers_add(s->peers, key, SIZE_MAX);
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		peers_del(s->peers, key);
}

/* Zero logging: MHD's messages may carry URLs and addresses. */
static void
server_log_discard(void *cls, const char *fmt, va_list ap)
{
}

/*
 * Leaves the URL undecoded: "%2e%2e" stays as is and fails the path check,
 * and "%00" cannot cut a path short.
 */
static size_t
server_unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

int
server_start(struct server *s, int fd, const struct server_limits *lim)
{
	memset(s, 0, sizeof(*s));
	s->per_ip = lim->per_ip;
	if ((s->peers = peers_new()) == NULL)
		return -1;
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD, 0,
	    server_accept, s, routes_handle, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout,
	    MHD_OPTION_CONNECTION_LIMIT, lim->max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, lim->memory,
	    MHD_OPTION_EXTERNAL_LOGGER, server_log_discard, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, server_unescape_none, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, server_notify, s,
	    MHD_OPTION_URI_LOG_CALLBACK, routes_uri_seen, NULL,
	    MHD_OPTION_END);
	return s->daemon != NULL ? 0 : -1;
}

void
server_stop(struct server *s)
{
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	peers_free(s->peers);
	s->peers = NULL;
}
