/*
 * log.c: the only writer to stdout and stderr. Startup banner and fatal errors;
 * nothing here takes chat data, and nothing else in the tree prints.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char	*progname = "sanctuary";

static void __attribute__((format(printf, 2, 0)))
log_vprint(FILE *f, const char *fmt, va_list ap, const char *suffix)
{
	fprintf(f, "%s: ", progname);
	vfprintf(f, fmt, ap);
	if (suffix != NULL)
		fprintf(f, ": %s", suffix);
	fputc('\n', f);
	fflush(f);
}

void
log_init(const char *name)
{
	progname = name;
}

void
log_banner(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint(stdout, fmt, ap, NULL);
	va_end(ap);
}

void
log_text(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint(stderr, fmt, ap, NULL);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint(stderr, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list		 ap;
	const char	*err = strerror(errno);

	va_start(ap, fmt);
	log_vprint(stderr, fmt, ap, err);
	va_end(ap);
	exit(1);
}

void
log_usage_error(void (*usage)(FILE *), const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vprint(stderr, fmt, ap, NULL);
	va_end(ap);
	usage(stderr);
	exit(2);
}
