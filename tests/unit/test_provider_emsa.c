/*
 * The host-side signature encodings against OpenSSL's own RSA: a block from emsa.c, put
 * through a raw private-key operation (what the card does), must be a signature the default
 * provider verifies; PKCS#1 v1.5 must be byte-identical to OpenSSL's. Key sizes include an odd
 * one (1025 bits), where the PSS encoding is one byte shorter than the modulus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "algid.h"
#include "emsa.h"

static EVP_PKEY *keys[3];
static const unsigned int key_bits[3] = {1024, 1025, 2048};
static const char *const digests[] = {"SHA1", "SHA224", "SHA256", "SHA384", "SHA512"};

static int setup(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);

        if (c == NULL || EVP_PKEY_keygen_init(c) <= 0 ||
            EVP_PKEY_CTX_set_rsa_keygen_bits(c, key_bits[i]) <= 0 ||
            EVP_PKEY_generate(c, &keys[i]) <= 0)
            return -1;
        EVP_PKEY_CTX_free(c);
    }
    return 0;
}

static int teardown(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++)
        EVP_PKEY_free(keys[i]);
    return 0;
}

/* What the card does: the raw RSA private operation on a block of the modulus length. */
static size_t raw_private(EVP_PKEY *key, const unsigned char *block, unsigned char *sig)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    size_t k = (size_t)EVP_PKEY_get_size(key), len = k;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &len, block, k), 1);
    EVP_PKEY_CTX_free(c);
    return len;
}

static int verify(EVP_PKEY *key, const EVP_MD *md, int pad, int salt, const unsigned char *hash,
                  size_t hlen, const unsigned char *sig, size_t siglen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
    int ok;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_verify_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, pad), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, md), 1);
    if (pad == RSA_PKCS1_PSS_PADDING)
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt), 1);
    ok = EVP_PKEY_verify(c, sig, siglen, hash, hlen);
    EVP_PKEY_CTX_free(c);
    return ok;
}

static void test_pkcs1_matches_openssl(void **state)
{
    unsigned char hash[64], block[512], sig[512], ref[512];
    size_t i, d, k, reflen;

    (void)state;
    memset(hash, 0x5a, sizeof(hash));
    for (i = 0; i < 3; i++) {
        k = (size_t)EVP_PKEY_get_size(keys[i]);
        for (d = 0; d < sizeof(digests) / sizeof(digests[0]); d++) {
            EVP_MD *md = EVP_MD_fetch(NULL, digests[d], NULL);
            size_t hlen = (size_t)EVP_MD_get_size(md);
            EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(keys[i], NULL);

            assert_int_equal(tsp_emsa_pkcs1(md, hash, hlen, block, k), 1);
            assert_int_equal(raw_private(keys[i], block, sig), k);
            reflen = sizeof(ref);
            assert_int_equal(EVP_PKEY_sign_init(c), 1);
            assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, md), 1);
            assert_int_equal(EVP_PKEY_sign(c, ref, &reflen, hash, hlen), 1);
            assert_int_equal(reflen, k);
            assert_memory_equal(sig, ref, k);
            EVP_PKEY_CTX_free(c);
            EVP_MD_free(md);
        }
    }
}

static void test_pkcs1_refuses(void **state)
{
    unsigned char hash[64] = {0}, block[128];
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL), *md5 = EVP_MD_fetch(NULL, "MD5", NULL);

    (void)state;
    /* wrong digest length, unsupported digest, block too small for 8 bytes of padding */
    assert_int_equal(tsp_emsa_pkcs1(md, hash, 31, block, sizeof(block)), 0);
    assert_int_equal(tsp_emsa_pkcs1(md5, hash, 16, block, sizeof(block)), 0);
    assert_int_equal(tsp_emsa_pkcs1(md, hash, 32, block, 32 + 19 + 10), 0);
    assert_int_equal(tsp_emsa_pkcs1(md, hash, 32, block, 32 + 19 + 11), 1);
    EVP_MD_free(md);
    EVP_MD_free(md5);
}

static void test_pss_verifies(void **state)
{
    static const int salts[] = {TSP_SALT_DIGEST, TSP_SALT_MAX, TSP_SALT_AUTO, 0, 20};
    unsigned char hash[64], block[512], sig[512];
    size_t i, d, s, k;

    (void)state;
    memset(hash, 0xa5, sizeof(hash));
    for (i = 0; i < 3; i++) {
        k = (size_t)EVP_PKEY_get_size(keys[i]);
        for (d = 0; d < sizeof(digests) / sizeof(digests[0]); d++) {
            EVP_MD *md = EVP_MD_fetch(NULL, digests[d], NULL);
            EVP_MD *mgf1 = EVP_MD_fetch(NULL, "SHA1", NULL);
            size_t hlen = (size_t)EVP_MD_get_size(md);

            for (s = 0; s < sizeof(salts) / sizeof(salts[0]); s++) {
                int salt = salts[s];
                int bytes = tsp_pss_salt_bytes(salt, hlen, (int)key_bits[i]);
                int fits = bytes >= 0 && hlen + (size_t)bytes + 2 <= (key_bits[i] + 6) / 8;

                assert_int_equal(
                    tsp_emsa_pss(NULL, md, md, hash, hlen, salt, (int)key_bits[i], block, k), fits);
                if (!fits)
                    continue;
                assert_int_equal(raw_private(keys[i], block, sig), k);
                assert_int_equal(
                    verify(keys[i], md, RSA_PKCS1_PSS_PADDING, bytes, hash, hlen, sig, k), 1);
            }
            /* MGF1 with another digest than the message's */
            assert_int_equal(tsp_emsa_pss(NULL, md, mgf1, hash, hlen, TSP_SALT_DIGEST,
                                          (int)key_bits[i], block, k),
                             hlen * 2 + 2 <= (key_bits[i] + 6) / 8);
            EVP_MD_free(md);
            EVP_MD_free(mgf1);
        }
    }
}

static void test_algid_pkcs1(void **state)
{
    static const unsigned char sha256_rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                               0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    unsigned char *der = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(tsp_algid_der(md, 0, md, 0, &der, &len), 1);
    assert_int_equal(len, sizeof(sha256_rsa));
    assert_memory_equal(der, sha256_rsa, len);
    OPENSSL_free(der);
    EVP_MD_free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkcs1_matches_openssl),
        cmocka_unit_test(test_pkcs1_refuses),
        cmocka_unit_test(test_pss_verifies),
        cmocka_unit_test(test_algid_pkcs1),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
