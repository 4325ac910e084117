/*
 * tls.h: what both daemons share of TLS (GnuTLS): the options, the
 * certificate pair read from PEM files and swapped on SIGHUP, the priority
 * string --tls-min selects, and session tickets whose key lives in memory
 * only. Nothing here writes to disk (no key log, whatever SSLKEYLOGFILE
 * says) and nothing prints but tls_init()'s and tls_reload()'s one line
 * naming the file that failed (a path, never client data).
 *
 * The pair is read through a retrieve callback, never set into the
 * credentials once: a reload swaps one pointer, new handshakes get the new
 * pair, running connections keep theirs. servchat's libmicrohttpd thread
 * calls tls_retrieve() while its main thread reloads: the swap is locked.
 */
#ifndef COMMON_TLS_H
#define COMMON_TLS_H

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <popt.h>

enum tls_min { TLS_MIN_13, TLS_MIN_12 };

struct tls_opts {
	const char	*cert;		/* --tls-cert FILE (PEM, full chain) */
	const char	*key;		/* --tls-key FILE (PEM) */
	enum tls_min	 min;		/* --tls-min 1.2|1.3, default 1.3 */
};

extern struct tls_opts		tls_opts;
extern struct poptOption	tls_popt_table[]; /* --tls-cert -key -min */

/*
 * After opts_parse(): 0 when both files or neither are given and --tls-min
 * is 1.2 or 1.3; otherwise prints one line and returns -1 (exit 2).
 */
int	tls_opts_check(void);
/* Nonzero when --tls-cert was given. */
int	tls_enabled(void);

/*
 * Before the loop: loads the pair, builds the credentials, the priority
 * cache and a ticket key, and turns key logging off. 0, or one printed line
 * and -1.
 */
int	tls_init(void);
/*
 * On SIGHUP, outside any signal handler: reads the pair again. If either
 * file does not load, or the key does not match the certificate, the old
 * pair stays, one line names the file, and -1 is returned; else 0.
 */
int	tls_reload(void);
/* Wipes the ticket key and frees everything; a no-op without tls_init. */
void	tls_release(void);

/* The priority string of --tls-min (MHD_OPTION_HTTPS_PRIORITIES). */
const char	*tls_priority_string(void);
/*
 * A server session on the connected non-blocking socket fd, with the
 * credentials, priorities and tickets set. 0 and *out (the caller's to
 * gnutls_deinit), or -1.
 */
int	tls_session_new(gnutls_session_t *out, int fd);
/*
 * The current pair, as gnutls_certificate_retrieve_function2 (given to
 * MHD_OPTION_HTTPS_CERT_CALLBACK; tls_session_new's credentials use it too).
 * The pair handed out stays valid until two reloads later.
 */
int	tls_retrieve(gnutls_session_t, const gnutls_datum_t *req_ca_dn,
	    int nreqs, const gnutls_pk_algorithm_t *pk_algos,
	    int pk_algos_length, gnutls_pcert_st **pcert,
	    unsigned int *pcert_length, gnutls_privkey_t *pkey);

#endif
