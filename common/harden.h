/* harden.h: process hardening at startup (before the event loop). */
#ifndef COMMON_HARDEN_H
#define COMMON_HARDEN_H

/*
 * Core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), PR_SET_NO_NEW_PRIVS,
 * SIGPIPE ignored, sodium_init(), freed heap memory overwritten (M_PERTURB).
 * Calls fatal on failure.
 */
void	harden_process(void);

#endif
