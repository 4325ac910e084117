/*
 * routes.c: the request handler. Every fixed response (each asset's 200 and
 * 304, the 400, 404 and 405, /api/config) is built once by routes_init() and
 * queued as often as needed; only /api/key (and assets in --static-dir mode)
 * make a response per request. Request URLs arrive undecoded (see server.c),
 * so they are compared byte for byte against the asset table.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "common/key.h"
#include "assets.h"
#include "headers.h"
#include "relay.h"
#include "routes.h"
#include "rules.h"

#define ROUTES_CONFIG_MAX	(RELAY_URL_MAX + 64)
#define ROUTES_KEY_JSON		48	/* {"key":"<22 chars>"} and NUL */
#define ROUTES_DISK_MAX		(16L * 1024 * 1024)

/* Per content coding; NULL where the asset has no such body. */
struct asset_resp {
	struct MHD_Response	*ok[ASSET_CODINGS];	/* 200 with the body */
	struct MHD_Response	*notmod[ASSET_CODINGS];	/* 304 */
};

static struct asset_resp	*resp;		/* one per assets[] entry */
static struct MHD_Response	*resp_400, *resp_404, *resp_405, *resp_config;
static char			 config_json[ROUTES_CONFIG_MAX];
static int			 static_dirfd = -1;	/* not owned */

static char	body_400[] = "400 Bad Request\n";
static char	body_404[] = "404 Not Found\n";
static char	body_405[] = "405 Method Not Allowed\n";
static char	body_empty[] = "";

/*
 * A response over len bytes at data in mode, with the security headers,
 * Cache-Control, and Content-Type and ETag when not NULL. In mode
 * MHD_RESPMEM_MUST_FREE the data belongs to the call even if it fails.
 */
static struct MHD_Response *
response_new(size_t len, void *data, enum MHD_ResponseMemoryMode mode,
    const char *type, const char *etag, enum headers_cache cache)
{
	struct MHD_Response	*r;

	if ((r = MHD_create_response_from_buffer(len, data, mode)) == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(data);
		return NULL;
	}
	if (headers_add(r, cache) == -1 ||
	    (type != NULL && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CONTENT_TYPE, type) != MHD_YES) ||
	    (etag != NULL && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_ETAG, etag) != MHD_YES)) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

static enum headers_cache
asset_cache(const char *type)
{
	return rules_is_html(type) ? HEADERS_NO_STORE : HEADERS_NO_CACHE;
}

/*
 * A 304. MHD 0.9.75 adds "Content-Length: 0" to it and ignores one set here
 * (with MHD_RF_INSANITY_HEADER_CONTENT_LENGTH it sends both); clients take a
 * 304 as bodiless whatever it says.
 */
static struct MHD_Response *
notmod_new(const char *etag, enum headers_cache cache)
{
	return response_new(0, body_empty, MHD_RESPMEM_PERSISTENT, NULL, etag,
	    cache);
}

/*
 * Content-Encoding, and Vary when the asset has more than one body: a cache
 * must then key on Accept-Encoding, for the 304 as for the 200.
 */
static int
coding_headers_add(struct MHD_Response *r, const struct asset *a,
    enum asset_coding c, int with_encoding)
{
	const char	*name = assets_coding_name(c);

	if (r == NULL)
		return -1;
	if (with_encoding && name != NULL && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_CONTENT_ENCODING, name) != MHD_YES)
		return -1;
	if (assets_varies(a) && MHD_add_response_header(r,
	    MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING) != MHD_YES)
		return -1;
	return 0;
}

/* The 200 and the 304 of each body of one embedded asset. */
static int
asset_resp_init(struct asset_resp *ar, const struct asset *a)
{
	const struct asset_body	*b;
	int			 c;

	for (c = 0; c < ASSET_CODINGS; c++) {
		if ((b = &a->body[c])->data == NULL)
			continue;
		/* PERSISTENT: MHD never writes to it; the cast drops const. */
		ar->ok[c] = response_new(b->len, (void *)(uintptr_t)b->data,
		    MHD_RESPMEM_PERSISTENT, a->type, b->etag,
		    asset_cache(a->type));
		ar->notmod[c] = notmod_new(b->etag, asset_cache(a->type));
		if (coding_headers_add(ar->ok[c], a, c, 1) == -1 ||
		    coding_headers_add(ar->notmod[c], a, c, 0) == -1)
			return -1;
	}
	return 0;
}

/*
 * Where the page finds the relay and the largest frame it may send there;
 * each key is the option's name without dashes.
 */
static void
config_init(const struct routes_conf *conf)
{
	/* relay_parse() admits no '"' or '\\': the URL needs no escaping. */
	if (conf->relay_url != NULL)
		snprintf(config_json, sizeof(config_json),
		    "{\"chatport\":%ld,\"relay\":\"%s\",\"maxmessage\":%ld}",
		    conf->chatport, conf->relay_url, conf->max_message);
	else
		snprintf(config_json, sizeof(config_json),
		    "{\"chatport\":%ld,\"relay\":null,\"maxmessage\":%ld}",
		    conf->chatport, conf->max_message);
}

