/*
 * Unit tests of keep_uses() (cli/extend): the cases the virtual card cannot reach, since its
 * certificate always has keyUsage and extendedKeyUsage: a card certificate without them (every
 * use allowed), anyExtendedKeyUsage, a lost second keyUsage bit. Certificates are made here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "keep_uses.h"

static EVP_PKEY *key;

static void add_ext(X509 *c, int nid, const char *value)
{
    X509_EXTENSION *ext;

    if (value == NULL)
        return;
    ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
    assert_non_null(ext);
    assert_true(X509_add_ext(c, ext, -1));
    X509_EXTENSION_free(ext);
}

/* A self-signed certificate of @p version (0: v1, 2: v3) with the extensions given (NULL: none). */
static X509 *make(long version, const char *ku, const char *eku)
{
    X509 *c = X509_new();
    X509_NAME *name = X509_NAME_new();

    assert_non_null(c);
    assert_true(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"test",
                                           -1, -1, 0));
    assert_true(X509_set_version(c, version) && X509_set_subject_name(c, name) &&
                X509_set_issuer_name(c, name) && X509_set_pubkey(c, key) &&
                X509_gmtime_adj(X509_getm_notBefore(c), 0) &&
                X509_gmtime_adj(X509_getm_notAfter(c), 3600));
    add_ext(c, NID_key_usage, ku);
    add_ext(c, NID_ext_key_usage, eku);
    assert_true(X509_sign(c, key, EVP_sha256()) > 0);
    X509_NAME_free(name);
    return c;
}

static int failures(X509 *card, X509 *new)
{
    int n = keep_uses(card, new);

    X509_free(card);
    X509_free(new);
    return n;
}

static int setup(void **state)
{
    (void)state;
    key = EVP_EC_gen("P-256");
    return key != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    return 0;
}

static void same_uses_pass(void **state)
{
    (void)state;
    assert_int_equal(failures(make(2, "critical,digitalSignature", "clientAuth"),
                              make(2, "critical,digitalSignature", "clientAuth")),
                     0);
}

static void more_uses_pass(void **state)
{
    (void)state;
    assert_int_equal(
        failures(make(2, "digitalSignature", "clientAuth"),
                 make(2, "digitalSignature,nonRepudiation", "clientAuth,emailProtection")),
        0);
    assert_int_equal(failures(make(2, "digitalSignature", "clientAuth"),
                              make(2, "digitalSignature", "anyExtendedKeyUsage")),
                     0);
}

static void v1_fails_three_ways(void **state)
{
    (void)state;
    assert_int_equal(failures(make(2, "digitalSignature", "clientAuth"), make(0, NULL, NULL)), 3);
}

static void each_lost_use_fails(void **state)
{
    (void)state;
    assert_int_equal(failures(make(2, "digitalSignature,nonRepudiation", "clientAuth"),
                              make(2, "digitalSignature", "clientAuth")),
                     1);
    assert_int_equal(failures(make(2, "digitalSignature", "clientAuth,emailProtection"),
                              make(2, "digitalSignature", "clientAuth")),
                     1);
    assert_int_equal(
        failures(make(2, "digitalSignature", "clientAuth"), make(2, "digitalSignature", NULL)), 1);
}

/* Without the extensions every use was allowed; the new one must still allow a login. */
static void unrestricted_card_needs_login_uses(void **state)
{
    (void)state;
    assert_int_equal(failures(make(2, NULL, NULL), make(2, NULL, NULL)), 0);
    assert_int_equal(failures(make(2, NULL, NULL), make(2, "digitalSignature", "clientAuth")), 0);
    assert_int_equal(failures(make(2, NULL, NULL), make(2, "keyEncipherment", NULL)), 1);
    assert_int_equal(failures(make(2, NULL, NULL), make(2, NULL, "emailProtection")), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_uses_pass),
        cmocka_unit_test(more_uses_pass),
        cmocka_unit_test(v1_fails_three_ways),
        cmocka_unit_test(each_lost_use_fails),
        cmocka_unit_test(unrestricted_card_needs_login_uses),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
