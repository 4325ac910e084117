/*
 * qr.c: a QR code of the page's address for a phone to scan, drawn with
 * half blocks so one text line holds two module rows. Light modules are drawn
 * as blocks: on the usual dark terminal that gives dark-on-light, as scanners
 * expect.
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "common/log.h"
#include "qr.h"

#define QR_QUIET	2	/* modules of margin */

/* 1 if the module at (x, y) is dark; the margin is light. */
static int
qr_dark(const QRcode *qr, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[y * qr->width + x] & 1;
}

int
qr_print(const char *url)
{
	static const char *const cell[4] = {
		"\xe2\x96\x88",		/* both light: full block */
		"\xe2\x96\x84",		/* top dark: lower half */
		"\xe2\x96\x80",		/* bottom dark: upper half */
		" ",			/* both dark */
	};
	QRcode	*qr;
	char	*line;
	size_t	 cap;
	int	 x, y, side;

	if ((qr = QRcode_encodeString(url, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) ==
	    NULL)
		return -1;
	side = qr->width + 2 * QR_QUIET;
	cap = (size_t)side * 3 + 1;
	if ((line = malloc(cap)) == NULL) {
		QRcode_free(qr);
		return -1;
	}
	for (y = 0; y < side; y += 2) {
		size_t off = 0;

		for (x = 0; x < side; x++) {
			const char *c = cell[qr_dark(qr, x, y) |
			    qr_dark(qr, x, y + 1) << 1];
			size_t n = strlen(c);

			memcpy(line + off, c, n);
			off += n;
		}
		line[off] = '\0';
		log_text(line);
	}
	free(line);
	QRcode_free(qr);
	return 0;
}
