/*
 * floor.c: what a daemon costs on this system before any code of ours, for
 * make bench. It prints "ready" and waits. Built twice: plain, and linking
 * Debian's libmicrohttpd, which maps and initialises GnuTLS and its
 * dependencies when loaded, as it does in servchat.
 */
#include <stdio.h>
#include <unistd.h>

#ifdef FLOOR_MHD
#include <microhttpd.h>
#endif

int
main(void)
{
#ifdef FLOOR_MHD
	/* A call, so that the library is linked and loaded as servchat's is. */
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_NO)
		return 1;
#endif
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
