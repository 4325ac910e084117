/* wsscan.c: frame boundaries of a client's byte stream (see wsscan.h). */
#include <string.h>

#include "wsscan.h"

static void
wsscan_header_done(struct wsscan *s)
{
	uint8_t		len7 = s->hdr[1] & 0x7f;
	uint64_t	len = len7;
	size_t		i;

	if (len7 == 126)
		len = (uint64_t)s->hdr[2] << 8 | s->hdr[3];
	else if (len7 == 127)
		for (len = 0, i = 2; i < 10; i++)
			len = len << 8 | s->hdr[i];
	s->left = len;
	s->in_payload = 1;
	if ((s->hdr[0] & 0x08) == 0)	/* data: FIN ends the message */
		s->in_msg = (s->hdr[0] & 0x80) == 0;
}

/* Back at a frame boundary; a fragmented message may still go on. */
static void
wsscan_reset(struct wsscan *s)
{
	int	in_msg = s->in_msg;

	memset(s, 0, sizeof(*s));
	s->in_msg = in_msg;
}

/* Inside a control frame that wslay would accept, not yet complete. */
static int
wsscan_in_small_control(const struct wsscan *s)
{
	if (s->hlen == 0 || (s->hdr[0] & 0x08) == 0)
		return 0;
	return s->hlen < 2 || (s->hdr[1] & 0x7f) <= 125;
}

size_t
wsscan_ready(struct wsscan *s, const uint8_t *p, size_t n)
{
	size_t	i = 0, start = 0;
	int	started = 0;		/* a frame began in p */

	while (i < n) {
		if (s->in_payload) {
			uint64_t take = s->left < n - i ? s->left : n - i;

			i += (size_t)take;
			s->left -= take;
		} else {
			if (s->hlen == 0) {
				start = i;
				started = 1;
			}
			s->hdr[s->hlen++] = p[i++];
			if (s->hlen == 2)
				s->need = 2 + ((s->hdr[1] & 0x7f) == 126 ? 2 :
				    (s->hdr[1] & 0x7f) == 127 ? 8 : 0) +
				    ((s->hdr[1] & 0x80) ? 4 : 0);
			if (s->hlen >= 2 && s->hlen == s->need)
				wsscan_header_done(s);
		}
		if (s->in_payload && s->left == 0)
			wsscan_reset(s);
	}
	if (!started || !wsscan_in_small_control(s))
		return n;
	wsscan_reset(s);	/* start is a frame boundary */
	return start;
}

int
wsscan_at_rest(const struct wsscan *s)
{
	return s->hlen == 0 && !s->in_payload && !s->in_msg;
}