int
routes_init(const struct routes_conf *conf)
{
	size_t	i;

	static_dirfd = conf->dirfd;
	config_init(conf);
	resp_400 = response_new(sizeof(body_400) - 1, body_400,
	    MHD_RESPMEM_PERSISTENT, "text/plain; charset=utf-8", NULL,
	    HEADERS_NO_STORE);
	resp_404 = response_new(sizeof(body_404) - 1, body_404,
	    MHD_RESPMEM_PERSISTENT, "text/plain; charset=utf-8", NULL,
	    HEADERS_NO_STORE);
	resp_405 = response_new(sizeof(body_405) - 1, body_405,
	    MHD_RESPMEM_PERSISTENT, "text/plain; charset=utf-8", NULL,
	    HEADERS_NO_STORE);
	resp_config = response_new(strlen(config_json), config_json,
	    MHD_RESPMEM_PERSISTENT, "application/json", NULL,
	    HEADERS_NO_STORE);
	if (resp_400 == NULL || resp_404 == NULL || resp_405 == NULL ||
	    resp_config == NULL ||
	    MHD_add_response_header(resp_405, MHD_HTTP_HEADER_ALLOW,
	    "GET, HEAD") != MHD_YES ||
	    MHD_add_response_header(resp_400, MHD_HTTP_HEADER_CONNECTION,
	    "close") != MHD_YES)
		return -1;
	if ((resp = calloc(assets_count + 1, sizeof(*resp))) == NULL)
		return -1;
	for (i = 0; i < assets_count; i++)
		if (asset_resp_init(&resp[i], &assets[i]) == -1)
			return -1;
	return 0;
}

static void
response_free(struct MHD_Response *r)
{
	if (r != NULL)
		MHD_destroy_response(r);
}

void
routes_free(void)
{
	size_t	i;
	int	c;

	if (resp != NULL) {
		for (i = 0; i < assets_count; i++)
			for (c = 0; c < ASSET_CODINGS; c++) {
				response_free(resp[i].ok[c]);
				response_free(resp[i].notmod[c]);
			}
		free(resp);
		resp = NULL;
	}
	response_free(resp_400);
	response_free(resp_404);
	response_free(resp_405);
	response_free(resp_config);
	resp_400 = resp_404 = resp_405 = resp_config = NULL;
}

/*
 * 1 if an If-None-Match list names etag. Weak comparison, as RFC 9110 13.1.2
 * asks: W/ prefixes are ignored; "*" matches.
 */
static int
etag_listed(const char *list, const char *etag)
{
	size_t	n = strlen(etag);

	while (*(list += strspn(list, " \t,")) != '\0') {
		if (*list == '*')
			return 1;
		if (strncmp(list, "W/", 2) == 0)
			list += 2;
		if (strncmp(list, etag, n) == 0 &&
		    strchr(" \t,", list[n]) != NULL)	/* also matches NUL */
			return 1;
		list += strcspn(list, ",");
	}
	return 0;
}

static int
etag_matches(struct MHD_Connection *c, const char *etag)
{
	const char	*inm;

	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	return inm != NULL && etag_listed(inm, etag);
}

/* The body Accept-Encoding asks for; its ETag alone answers a 304. */
static enum MHD_Result
route_embedded(struct MHD_Connection *c, const struct asset *a)
{
	const struct asset_resp	*ar = &resp[a - assets];
	enum asset_coding	 k;

	k = assets_coding(a, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT_ENCODING));
	if (etag_matches(c, a->body[k].etag))
		return MHD_queue_response(c, MHD_HTTP_NOT_MODIFIED,
		    ar->notmod[k]);
	return MHD_queue_response(c, MHD_HTTP_OK, ar->ok[k]);
}

