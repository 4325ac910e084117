/*
 * embed.c: build-time tool (runs on the build host, never installed): the
 * browser client of static/ as C arrays for servchat.
 *
 *	embed STATICDIR OUT.c [GENDIR]
 *
 * Turns every servable file of STATICDIR (see servchat/rules.c) and every
 * entry of STATICDIR/vendor.list ("URLPATH SOURCE" lines, SOURCE relative to
 * STATICDIR; '#' comments and blank lines allowed) into C arrays plus a table
 * sorted by URL path, as declared in servchat/assets.h. The servable files at
 * the top of GENDIR (the bundle of tools/bundle) are added too, and replace a
 * file of STATICDIR of the same name. Each file but images already
 * compressed also gets a gzip -9n and a brotli -q 11 body, made by Debian's
 * own tools ($GZIP_CMD and $BROTLI_CMD name others), kept when smaller.
 * Writes OUT.c.tmp and renames it, so a failed run never leaves a file make
 * would take as up to date.
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

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
	char		 path[RULES_PATH_MAX + 1];	/* URL path */
	char		 source[PATH_MAX];		/* relative to dir */
	const char	*dir;				/* not owned */
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

/* Adds path from source in dir; with replace, a GENDIR file wins. */
static void
entry_add(const char *path, const char *source, const char *dir,
    int replace)
{
	struct entry	*e = &entries[nentries];
	size_t		 i;

	if (!rules_urlpath_ok(path) || rules_type(path) == NULL)
		die("%s: not a servable URL path (A-Z a-z 0-9 . _ - and a "
		    "known extension)", path);
	for (i = 0; i < nentries; i++)
		if (strcmp(entries[i].path, path) == 0) {
			if (!replace)
				die("%s: served twice (%s and %s)", path,
				    entries[i].source, source);
			e = &entries[i];
		}
	if (e == &entries[nentries] && nentries++ == EMBED_MAX_FILES)
		die("more than %d files", EMBED_MAX_FILES);
	e->dir = dir;
	if ((size_t)snprintf(e->path, sizeof(e->path), "%s", path) >=
	    sizeof(e->path) || (size_t)snprintf(e->source, sizeof(e->source),
	    "%s", source) >= sizeof(e->source))
		die("%s: name too long", source);
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
			entry_add(url, sub, topdir, 0);
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
		entry_add(url, src, topdir, 0);
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
}

/* The servable files at the top of GENDIR, over those of STATICDIR. */
static void
gen_read(const char *gendir)
{
	char		 full[PATH_MAX], url[PATH_MAX + 1];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if ((d = opendir(gendir)) == NULL)
		die("%s: %s", gendir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		join(full, gendir, de->d_name);
		if (de->d_name[0] == '.' || lstat(full, &st) == -1 ||
		    !S_ISREG(st.st_mode) || !rules_servable(de->d_name))
			continue;
		url[0] = '/';
		memcpy(url + 1, de->d_name, strlen(de->d_name) + 1);
		entry_add(url, de->d_name, gendir, 1);
	}
	closedir(d);
}

