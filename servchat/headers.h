/*
 * headers.h: the security headers every response carries (pages, assets,
 * API, 304, 404 and 405 alike), built once at startup.
 */
#ifndef SERVCHAT_HEADERS_H
#define SERVCHAT_HEADERS_H

struct MHD_Response;

enum headers_cache {
	HEADERS_NO_STORE,	/* HTML, the API, errors */
	HEADERS_NO_CACHE	/* other assets: revalidate by ETag */
};

/*
 * Builds the Content-Security-Policy. connect-src allows the relay at
 * relay_origin ("wss://example.org"), or with NULL any host on chatport
 * (CSP cannot name IPv6 literals, and the page may be reached by any name):
 * ws: and wss:, or with tls wss: only, and then Strict-Transport-Security.
 */
void	headers_init(long chatport, const char *relay_origin, int tls);
/* Adds the security set and Cache-Control to r. 0, or -1 if out of memory. */
int	headers_add(struct MHD_Response *r, enum headers_cache);

#endif