/* Reads the whole of source below the static dir into *datap (malloc). */
static int
disk_read(unsigned char **datap, size_t *lenp, const char *source)
{
	unsigned char	*data;
	struct stat	 st;
	ssize_t		 n;
	size_t		 len = 0, size;
	int		 fd;

	/* source comes from the build-time table, never from the request. */
	if ((fd = openat(static_dirfd, source, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > ROUTES_DISK_MAX ||
	    (data = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	size = (size_t)st.st_size;
	while (len < size) {
		if ((n = read(fd, data + len, size - len)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* a file shrinking under us is cut */
		len += (size_t)n;
	}
	close(fd);
	*datap = data;
	*lenp = len;
	return 0;
}

/* --static-dir: the file named by the table, as it is on disk now. */
static enum MHD_Result
route_disk(struct MHD_Connection *c, const struct asset *a)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;
	unsigned char		*data;
	size_t			 len;
	char			 etag[RULES_ETAG_SIZE];
	unsigned int		 status = MHD_HTTP_OK;

	if (disk_read(&data, &len, a->source) == -1)
		return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, resp_404);
	rules_etag(etag, data, len);
	if (etag_matches(c, etag)) {
		free(data);
		status = MHD_HTTP_NOT_MODIFIED;
		r = notmod_new(etag, asset_cache(a->type));
	} else
		r = response_new(len, data, MHD_RESPMEM_MUST_FREE, a->type,
		    etag, asset_cache(a->type));
	if (r == NULL)
		return MHD_NO;		/* out of memory: drop the connection */
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* MHD frees the body with this: a room key is wiped first. */
static void
key_json_free(void *p)
{
	sodium_memzero(p, ROUTES_KEY_JSON);
	free(p);
}

/* A fresh room key per request; never cached, never logged. */
static enum MHD_Result
route_key(struct MHD_Connection *c)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;
	char			 key[KEY_LEN + 1], *json;
	int			 n;

	if ((json = malloc(ROUTES_KEY_JSON)) == NULL)
		return MHD_NO;
	key_new(key);
	n = snprintf(json, ROUTES_KEY_JSON, "{\"key\":\"%s\"}", key);
	sodium_memzero(key, sizeof(key));
	r = MHD_create_response_from_buffer_with_free_callback((size_t)n, json,
	    key_json_free);
	if (r == NULL) {
		key_json_free(json);
		return MHD_NO;
	}
	if (headers_add(r, HEADERS_NO_STORE) == -1 ||
	    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json") != MHD_YES)
		rc = MHD_NO;
	else
		rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

void *
routes_uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	/* Becomes *req_cls of the request's first routes_handle() call. */
	return (void *)(uintptr_t)(uri + strlen(uri));
}

/*
 * 1 if the request target had a NUL byte in it. MHD (0.9.75) hands out the
 * target as a C string inside its copy of the request line, where the space
 * before the HTTP version became the terminating NUL and version follows
 * it. An earlier NUL leaves a gap. Should MHD ever lay this out otherwise,
 * every request gets a 400: the check fails closed, and loudly.
 */
static int
target_cut(const char *uri_end, const char *version)
{
	return uri_end == NULL || uri_end + 1 != version;
}

/* What the request's headers say about its framing and its host. */
struct framing {
	int	hosts, lengths;
	int	bad;		/* a body, chunked, a blank in a name */
};

static enum MHD_Result
framing_seen(void *cls, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	struct framing	*f = cls;

	/* RFC 9112 5.1: "Content-Length :" must be refused, not guessed at. */
	if (name[strcspn(name, " \t")] != '\0' ||
	    strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
		f->bad = 1;
	else if (strcasecmp(name, MHD_HTTP_HEADER_HOST) == 0)
		f->hosts++;
	else if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->lengths++;
		if (value == NULL || strcmp(value, "0") != 0)
			f->bad = 1;
	}
	return MHD_YES;
}

/*
 * 1 if the request can only mean one thing. MHD 0.9.75 takes the first of
 * two Content-Lengths, Content-Length with chunked, and a blank before the
 * colon: each lets a second request hide in a body. A GET or HEAD needs no
 * body, so any framing but "Content-Length: 0" is refused; so is a second
 * Host, or none in HTTP/1.1 (RFC 9112 3.2).
 */
static int
framing_ok(struct MHD_Connection *c, const char *version)
{
	struct framing	f = { 0, 0, 0 };

	if (MHD_get_connection_values(c, MHD_HEADER_KIND, framing_seen,
	    &f) < 0)
		return 0;
	if (f.bad || f.hosts > 1 || f.lengths > 1)
		return 0;
	return f.hosts == 1 || strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
}

/*
 * MHD calls this once when the headers are in, then again (with any body in
 * pieces, then without) when the request is complete. A response queued at
 * the first call makes MHD close the connection after it, which is right
 * for a refused request (its body is never read) and wrong for the rest.
 */
enum MHD_Result
routes_handle(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	static int		 headers_seen;	/* only its address matters */
	const struct asset	*a;

	if (*req_cls != &headers_seen) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return MHD_queue_response(c,
			    MHD_HTTP_METHOD_NOT_ALLOWED, resp_405);
		if (target_cut(*req_cls, version) ||
		    !framing_ok(c, version))
			return MHD_queue_response(c, MHD_HTTP_BAD_REQUEST,
			    resp_400);
		*req_cls = &headers_seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;		/* a GET's body means nothing */
		return MHD_YES;
	}
	if (strcmp(url, "/api/key") == 0)
		return route_key(c);
	if (strcmp(url, "/api/config") == 0)
		return MHD_queue_response(c, MHD_HTTP_OK, resp_config);
	if (strcmp(url, "/") == 0)
		url = "/index.html";
	/* The table holds only such paths; the check is a second fence. */
	if (!rules_urlpath_ok(url) || (a = assets_find(url)) == NULL)
		return MHD_queue_response(c, MHD_HTTP_NOT_FOUND, resp_404);
	return static_dirfd == -1 ? route_embedded(c, a) : route_disk(c, a);
}
