/*
 * routes.h: what servchat answers. GET and HEAD only: the embedded client
 * (or, with --static-dir, the same file names read from disk), /api/key and
 * /api/config; 405 for other methods, 404 for anything else.
 */
#ifndef SERVCHAT_ROUTES_H
#define SERVCHAT_ROUTES_H

#include <stddef.h>

#include <microhttpd.h>

struct routes_conf {
	long		 chatport;
	const char	*relay_url;	/* NULL: the relay is on chatport */
	long		 max_message;	/* the relay's --max-message, bytes */
	int		 dirfd;		/* --static-dir, or -1: embedded copy */
};

/* Builds every fixed response once. 0, or -1 if out of memory. */
int	routes_init(const struct routes_conf *);
void	routes_free(void);
/*
 * The MHD_OPTION_URI_LOG_CALLBACK of every daemon. It logs nothing: it notes
 * where the request target's C string ends, so that routes_handle() can tell
 * a target cut short by a raw NUL byte.
 */
void	*routes_uri_seen(void *cls, const char *uri, struct MHD_Connection *c);
/* The MHD_AccessHandlerCallback of every daemon. */
enum MHD_Result routes_handle(void *cls, struct MHD_Connection *c,
	    const char *url, const char *method, const char *version,
	    const char *upload_data, size_t *upload_data_size, void **req_cls);

#endif
