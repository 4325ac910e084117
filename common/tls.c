/*
 * tls.c: the GnuTLS state both daemons share (see tls.h). One credentials
 * object whose certificate comes from tls_retrieve(), one priority cache,
 * one ticket master key; all of it in memory, none of it on disk.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "log.h"
#include "tls.h"

#define TLS_MAX_CHAIN	16	/* certificates in --tls-cert */
#define TLS_TICKET_LIFE	3600	/* seconds a session ticket resumes */

/*
 * AEAD ciphers only, ECDHE only (TLS 1.2 keeps its forward secrecy), no
 * compression (GnuTLS 3.6 removed it; COMP-NULL says so again), our cipher
 * order. GnuTLS answers a 1.2 renegotiation with GNUTLS_E_REHANDSHAKE from
 * gnutls_record_recv(); the callers close that connection, and 1.3 has none.
 */
#define TLS_PRIO(vers, ciphers) \
	"NORMAL:-VERS-ALL:" vers ":-CIPHER-ALL:" ciphers ":-MAC-ALL:+AEAD:" \
	"-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:-GROUP-ALL:+GROUP-X25519:" \
	"+GROUP-SECP256R1:+GROUP-SECP384R1:-COMP-ALL:+COMP-NULL:" \
	"%SERVER_PRECEDENCE"
#define TLS_VERS_13	"+VERS-TLS1.3"
#define TLS_VERS_12	"+VERS-TLS1.3:+VERS-TLS1.2"
/*
 * ChaCha20 first where the CPU has no AES instructions (the Raspberry Pi):
 * AES in software is slow and leaks timing. With them AES-GCM first, as Go
 * and BoringSSL choose: a room of 100 over wss delivered 9.5M messages per
 * relay CPU-second with AES-128-GCM, 4.0M with ChaCha20 (x86_64, AES-NI),
 * for 0.65 KiB more per session (make bench, tlsmem).
 */
#define TLS_CIPHERS_SOFT	"+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM"
#define TLS_CIPHERS_AES		"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

struct tls_pair {
	gnutls_pcert_st		 pcert[TLS_MAX_CHAIN];
	unsigned int		 npcert;
	gnutls_privkey_t	 key;
};

struct tls_opts		 tls_opts = { NULL, NULL, TLS_MIN_13 };
static char		*tls_min_arg;

struct poptOption tls_popt_table[] = {
	{ "tls-cert", '\0', POPT_ARG_STRING, &tls_opts.cert, 0,
	  "Serve TLS with this PEM certificate chain (needs --tls-key)",
	  "FILE" },
	{ "tls-key", '\0', POPT_ARG_STRING, &tls_opts.key, 0,
	  "The PEM private key of --tls-cert", "FILE" },
	{ "tls-min", '\0', POPT_ARG_STRING, &tls_min_arg, 0,
	  "Oldest TLS version accepted, 1.2 or 1.3 (default 1.3)",
	  "VERSION" },
	POPT_TABLEEND
};

static struct {
	pthread_mutex_t				 lock;	/* cur and old */
	struct tls_pair				*cur;
	struct tls_pair				*old;	/* freed next reload */
	gnutls_certificate_credentials_t	 cred;
	gnutls_priority_t			 prio;
	gnutls_datum_t				 ticket;
	int					 ready;
} tls = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* --tls-min into tls_opts.min; popt's copy is ours and is freed. */
static int
tls_opts_min(void)
{
	int	rc = 0;

	if (tls_min_arg == NULL)
		return 0;
	if (strcmp(tls_min_arg, "1.3") == 0)
		tls_opts.min = TLS_MIN_13;
	else if (strcmp(tls_min_arg, "1.2") == 0)
		tls_opts.min = TLS_MIN_12;
	else {
		log_warnx("--tls-min: expected 1.2 or 1.3, got '%s'",
		    tls_min_arg);
		rc = -1;
	}
	free(tls_min_arg);
	tls_min_arg = NULL;
	return rc;
}

int
tls_opts_check(void)
{
	if (tls_opts_min() == -1)
		return -1;
	if ((tls_opts.cert == NULL) != (tls_opts.key == NULL)) {
		log_warnx("--tls-cert and --tls-key go together");
		return -1;
	}
	return 0;
}

