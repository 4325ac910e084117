/* harden.c: what every Sanctuary process does to itself before serving. */
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "harden.h"
#include "log.h"

/* Freed heap chunks are overwritten with this byte (glibc M_PERTURB). */
#define HARDEN_PERTURB	0xa5

void
harden_process(void)
{
	struct rlimit	 nocore = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &nocore) == -1)
		fatal("setrlimit(RLIMIT_CORE)");
#ifndef SANCTUARY_SANITIZE
	/* LeakSanitizer ptraces us at exit: sanitizer builds stay dumpable. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_NO_NEW_PRIVS)");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal(SIGPIPE)");
	/*
	 * Libraries (wslay, libmicrohttpd) free buffers that held chat data
	 * without wiping them; have malloc overwrite what it gets back.
	 */
	mallopt(M_PERTURB, HARDEN_PERTURB);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
}
