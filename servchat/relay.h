/* relay.h: the --relay URL: a WebSocket relay reachable at another origin. */
#ifndef SERVCHAT_RELAY_H
#define SERVCHAT_RELAY_H

#define RELAY_URL_MAX	256

struct relay {
	char	url[RELAY_URL_MAX + 1];		/* as given, validated */
	char	origin[RELAY_URL_MAX + 1];	/* "wss://example.org[:port]" */
};

/*
 * Validates url as ws:// or wss:// HOST [:PORT] [/path] [?query]: HOST a DNS
 * name or dotted IPv4 address (CSP cannot name IPv6 literals), no userinfo,
 * no fragment, path and query of RFC 3986 characters only (so the URL can be
 * put in JSON and a header unescaped). Fills r; on error returns -1 and sets
 * *why to a static reason.
 */
int	relay_parse(struct relay *r, const char *url, const char **why);

#endif