int
tls_enabled(void)
{
	return tls_opts.cert != NULL;
}

/* Nonzero when the CPU has instructions for AES and GCM's multiply. */
static int
tls_aes_hardware(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_cpu_supports("aes") &&
	    __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__)
	unsigned long	hw = getauxval(AT_HWCAP);

	return (hw & HWCAP_AES) && (hw & HWCAP_PMULL);
#else
	return 0;
#endif
}

const char *
tls_priority_string(void)
{
	if (tls_aes_hardware())
		return tls_opts.min == TLS_MIN_12 ?
		    TLS_PRIO(TLS_VERS_12, TLS_CIPHERS_AES) :
		    TLS_PRIO(TLS_VERS_13, TLS_CIPHERS_AES);
	return tls_opts.min == TLS_MIN_12 ?
	    TLS_PRIO(TLS_VERS_12, TLS_CIPHERS_SOFT) :
	    TLS_PRIO(TLS_VERS_13, TLS_CIPHERS_SOFT);
}

static void
tls_pair_free(struct tls_pair *p)
{
	unsigned int	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->npcert; i++)
		gnutls_pcert_deinit(&p->pcert[i]);
	if (p->key != NULL)
		gnutls_privkey_deinit(p->key);
	free(p);
}

/* The file's bytes, wiped before they are freed (a key file is secret). */
static void
tls_datum_wipe(gnutls_datum_t *d)
{
	if (d->data != NULL) {
		gnutls_memset(d->data, 0, d->size);
		gnutls_free(d->data);
	}
	d->data = NULL;
	d->size = 0;
}

/* 0 when the key's public half is the first certificate's, else -1. */
static int
tls_pair_match(struct tls_pair *p)
{
	gnutls_pubkey_t	 pub;
	unsigned char	 a[64], b[64];
	size_t		 alen = sizeof(a), blen = sizeof(b);
	int		 rc = -1;

	if (gnutls_pubkey_init(&pub) < 0)
		return -1;
	if (gnutls_pubkey_import_privkey(pub, p->key, 0, 0) == 0 &&
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a,
	    &alen) == 0 &&
	    gnutls_pubkey_get_key_id(p->pcert[0].pubkey,
	    GNUTLS_KEYID_USE_SHA256, b, &blen) == 0 &&
	    alen == blen && memcmp(a, b, alen) == 0)
		rc = 0;
	gnutls_pubkey_deinit(pub);
	return rc;
}

static int
tls_pair_certs(struct tls_pair *p, const char *file)
{
	gnutls_datum_t	 d = { NULL, 0 };
	int		 rc;

	if (gnutls_load_file(file, &d) < 0)
		return -1;
	p->npcert = TLS_MAX_CHAIN;
	rc = gnutls_pcert_list_import_x509_raw(p->pcert, &p->npcert, &d,
	    GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0 || p->npcert == 0)
		p->npcert = 0;
	tls_datum_wipe(&d);
	return p->npcert == 0 ? -1 : 0;
}

static int
tls_pair_key(struct tls_pair *p, const char *file)
{
	gnutls_datum_t	 d = { NULL, 0 };
	int		 rc = -1;

	if (gnutls_load_file(file, &d) < 0)
		return -1;
	if (gnutls_privkey_init(&p->key) == 0 &&
	    gnutls_privkey_import_x509_raw(p->key, &d, GNUTLS_X509_FMT_PEM,
	    NULL, 0) == 0)
		rc = 0;
	tls_datum_wipe(&d);
	return rc;
}

/* A new pair from the two files, or NULL and one line naming the file. */
static struct tls_pair *
tls_pair_load(void)
{
	struct tls_pair	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warnx("tls: out of memory");
		return NULL;
	}
	if (tls_pair_certs(p, tls_opts.cert) == -1) {
		log_warnx("tls: cannot load certificate %s", tls_opts.cert);
		goto fail;
	}
	if (tls_pair_key(p, tls_opts.key) == -1) {
		log_warnx("tls: cannot load key %s", tls_opts.key);
		goto fail;
	}
	if (tls_pair_match(p) == -1) {
		log_warnx("tls: key %s does not match certificate %s",
		    tls_opts.key, tls_opts.cert);
		goto fail;
	}
	return p;
