/*
 * transport.h: the byte stream under a connection. Everything the relay reads
 * from or writes to a peer goes through here, so a transport that encrypts
 * (TLS) plugs in with its own ops and no other file knows. The plain TCP
 * socket is the only implementation today.
 *
 * The contract, for every implementation:
 * - read() returns > 0 bytes, 0 at the peer's orderly end, TRANSPORT_AGAIN
 *   when nothing can be read now (wait for the fd to be readable), or
 *   TRANSPORT_FAIL: the stream is broken, close it.
 * - writev() writes a prefix of the vector: > 0 bytes, TRANSPORT_AGAIN when
 *   nothing fits now, or TRANSPORT_FAIL. After TRANSPORT_AGAIN or a short
 *   write the caller offers the unwritten bytes again, in place and first
 *   (outq.c keeps them where they are): a TLS record half sent must be
 *   finished with the same data.
 * - pending() counts bytes already here to be read: the kernel's, and those a
 *   TLS session decrypted but read() has not yet returned. epoll never
 *   signals the latter again: a TLS transport's owner serves them from the
 *   before-sleep hook.
 * - shutdown() says our last word (TCP FIN; TLS close_notify first) and keeps
 *   reading possible. 0, or -1: the stream is broken.
 * - rest() gives back what an idle stream need not hold (TLS record buffers);
 *   called when its conn has read whole frames and has nothing queued.
 * - close() releases everything and closes the fd; a second call is a no-op.
 * A TLS handshake runs inside read() and writev(), which answer
 * TRANSPORT_AGAIN until it is done; the conn's handshake deadline covers it.
 * The epoll interest it then needs (a read that must write first) is the one
 * hook TLS adds, want_write(): TCP never needs it.
 */
#ifndef CHATROOM_TRANSPORT_H
#define CHATROOM_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define TRANSPORT_AGAIN	(-1)
#define TRANSPORT_FAIL	(-2)

struct transport;

struct transport_ops {
	ssize_t	(*read)(struct transport *, void *buf, size_t len);
	ssize_t	(*writev)(struct transport *, struct iovec *, int n);
	size_t	(*pending)(const struct transport *);
	int	(*shutdown)(struct transport *);
	void	(*rest)(struct transport *);
	void	(*close)(struct transport *);
	/* TLS: the handshake waits to write (NULL: never). */
	int	(*want_write)(const struct transport *);
};

struct transport {
	const struct transport_ops	*ops;
	int				 fd;	/* owned; -1 once closed */
	void				*impl;	/* the ops' state, or NULL */
};

/* Takes fd (a non-blocking stream socket): transport_close() closes it. */
void	transport_tcp_init(struct transport *, int fd);
/* As tcp_init, with a TLS server session (chatroom/tls.c); -1: fd not taken. */
int	transport_tls_init(struct transport *, int fd);
/* Bytes a TLS session decrypted that read() has not returned; 0 for TCP. */
size_t	transport_tls_held(const struct transport *);

ssize_t	transport_read(struct transport *, void *buf, size_t len);
ssize_t	transport_writev(struct transport *, struct iovec *, int n);
/* All of p[0..len) (only read) at once, or -1: a short HTTP answer. */
int	transport_write_all(struct transport *, void *p, size_t len);
size_t	transport_pending(const struct transport *);
int	transport_shutdown(struct transport *);
void	transport_rest(struct transport *);
void	transport_close(struct transport *);
/* Nonzero while a TLS handshake waits on the fd being writable. */
int	transport_want_write(const struct transport *);

#endif
