/*
 * rules.h: which files of static/ are served, under which URL path, with which
 * Content-Type and ETag. Shared by the build-time embedder (tools/embed.c)
 * and by servchat, so the two can never disagree.
 */
#ifndef SERVCHAT_RULES_H
#define SERVCHAT_RULES_H

#include <stddef.h>

#define RULES_ETAG_BYTES	16
/* '"' + 22 chars of base64url + '"' + NUL */
#define RULES_ETAG_SIZE		25
#define RULES_PATH_MAX		128

/* The Content-Type for a file name by its extension, or NULL: not served. */
const char	*rules_type(const char *name);
/*
 * 1 if relpath (relative to static/, '/'-separated) is served as a page file:
 * a known extension, no dotfile or dot directory, not node_modules/, not
 * package.json or package-lock.json, not *.list.
 */
int		 rules_servable(const char *relpath);
/*
 * 1 if path is a URL path we can ever serve: '/' then segments of
 * [A-Za-z0-9._-] separated by single '/', no segment starting with '.', at
 * most RULES_PATH_MAX bytes. Excludes "..", "%", "\", NUL and "//" by
 * construction.
 */
int		 rules_urlpath_ok(const char *path);
/* 1 if the HTML Cache-Control (no-store) applies to this Content-Type. */
int		 rules_is_html(const char *type);
/* Strong ETag (quoted) of len bytes at data; libsodium must be initialised. */
void		 rules_etag(char out[RULES_ETAG_SIZE], const void *data,
		    size_t len);

#endif
