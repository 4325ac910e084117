/*
 * server.c: libmicrohttpd daemons with every limit set (its defaults have no
 * idle timeout and no per-address limit) and every output silenced.
 *
 * MHD counts connections per exact address; an IPv6 client owns a whole /64,
 * so the accept policy also counts per net_peer_key(). The count table is
 * per daemon and touched only from that daemon's single polling thread (the
 * accept policy and the connection notifications both run there), so it
 * needs no lock; so is the list of connections and their deadlines.
 *
 * The request deadline: a connection gets --request-timeout from its start,
 * or from its last answer, to deliver a whole request head. Once the head is
 * in, the answer may take as long as the client's link needs. A connection
 * past its deadline is shut down by the polling thread between two polls;
 * MHD then reads its end and closes it (it has no call to close one), and
 * since that happens in the same thread, the descriptor cannot have been
 * reused by then.
 *
 * With TLS the deadline starts before the handshake (MHD notifies a start
 * at accept), so a client stalling mid-handshake is shut down the same way.
 * The certificate is asked of tls_retrieve() at each handshake, never set
 * once, so that a SIGHUP swaps it for new connections.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "common/net.h"
#include "common/peers.h"
#include "common/tls.h"
#include "routes.h"
#include "server.h"

/* How often, at most, deadlines are looked at: their resolution. */
#define SERVER_SWEEP_MS		250

struct server_conn {
	int64_t			 deadline;	/* ms; 0: none (answering) */
	MHD_socket		 fd;		/* not owned: MHD closes it */
	struct server_conn	*prev, *next;
};

static int64_t
server_clock(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
 * A started connection gets its request deadline. The struct is the
 * connection's socket context, freed here at the close. Without memory the
 * connection goes untimed (only --http-timeout ends it).
 */
static void
server_conn_track(struct server *s, struct MHD_Connection *c, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo	*ci;
	struct server_conn		*sc = *ctx;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (sc == NULL)
			return;
		if (sc->prev != NULL)
			sc->prev->next = sc->next;
		else
			s->conns = sc->next;
		if (sc->next != NULL)
			sc->next->prev = sc->prev;
		free(sc);
		*ctx = NULL;
		return;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL || (sc = calloc(1, sizeof(*sc))) == NULL)
		return;
	sc->fd = ci->connect_fd;
	sc->deadline = server_clock() + s->request_ms;
	if ((sc->next = s->conns) != NULL)
		sc->next->prev = sc;
	s->conns = sc;
	*ctx = sc;
}

static struct server_conn *
server_conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo	*ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* The head is in: no deadline while the answer goes out. */
static enum MHD_Result
server_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct server_conn	*sc;

	if ((sc = server_conn_of(c)) != NULL)
		sc->deadline = 0;
	return routes_handle(cls, c, url, method, version, upload_data,
	    upload_data_size, req_cls);
}

/* Answered: the next request on this connection has its own deadline. */
static void
server_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server		*s = cls;
	struct server_conn	*sc;

	if ((sc = server_conn_of(c)) != NULL)
		sc->deadline = server_clock() + s->request_ms;
}

static void
server_sweep(struct server *s)
{
	struct server_conn	*sc;
	int64_t			 now = server_clock();

	for (sc = s->conns; sc != NULL; sc = sc->next)
		if (sc->deadline != 0 && now >= sc->deadline) {
			(void)shutdown(sc->fd, SHUT_RDWR);
			sc->deadline = 0;
		}
}

static void *
server_run(void *arg)
{
	struct server	*s = arg;

	while (!atomic_load(&s->stopping)) {
		(void)MHD_run_wait(s->daemon, SERVER_SWEEP_MS);
		server_sweep(s);
	}
	return NULL;
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

	server_conn_track(s, c, socket_context, code);
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

/*
 * The TLS options, or none: an array so that one MHD_start_daemon() call
 * serves both cases. POSIX lets a function pointer travel as a void *.
 */
static unsigned int
server_tls_options(struct MHD_OptionItem *o)
{
	memset(o, 0, 3 * sizeof(*o));
	o[0].option = o[1].option = o[2].option = MHD_OPTION_END;
	if (!tls_enabled())
		return 0;
	o[0].option = MHD_OPTION_HTTPS_CERT_CALLBACK;
	o[0].ptr_value = (void *)tls_retrieve;
	o[1].option = MHD_OPTION_HTTPS_PRIORITIES;
	o[1].ptr_value = (void *)(uintptr_t)tls_priority_string();
	return MHD_USE_TLS;
}

int
server_start(struct server *s, int fd, const struct server_limits *lim)
{
	struct MHD_OptionItem	tlso[3];
	unsigned int		flags;

	memset(s, 0, sizeof(*s));
	s->per_ip = lim->per_ip;
	s->request_ms = (int64_t)lim->request_timeout * 1000;
	atomic_init(&s->stopping, 0);
	if ((s->peers = peers_new()) == NULL)
		return -1;
	flags = MHD_USE_EPOLL | server_tls_options(tlso);
	s->daemon = MHD_start_daemon(flags, 0,
	    server_accept, s, server_handle, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, lim->timeout,
	    MHD_OPTION_CONNECTION_LIMIT, lim->max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, lim->per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, lim->memory,
	    MHD_OPTION_EXTERNAL_LOGGER, server_log_discard, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, server_unescape_none, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, server_notify, s,
	    MHD_OPTION_NOTIFY_COMPLETED, server_completed, s,
	    MHD_OPTION_URI_LOG_CALLBACK, routes_uri_seen, NULL,
	    MHD_OPTION_ARRAY, tlso,
	    MHD_OPTION_END);
	if (s->daemon == NULL ||
	    pthread_create(&s->thread, NULL, server_run, s) != 0)
		return -1;
	s->has_thread = 1;
	return 0;
}

void
server_stop(struct server *s)
{
	if (s->has_thread) {
		atomic_store(&s->stopping, 1);
		pthread_join(s->thread, NULL);
		s->has_thread = 0;
	}
	/* The thread is gone: the notifications now run in this one. */
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	peers_free(s->peers);
	s->peers = NULL;
}
