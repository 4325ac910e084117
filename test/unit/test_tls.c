/*
 * test_tls.c: the TLS options as popt parses them, and tls_reload() keeping
 * the pair it has when a file is broken or the key is not the certificate's,
 * taking a good new pair, and leaving the pair handed out before alive. The
 * throw-away pairs are made here with GnuTLS's x509 API (ECDSA P-256).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "unit.h"

#include "common/tls.h"

static const char	*bad[] = { "1.1", "1.4", "13", "", "1.3 " };

struct pem {
	gnutls_datum_t	cert, key, der;
};

static char	dir[] = "/tmp/sanctuary-tls-unit-XXXXXX";
static char	certpath[64], keypath[64];

static void
pem_make(struct pem *p, const char *cn)
{
	gnutls_x509_privkey_t	k;
	gnutls_x509_crt_t	c;
	unsigned char		serial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	time_t			now = time(NULL);

	ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(c, k), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c, 3), 0);
	serial[0] = (unsigned char)cn[0];
	ck_assert_int_eq(gnutls_x509_crt_set_serial(c, serial,
	    sizeof(serial)), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(c, now - 60), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(c, now + 3600),
	    0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn_by_oid(c,
	    GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)), 0);
	ck_assert_int_eq(gnutls_x509_crt_sign2(c, c, k, GNUTLS_DIG_SHA256, 0),
	    0);
	ck_assert_int_eq(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM,
	    &p->cert), 0);
	ck_assert_int_eq(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_DER,
	    &p->der), 0);
	ck_assert_int_eq(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM,
	    &p->key), 0);
	gnutls_x509_crt_deinit(c);
	gnutls_x509_privkey_deinit(k);
}

static void
pem_free(struct pem *p)
{
	gnutls_free(p->cert.data);
	gnutls_free(p->key.data);
	gnutls_free(p->der.data);
}

static void
file_put(const char *path, const void *data, size_t len)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void
files_put(const gnutls_datum_t *cert, const gnutls_datum_t *key)
{
	file_put(certpath, cert->data, cert->size);
	file_put(keypath, key->data, key->size);
}

static void
dir_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(certpath, sizeof(certpath), "%s/cert.pem", dir);
	snprintf(keypath, sizeof(keypath), "%s/key.pem", dir);
	tls_opts.cert = certpath;
	tls_opts.key = keypath;
}

static void
dir_teardown(void)
{
	unlink(certpath);
	unlink(keypath);
	rmdir(dir);
}

/* The certificate new handshakes get now, as DER, the caller's pointer. */
static const gnutls_datum_t *
served(void)
{
	gnutls_pcert_st		*pcert = NULL;
	gnutls_privkey_t	 key = NULL;
	unsigned int		 n = 0;

	ck_assert_int_eq(tls_retrieve(NULL, NULL, 0, NULL, 0, &pcert, &n,
	    &key), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_nonnull(key);
	return &pcert[0].cert;
}

static int
same(const gnutls_datum_t *a, const gnutls_datum_t *b)
{
	return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

static int
check_args(int argc, const char **argv)
{
	struct poptOption	 table[] = {
		{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, tls_popt_table, 0,
		  NULL, NULL },
		POPT_TABLEEND
	};
	poptContext		 ctx;
	int			 rc;

	ctx = poptGetContext("test", argc, argv, table, 0);
	while ((rc = poptGetNextOpt(ctx)) > 0)
		;
	ck_assert_int_eq(rc, -1);
	rc = tls_opts_check();
	poptFreeContext(ctx);
	return rc;
}

/* popt's copies of the file names, which the daemons keep for good. */
static void
check_free(void)
{
	free((void *)(uintptr_t)tls_opts.cert);
	free((void *)(uintptr_t)tls_opts.key);
	tls_opts.cert = tls_opts.key = NULL;
}

START_TEST(test_opts_neither)
{
	const char	*argv[] = { "t", NULL };

	ck_assert_int_eq(check_args(1, argv), 0);
	ck_assert_int_eq(tls_enabled(), 0);
	ck_assert_int_eq(tls_opts.min, TLS_MIN_13);
}
END_TEST

START_TEST(test_opts_both_and_min)
{
	const char	*argv[] = { "t", "--tls-cert", "c", "--tls-key", "k",
	    "--tls-min", "1.2", NULL };

	ck_assert_int_eq(check_args(7, argv), 0);
	ck_assert_int_ne(tls_enabled(), 0);
	ck_assert_int_eq(tls_opts.min, TLS_MIN_12);
	ck_assert_ptr_nonnull(strstr(tls_priority_string(), "+VERS-TLS1.2"));
	check_free();
}
END_TEST

START_TEST(test_opts_min_13)
{
	const char	*argv[] = { "t", "--tls-cert", "c", "--tls-key", "k",
	    "--tls-min", "1.3", NULL };

	ck_assert_int_eq(check_args(7, argv), 0);
	ck_assert_int_eq(tls_opts.min, TLS_MIN_13);
	ck_assert_ptr_null(strstr(tls_priority_string(), "TLS1.2"));
	check_free();
}
END_TEST

START_TEST(test_opts_cert_alone)
{
	const char	*argv[] = { "t", "--tls-cert", "c", NULL };

	ck_assert_int_eq(check_args(3, argv), -1);
	check_free();
}
END_TEST

START_TEST(test_opts_key_alone)
{
	const char	*argv[] = { "t", "--tls-key", "k", NULL };

	ck_assert_int_eq(check_args(3, argv), -1);
	check_free();
}
END_TEST

START_TEST(test_opts_bad_min)
{
	const char	*argv[] = { "t", "--tls-min", NULL, NULL };

	/* Each test runs in its own process: one bad value per run. */
	argv[2] = bad[_i];
	ck_assert_int_eq(check_args(3, argv), -1);
	check_free();
}
END_TEST

START_TEST(test_init_missing_file)
{
	dir_setup();
	ck_assert_int_eq(tls_init(), -1);
	tls_release();
	dir_teardown();
}
END_TEST

START_TEST(test_reload_keeps_and_takes)
{
	struct pem		 a, b;
	const gnutls_datum_t	*first;
	const char		 junk[] = "-----BEGIN CERTIFICATE-----\nno\n";

	pem_make(&a, "a.test");
	pem_make(&b, "b.test");
	dir_setup();
	files_put(&a.cert, &a.key);
	ck_assert_int_eq(tls_init(), 0);
	first = served();
	ck_assert(same(first, &a.der));

	/* A broken certificate, an empty key, a key of another pair. */
	file_put(certpath, junk, sizeof(junk) - 1);
	ck_assert_int_eq(tls_reload(), -1);
	ck_assert(same(served(), &a.der));
	files_put(&b.cert, &a.key);
	ck_assert_int_eq(tls_reload(), -1);
	ck_assert(same(served(), &a.der));
	file_put(keypath, "", 0);
	ck_assert_int_eq(tls_reload(), -1);
	ck_assert(same(served(), &a.der));
	unlink(keypath);
	ck_assert_int_eq(tls_reload(), -1);
	ck_assert(same(served(), &a.der));

	/* The good new pair; the one handed out before is still whole. */
	files_put(&b.cert, &b.key);
	ck_assert_int_eq(tls_reload(), 0);
	ck_assert(same(served(), &b.der));
	ck_assert(same(first, &a.der));
	ck_assert_int_eq(tls_reload(), 0);
	ck_assert(same(served(), &b.der));

	tls_release();
	tls_release();
	dir_teardown();
	pem_free(&a);
	pem_free(&b);
}
END_TEST

START_TEST(test_session_new)
{
	struct pem		pem;
	gnutls_session_t	s;

	pem_make(&pem, "s.test");
	dir_setup();
	files_put(&pem.cert, &pem.key);
	ck_assert_int_eq(tls_session_new(&s, 0), -1);
	setenv("SSLKEYLOGFILE", "/tmp/sanctuary-never", 1);
	ck_assert_int_eq(tls_init(), 0);
	ck_assert_ptr_null(getenv("SSLKEYLOGFILE"));
	ck_assert_int_eq(tls_session_new(&s, 0), 0);
	ck_assert_ptr_null(gnutls_session_get_keylog_function(s));
	gnutls_deinit(s);
	tls_release();
	dir_teardown();
	pem_free(&pem);
}
END_TEST

Suite *
suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*t = tcase_create("common");

	tcase_add_test(t, test_opts_neither);
	tcase_add_test(t, test_opts_both_and_min);
	tcase_add_test(t, test_opts_min_13);
	tcase_add_test(t, test_opts_cert_alone);
	tcase_add_test(t, test_opts_key_alone);
	tcase_add_loop_test(t, test_opts_bad_min, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(t, test_init_missing_file);
	tcase_add_test(t, test_reload_keeps_and_takes);
	tcase_add_test(t, test_session_new);
	suite_add_tcase(s, t);
	return s;
}
