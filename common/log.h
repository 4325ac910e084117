/*
 * log.h: the only code that writes to stdout or stderr. It offers a startup
 * banner and fatal errors, nothing per event: there is no call to misuse for
 * logging chats, aliases, keys or client addresses.
 */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdio.h>

void		 log_init(const char *progname);
/* One startup line on stdout, flushed at once. */
void		 log_banner(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* One startup line on stdout as it is, without the name (the --qr picture). */
void		 log_text(const char *line);
/* A non-fatal startup notice on stderr ("no IPv6: IPv4 only"). */
void		 log_warnx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr, exit 1. Before the event loop only. */
_Noreturn void	 fatalx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* As fatalx, with ": strerror(errno)" appended. */
_Noreturn void	 fatal(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* "prog: message" and the usage text, exit 2 (bad command line). */
_Noreturn void	 log_usage_error(void (*usage)(FILE *), const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
