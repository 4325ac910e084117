/*
 * headers.c: one table of security headers. The page needs nothing from
 * other origins except the relay's WebSocket, so everything else is 'none'.
 * Over TLS the relay is wss only (a page served over https may not open
 * ws:) and Strict-Transport-Security keeps the browser on https.
 */
#include <stdio.h>

#include <microhttpd.h>

#include "headers.h"

#define HEADERS_CSP_MAX	512

/* A year, the least the preload list asks; no includeSubDomains: the
 * operator's other names may still be served over plain http. */
#define HEADERS_HSTS	"max-age=31536000"

static char	csp[HEADERS_CSP_MAX];
static int	hsts;

static const struct {
	const char	*name;
	const char	*value;		/* NULL: the CSP built at startup */
} headers[] = {
	{ "Content-Security-Policy",		NULL },
	{ "X-Content-Type-Options",		"nosniff" },
	{ "Referrer-Policy",			"no-referrer" },
	{ "Cross-Origin-Opener-Policy",		"same-origin" },
	{ "Cross-Origin-Resource-Policy",	"same-origin" },
	{ "X-Frame-Options",			"DENY" },
	/* The client copies invite links: clipboard for itself only. */
	{ "Permissions-Policy",			"camera=(), microphone=(), "
	    "geolocation=(), interest-cohort=(), clipboard-write=(self)" },
};

void
headers_init(long chatport, const char *relay_origin, int tls)
{
	char	connect[HEADERS_CSP_MAX / 2];

	hsts = tls;
	if (relay_origin != NULL)
		snprintf(connect, sizeof(connect), "'self' %s", relay_origin);
	else if (tls)
		snprintf(connect, sizeof(connect), "'self' wss://*:%ld",
		    chatport);
	else
		snprintf(connect, sizeof(connect),
		    "'self' ws://*:%ld wss://*:%ld", chatport, chatport);
	snprintf(csp, sizeof(csp), "default-src 'none'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data: blob:; connect-src %s; "
	    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	    connect);
}

int
headers_add(struct MHD_Response *r, enum headers_cache cache)
{
	size_t	i;

	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (MHD_add_response_header(r, headers[i].name,
		    headers[i].value != NULL ? headers[i].value : csp) !=
		    MHD_YES)
			return -1;
	if (hsts && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_STRICT_TRANSPORT_SECURITY, HEADERS_HSTS) != MHD_YES)
		return -1;
	if (MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
	    cache == HEADERS_NO_STORE ? "no-store" : "no-cache") != MHD_YES)
		return -1;
	return 0;
}
