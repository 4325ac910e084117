/*
 * embed.c: build-time tool (runs on the build host, never installed): the
 * browser client of static/ as C arrays for servchat.
 *
 *	embed STATICDIR OUT.c
 *
 * Turns every servable file of STATICDIR (see servchat/rules.c) and every
 * entry of STATICDIR/vendor.list ("URLPATH SOURCE" lines, SOURCE relative to
 * STATICDIR; '#' comments and blank lines allowed) into C arrays plus a table
 * sorted by URL path, as declared in servchat/assets.h. Writes OUT.c.tmp and
 * renames it, so a failed run never leaves a file make would take as up to
 * date.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "servchat/rules.h"

#define EMBED_MAX_FILES	1024
#define EMBED_MAX_DEPTH	8
#define EMBED_MAX_SIZE	(16L * 1024 * 1024)

struct entry {
	char	path[RULES_PATH_MAX + 1];	/* URL path */
	char	source[PATH_MAX];		/* relative to STATICDIR */
};

static struct entry	entries[EMBED_MAX_FILES];
static size_t		nentries;
static const char	*topdir;

static _Noreturn void	die(const char *, ...)
			    __attribute__((format(printf, 1, 2)));

static _Noreturn void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("embed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* out = a "/" b, or die if it does not fit. */
static void
join(char out[PATH_MAX], const char *a, const char *b)
{
	int	n;

	n = snprintf(out, PATH_MAX, "%s%s%s", a, a[0] != '\0' ? "/" : "", b);
	if (n < 0 || n >= PATH_MAX)
		die("%s/%s: name too long", a, b);
}

static void
entry_add(const char *path, const char *source)
{
	size_t	i;

	if (!rules_urlpath_ok(path) || rules_type(path) == NULL)
		die("%s: not a servable URL path (A-Z a-z 0-9 . _ - and a "
		    "known extension)", path);
	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].path, path) == 0)
			die("%s: served twice (%s and %s)", path,
			    entries[i].source, source);
	if (nentries == EMBED_MAX_FILES)
		die("more than %d files", EMBED_MAX_FILES);
	if ((size_t)snprintf(entries[nentries].path, sizeof(entries[0].path),
	    "%s", path) >= sizeof(entries[0].path) ||
	    (size_t)snprintf(entries[nentries].source,
	    sizeof(entries[0].source), "%s", source) >=
	    sizeof(entries[0].source))
		die("%s: name too long", source);
	nentries++;
}

/* Walks dir (relative to topdir; "" for the top) for servable files. */
static void
walk(const char *rel, int depth)
{
	char		 full[PATH_MAX], sub[PATH_MAX], url[PATH_MAX + 1];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if (depth > EMBED_MAX_DEPTH)
		die("%s: directories nested too deep", rel);
	join(full, topdir, rel);
	if ((d = opendir(full)) == NULL)
		die("%s: %s", full, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;	/* ".", "..", dotfiles: never served */
		join(sub, rel, de->d_name);
		join(full, topdir, sub);
		/* lstat: symbolic links are not followed, hence not served. */
		if (lstat(full, &st) == -1)
			die("%s: %s", full, strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(sub, "node_modules") != 0)
				walk(sub, depth + 1);
		} else if (S_ISREG(st.st_mode) && rules_servable(sub)) {
			url[0] = '/';
			memcpy(url + 1, sub, strlen(sub) + 1);
			entry_add(url, sub);
		}
	}
	closedir(d);
}

/* A vendor SOURCE: relative, no "..", no empty or dot segment. */
static int
source_ok(const char *s)
{
	const char	*p;

	if (s[0] == '\0' || s[0] == '/')
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-/@+", *p) != NULL))
			return 0;
		if ((p == s || p[-1] == '/') && (*p == '.' || *p == '/'))
			return 0;
	}
	return p[-1] != '/';
}

