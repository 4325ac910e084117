/*
 * wsscan.h: follows frame boundaries in the bytes handed to wslay, so that a
 * control frame is always handed over whole. wslay 1.1.1 checks a close
 * reason's UTF-8 per read, skipping two bytes of every piece: a reason split
 * across reads is judged wrongly. Control frames are at most 131 bytes.
 */
#ifndef CHATROOM_WSSCAN_H
#define CHATROOM_WSSCAN_H

#include <stddef.h>
#include <stdint.h>

#define WSSCAN_HOLD_MAX	(2 + 4 + 125)	/* a whole valid control frame */

struct wsscan {
	uint8_t		hdr[14];
	size_t		hlen, need;
	uint64_t	left;		/* payload bytes of the current frame */
	int		in_payload;
	int		in_msg;		/* a fragmented data message goes on */
};

/*
 * Scans p[0..n), which follows what was scanned before. Returns how many bytes
 * may be handed on: n, or the offset where an unfinished, valid-sized control
 * frame starts (the caller keeps p[ret..n) and gives it again with more).
 */
size_t	wsscan_ready(struct wsscan *, const uint8_t *p, size_t n);
/*
 * Everything scanned was whole frames and no message is half sent: a parser
 * that consumed it all is back where it began.
 */
int	wsscan_at_rest(const struct wsscan *);

#endif