fail:
	tls_pair_free(p);
	return NULL;
}

int
tls_retrieve(gnutls_session_t s, const gnutls_datum_t *req_ca_dn,
    int nreqs, const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *pkey)
{
	int	rc = -1;

	pthread_mutex_lock(&tls.lock);
	if (tls.cur != NULL) {
		*pcert = tls.cur->pcert;
		*pcert_length = tls.cur->npcert;
		*pkey = tls.cur->key;
		rc = 0;
	}
	pthread_mutex_unlock(&tls.lock);
	return rc;
}

/*
 * A pair handed out by tls_retrieve() may still be in a handshake on
 * libmicrohttpd's thread: it is freed one reload later, not now.
 */
int
tls_reload(void)
{
	struct tls_pair	*p, *gone;

	if (!tls.ready)
		return -1;
	if ((p = tls_pair_load()) == NULL)
		return -1;
	pthread_mutex_lock(&tls.lock);
	gone = tls.old;
	tls.old = tls.cur;
	tls.cur = p;
	pthread_mutex_unlock(&tls.lock);
	tls_pair_free(gone);
	return 0;
}

/*
 * GnuTLS 3.7.9 opens the SSLKEYLOGFILE file itself: gnutls_init() gives
 * every session _gnutls_nss_keylog_func (lib/state.c), which on the first
 * secret secure_getenv()s the variable once and appends there (lib/kx.c,
 * keylog_once_init). Sessions we make drop that function; libmicrohttpd
 * makes its own, so the variable goes too, before any handshake reads it.
 */
static void
tls_keylog_off(void)
{
	unsetenv("SSLKEYLOGFILE");
}

/*
 * The ticket master key lives here only. GnuTLS 3.7.9 never encrypts with
 * it directly: lib/stek.c derives the key in use from it and the time
 * (totp_sha3), a new one every 3 ticket lifetimes (rotate(),
 * STEK_ROTATION_PERIOD_PRODUCT), so tickets older than that cannot be
 * opened and no rotation is ours to do.
 */
static int
tls_ticket_init(void)
{
	return gnutls_session_ticket_key_generate(&tls.ticket) < 0 ? -1 : 0;
}

int
tls_init(void)
{
	const char	*err;

	tls_keylog_off();
	if ((tls.cur = tls_pair_load()) == NULL)
		return -1;
	if (gnutls_certificate_allocate_credentials(&tls.cred) < 0)
		goto fail;
	gnutls_certificate_set_retrieve_function2(tls.cred, tls_retrieve);
	if (gnutls_priority_init2(&tls.prio, tls_priority_string(), &err,
	    0) < 0)
		goto fail;
	if (tls_ticket_init() == -1)
		goto fail;
	tls.ready = 1;
	return 0;
fail:
	log_warnx("tls: cannot set up GnuTLS");
	tls.ready = 1;
	tls_release();
	return -1;
}

void
tls_release(void)
{
	if (!tls.ready)
		return;
	if (tls.ticket.data != NULL)
		tls_datum_wipe(&tls.ticket);
	if (tls.prio != NULL)
		gnutls_priority_deinit(tls.prio);
	if (tls.cred != NULL)
		gnutls_certificate_free_credentials(tls.cred);
	tls_pair_free(tls.cur);
	tls_pair_free(tls.old);
	tls.cur = tls.old = NULL;
	tls.prio = NULL;
	tls.cred = NULL;
	tls.ready = 0;
}

int
tls_session_new(gnutls_session_t *out, int fd)
{
	gnutls_session_t	s;

	if (!tls.ready)
		return -1;
	if (gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NONBLOCK |
	    GNUTLS_NO_SIGNAL) < 0)
		return -1;
	if (gnutls_priority_set(s, tls.prio) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, tls.cred) < 0 ||
	    gnutls_session_ticket_enable_server(s, &tls.ticket) < 0) {
		gnutls_deinit(s);
		return -1;
	}
	gnutls_session_set_keylog_function(s, NULL);
	gnutls_db_set_cache_expiration(s, TLS_TICKET_LIFE);
	/* The daemon's --handshake-timeout governs, not GnuTLS's clock. */
	gnutls_handshake_set_timeout(s, 0);
	gnutls_transport_set_int(s, fd);
	*out = s;
	return 0;
}
