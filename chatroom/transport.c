/* transport.c: the seam every peer byte crosses, and plain TCP behind it. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport.h"

static ssize_t
tcp_read(struct transport *t, void *buf, size_t len)
{
	ssize_t	n = recv(t->fd, buf, len, 0);

	if (n >= 0)
		return n;
	/* A signal is as good as would-block: the loop comes back. */
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return TRANSPORT_AGAIN;
	return TRANSPORT_FAIL;
}

static ssize_t
tcp_writev(struct transport *t, struct iovec *iov, int n)
{
	struct msghdr	mh;
	ssize_t		w;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	do
		w = sendmsg(t->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w == -1 && errno == EINTR);
	if (w >= 0)
		return w;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return TRANSPORT_AGAIN;
	return TRANSPORT_FAIL;
}

static size_t
tcp_pending(const struct transport *t)
{
	int	n = 0;

	if (ioctl(t->fd, FIONREAD, &n) == -1 || n < 0)
		return 0;
	return (size_t)n;
}

static int
tcp_shutdown(struct transport *t)
{
	return shutdown(t->fd, SHUT_WR);
}

/* A socket holds nothing of ours to give back. */
static void
tcp_rest(struct transport *t)
{
	(void)t;
}

static void
tcp_close(struct transport *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops tcp_ops = {
	.read = tcp_read,
	.writev = tcp_writev,
	.pending = tcp_pending,
	.shutdown = tcp_shutdown,
	.rest = tcp_rest,
	.close = tcp_close,
};

void
transport_tcp_init(struct transport *t, int fd)
{
	t->ops = &tcp_ops;
	t->fd = fd;
	t->impl = NULL;
}

ssize_t
transport_read(struct transport *t, void *buf, size_t len)
{
	return t->ops->read(t, buf, len);
}

ssize_t
transport_writev(struct transport *t, struct iovec *iov, int n)
{
	return t->ops->writev(t, iov, n);
}

int
transport_write_all(struct transport *t, void *p, size_t len)
{
	struct iovec	iov = { .iov_base = p, .iov_len = len };

	return transport_writev(t, &iov, 1) == (ssize_t)len ? 0 : -1;
}

size_t
transport_pending(const struct transport *t)
{
	return t->ops->pending(t);
}

int
transport_shutdown(struct transport *t)
{
	return t->ops->shutdown(t);
}

void
transport_rest(struct transport *t)
{
	t->ops->rest(t);
}

void
transport_close(struct transport *t)
{
	if (t->ops != NULL)
		t->ops->close(t);
}

int
transport_want_write(const struct transport *t)
{
	return t->ops->want_write != NULL && t->ops->want_write(t);
}
