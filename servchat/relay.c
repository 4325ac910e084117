/*
 * relay.c: validation of --relay. The URL ends up in a response header (CSP)
 * and in JSON (/api/config), so only a conservative subset of URLs passes.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/opts.h"
#include "relay.h"

#define RELAY_HOST_MAX	253
#define RELAY_LABEL_MAX	63

/* 1 if host[0..len) is a DNS name (LDH labels) or dotted IPv4 address. */
static int
relay_host_ok(const char *host, size_t len)
{
	size_t	i, label = 0;

	if (len == 0 || len > RELAY_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (host[i] == '.') {
			if (label == 0 || host[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)host[i]) ||
		    (host[i] == '-' && label > 0)) {
			if (++label > RELAY_LABEL_MAX)
				return 0;
		} else
			return 0;
	}
	return label > 0 && host[len - 1] != '-';
}

/* 1 if s is RFC 3986 path and query text: pchar, '/', '?', %HH. */
static int
relay_rest_ok(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]))
				return 0;
			s += 2;
		} else if (!isalnum((unsigned char)*s) &&
		    strchr("-._~!$&'()*+,;=:@/?", *s) == NULL)
			return 0;
	}
	return 1;
}

/* The port between colon and end; 0 if there is no colon; -1 if bad. */
static long
relay_port(const char *colon, const char *end)
{
	char	digits[8];
	long	port;
	size_t	n;

	if (colon == NULL)
		return 0;
	n = (size_t)(end - colon - 1);
	if (n >= sizeof(digits))
		return -1;
	memcpy(digits, colon + 1, n);
	digits[n] = '\0';
	return opts_parse_long(&port, digits, 1, 65535) == 0 ? port : -1;
}

/* The origin as a browser serializes it: lower case, no default port. */
static void
relay_origin(struct relay *r, int secure, const char *host, size_t hostlen,
    long port)
{
	size_t	i, n;

	n = (size_t)snprintf(r->origin, sizeof(r->origin), "%s://%.*s",
	    secure ? "wss" : "ws", (int)hostlen, host);
	for (i = 0; i < n; i++)
		r->origin[i] = (char)tolower((unsigned char)r->origin[i]);
	if (port != 0 && port != (secure ? 443 : 80))
		snprintf(r->origin + n, sizeof(r->origin) - n, ":%ld", port);
}

int
relay_parse(struct relay *r, const char *url, const char **why)
{
	const char	*host, *end, *colon;
	size_t		 hostlen;
	long		 port;
	int		 secure;

	*why = "too long";
	if (strlen(url) > RELAY_URL_MAX)
		return -1;
	*why = "want ws:// or wss://";
	secure = strncasecmp(url, "wss://", 6) == 0;
	if (!secure && strncasecmp(url, "ws://", 5) != 0)
		return -1;
	host = url + (secure ? 6 : 5);
	end = host + strcspn(host, "/?#");
	*why = "IPv6 literals cannot appear in a CSP: use a host name";
	if (*host == '[')
		return -1;
	*why = "userinfo not allowed";
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return -1;
	colon = memchr(host, ':', (size_t)(end - host));
	hostlen = (size_t)((colon != NULL ? colon : end) - host);
	*why = "bad host name";
	if (!relay_host_ok(host, hostlen))
		return -1;
	*why = "bad port (1-65535)";
	if ((port = relay_port(colon, end)) == -1)
		return -1;
	*why = "fragment, or characters outside RFC 3986 in path or query";
	if (!relay_rest_ok(end))	/* '#' is not among them */
		return -1;
	relay_origin(r, secure, host, hostlen, port);
	snprintf(r->url, sizeof(r->url), "%s", url);
	return 0;
}
