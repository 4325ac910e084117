/*
 * rules.c: what is served from static/ and how it is labelled. Compiled into
 * both the build-time embedder and servchat: one place decides.
 */
#include <string.h>

#include <sodium.h>

#include "rules.h"

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html",		"text/html; charset=utf-8" },
	{ ".css",		"text/css; charset=utf-8" },
	{ ".js",		"text/javascript; charset=utf-8" },
	{ ".mjs",		"text/javascript; charset=utf-8" },
	{ ".svg",		"image/svg+xml" },
	{ ".png",		"image/png" },
	{ ".ico",		"image/x-icon" },
	{ ".webmanifest",	"application/manifest+json" },
	{ ".json",		"application/json" },
	{ ".txt",		"text/plain; charset=utf-8" },
};

static int
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

const char *
rules_type(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ends_with(name, types[i].ext))
			return types[i].type;
	return NULL;
}

int
rules_servable(const char *relpath)
{
	const char	*base, *p;

	if (relpath[0] == '.' || strstr(relpath, "/.") != NULL)
		return 0;		/* dotfiles and dot directories */
	if (strncmp(relpath, "node_modules/", 13) == 0)
		return 0;		/* only what vendor.list names */
	base = (p = strrchr(relpath, '/')) != NULL ? p + 1 : relpath;
	if (strcmp(base, "package.json") == 0 ||
	    strcmp(base, "package-lock.json") == 0 || ends_with(base, ".list"))
		return 0;
	return rules_type(base) != NULL;
}

static int
seg_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
rules_urlpath_ok(const char *path)
{
	size_t	i;

	if (path[0] != '/' || strlen(path) > RULES_PATH_MAX)
		return 0;
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] == '/') {
			if (path[i - 1] == '/' || path[i + 1] == '\0')
				return 0;	/* empty segment */
			continue;
		}
		/* A segment never starts with '.': no "..", no dotfiles. */
		if (path[i] == '.' && path[i - 1] == '/')
			return 0;
		if (!seg_char(path[i]))
			return 0;
	}
	return i > 1;
}

int
rules_is_html(const char *type)
{
	return strncmp(type, "text/html", 9) == 0;
}

void
rules_etag(char out[RULES_ETAG_SIZE], const void *data, size_t len)
{
	unsigned char	hash[RULES_ETAG_BYTES];

	crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
	out[0] = '"';
	sodium_bin2base64(out + 1, RULES_ETAG_SIZE - 2, hash, sizeof(hash),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[RULES_ETAG_SIZE - 2] = '"';
	out[RULES_ETAG_SIZE - 1] = '\0';
}