static void
vendor_read(void)
{
	char	 path[PATH_MAX], line[1024], *url, *src, *end;
	FILE	*f;
	int	 lineno = 0;

	join(path, topdir, "vendor.list");
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return;
		die("%s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
			die("%s:%d: line too long", path, lineno);
		line[strcspn(line, "\r\n")] = '\0';
		url = line + strspn(line, " \t");
		if (*url == '\0' || *url == '#')
			continue;
		end = url + strcspn(url, " \t");
		if (*end == '\0')
			die("%s:%d: want \"URLPATH SOURCE\"", path, lineno);
		*end++ = '\0';
		src = end + strspn(end, " \t");
		src[strcspn(src, " \t")] = '\0';
		if (!source_ok(src))
			die("%s:%d: bad SOURCE %s", path, lineno, src);
		entry_add(url, src);
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
}

static unsigned char *
file_read(const char *source, size_t *lenp)
{
	char		 path[PATH_MAX];
	unsigned char	*data;
	struct stat	 st;
	FILE		*f;

	join(path, topdir, source);
	if ((f = fopen(path, "rb")) == NULL)
		die("%s: %s%s", path, strerror(errno), errno == ENOENT &&
		    strncmp(source, "node_modules/", 13) == 0 ?
		    " (run npm ci in static/)" : "");
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > EMBED_MAX_SIZE)
		die("%s: not a regular file of at most %ld bytes", path,
		    EMBED_MAX_SIZE);
	if ((data = malloc((size_t)st.st_size + 1)) == NULL)
		die("out of memory");
	*lenp = fread(data, 1, (size_t)st.st_size, f);
	if (*lenp != (size_t)st.st_size || ferror(f))
		die("%s: short read", path);
	fclose(f);
	return data;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
	    ((const struct entry *)b)->path);
}

/* Emits entry i's bytes as array a<i>; returns its length and ETag. */
static size_t
emit_entry(FILE *out, size_t i, char etag[RULES_ETAG_SIZE])
{
	unsigned char	*data;
	size_t		 len, j;

	data = file_read(entries[i].source, &len);
	rules_etag(etag, data, len);
	fprintf(out, "\n/* %s */\nstatic const unsigned char a%zu[] = {",
	    entries[i].source, i);
	for (j = 0; j < len; j++)
		fprintf(out, "%s0x%02x,", j % 12 == 0 ? "\n\t" : " ", data[j]);
	/* A zero-length array is not C: empty files get one unused byte. */
	fprintf(out, "%s\n};\n", len == 0 ? "\n\t0x00," : "");
	free(data);
	return len;
}

static void
emit(FILE *out)
{
	char	(*etags)[RULES_ETAG_SIZE];
	size_t	*lens, i;

	if ((etags = calloc(nentries + 1, sizeof(*etags))) == NULL ||
	    (lens = calloc(nentries + 1, sizeof(*lens))) == NULL)
		die("out of memory");
	fputs("/* Generated by tools/embed.c from static/: do not edit. */\n"
	    "#include <stddef.h>\n\n#include \"servchat/assets.h\"\n", out);
	for (i = 0; i < nentries; i++)
		lens[i] = emit_entry(out, i, etags[i]);
	fprintf(out, "\nconst struct asset assets[%zu] = {\n",
	    nentries > 0 ? nentries : 1);
	for (i = 0; i < nentries; i++)
		fprintf(out, "\t{ \"%s\", \"%s\", a%zu, %zu,\n"
		    "\t    \"\\\"%.*s\\\"\", \"%s\" },\n", entries[i].path,
		    rules_type(entries[i].path), i, lens[i],
		    RULES_ETAG_SIZE - 3, etags[i] + 1, entries[i].source);
	if (nentries == 0)
		fputs("\t{ NULL, NULL, NULL, 0, NULL, NULL },\n", out);
	fprintf(out, "};\nconst size_t assets_count = %zu;\n", nentries);
	free(etags);
	free(lens);
}

int
main(int argc, char *argv[])
{
	char	 tmp[PATH_MAX];
	FILE	*out;

	if (argc != 3)
		die("usage: embed STATICDIR OUT.c");
	if (sodium_init() < 0)
		die("sodium_init failed");
	topdir = argv[1];
	walk("", 0);
	vendor_read();
	qsort(entries, nentries, sizeof(entries[0]), entry_cmp);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]) >=
	    sizeof(tmp))
		die("%s: name too long", argv[2]);
	if ((out = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	emit(out);
	if (fclose(out) != 0 || rename(tmp, argv[2]) == -1)
		die("%s: %s", argv[2], strerror(errno));
	return 0;
}