static unsigned char *
file_read(const char *dir, const char *source, size_t *lenp)
{
	char		 path[PATH_MAX];
	unsigned char	*data;
	struct stat	 st;
	FILE		*f;

	join(path, dir, source);
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

/*
 * Runs argv (split at blanks) with data on its stdin and returns what it
 * wrote to stdout (malloc), or dies. Input goes through a temporary file so
 * the two pipes can never block each other.
 */
static unsigned char *
filter_run(const char *cmd, const unsigned char *data, size_t len,
    size_t *outlenp)
{
	char		 buf[256], *argv[16], *rest;
	char		 tmpl[] = "/tmp/embed.XXXXXX";
	unsigned char	*outb = NULL;
	size_t		 n = 0, cap = 0;
	ssize_t		 r;
	pid_t		 pid;
	int		 in, p[2], st, argc = 0;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", cmd) >= sizeof(buf))
		die("%s: command too long", cmd);
	for (rest = buf; rest != NULL && argc < 15;)
		if (*(argv[argc] = strsep(&rest, " ")) != '\0')
			argc++;
	argv[argc] = NULL;
	if (argc == 0)
		die("empty command");
	if ((in = mkstemp(tmpl)) == -1 || unlink(tmpl) == -1 ||
	    write(in, data, len) != (ssize_t)len || lseek(in, 0, SEEK_SET) ||
	    pipe(p) == -1 || (pid = fork()) == -1)
		die("%s: %s", cmd, strerror(errno));
	if (pid == 0) {
		if (dup2(in, 0) == -1 || dup2(p[1], 1) == -1)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in);
	close(p[1]);
	for (;;) {
		if (n == cap && (outb = realloc(outb, cap = cap * 2 + 65536)) ==
		    NULL)
			die("out of memory");
		if ((r = read(p[0], outb + n, cap - n)) == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	if (r == -1 || waitpid(pid, &st, 0) == -1 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		die("%s failed (is it installed? mk/deps.sh build)", argv[0]);
	*outlenp = n;
	return outb;
}

/* Emits len bytes as array a<i>_<k> and its entry of the body[] table. */
static void
emit_body(FILE *out, FILE *table, size_t i, int k, const unsigned char *data,
    size_t len)
{
	char	etag[RULES_ETAG_SIZE];
	size_t	j;

	rules_etag(etag, data, len);
	fprintf(out, "\n/* %s (%d) */\n"
	    "static const unsigned char a%zu_%d[] = {", entries[i].source, k, i,
	    k);
	for (j = 0; j < len; j++)
		fprintf(out, "%s0x%02x,", j % 12 == 0 ? "\n\t" : " ", data[j]);
	/* A zero-length array is not C: empty files get one unused byte. */
	fprintf(out, "%s\n};\n", len == 0 ? "\n\t0x00," : "");
	fprintf(table, "\t    { a%zu_%d, %zu, \"\\\"%.*s\\\"\" },\n", i, k,
	    len, RULES_ETAG_SIZE - 3, etag + 1);
}

/* PNG is compressed already; every other type we serve is text or SVG. */
static int
compressible(const char *path)
{
	return strcmp(rules_type(path), "image/png") != 0;
}

/* Entry i: its plain body, then gzip's and brotli's when they are smaller. */
static void
emit_entry(FILE *out, FILE *table, size_t i)
{
	const char	*cmds[2];
	unsigned char	*data, *z;
	size_t		 len, zlen;
	int		 k;

	cmds[0] = getenv("GZIP_CMD") ? getenv("GZIP_CMD") : "gzip -9n -c";
	cmds[1] = getenv("BROTLI_CMD") ? getenv("BROTLI_CMD") :
	    "brotli -q 11 -c";
	data = file_read(entries[i].dir, entries[i].source, &len);
	fprintf(table, "\t{ \"%s\", \"%s\", \"%s\", {\n", entries[i].path,
	    rules_type(entries[i].path), entries[i].source);
	emit_body(out, table, i, 0, data, len);
	for (k = 1; k <= 2; k++) {
		z = NULL;
		if (compressible(entries[i].path))
			z = filter_run(cmds[k - 1], data, len, &zlen);
		if (z != NULL && zlen < len)
			emit_body(out, table, i, k, z, zlen);
		else
			fputs("\t    { NULL, 0, NULL },\n", table);
		free(z);
	}
	fputs("\t} },\n", table);
	free(data);
}

static void
emit(FILE *out)
{
	FILE	*table;
	char	 line[1024];
	size_t	 i;

	if ((table = tmpfile()) == NULL)
		die("tmpfile: %s", strerror(errno));
	fputs("/* Generated by tools/embed.c from static/: do not edit. */\n"
	    "#include <stddef.h>\n\n#include \"servchat/assets.h\"\n", out);
	for (i = 0; i < nentries; i++)
		emit_entry(out, table, i);
	if (nentries == 0)
		fputs("\t{ NULL, NULL, NULL, { { NULL, 0, NULL } } },\n",
		    table);
	fprintf(out, "\nconst struct asset assets[%zu] = {\n",
	    nentries > 0 ? nentries : 1);
	rewind(table);
	while (fgets(line, sizeof(line), table) != NULL)
		fputs(line, out);
	if (ferror(table))
		die("tmpfile: read error");
	fclose(table);
	fprintf(out, "};\nconst size_t assets_count = %zu;\n", nentries);
}

int
main(int argc, char *argv[])
{
	char	 tmp[PATH_MAX];
	FILE	*out;

	if (argc != 3 && argc != 4)
		die("usage: embed STATICDIR OUT.c [GENDIR]");
	if (sodium_init() < 0)
		die("sodium_init failed");
	topdir = argv[1];
	walk("", 0);
	vendor_read();
	if (argc == 4)
		gen_read(argv[3]);
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
