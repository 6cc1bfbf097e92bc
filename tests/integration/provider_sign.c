/*
 * tscns-test-sign: what a signature through tscns.so does with its parameters and with the
 * caller's buffer, in one library context holding default and tscns.
 *
 *   tscns-test-sign properties URI PIN
 *       PROPERTIES and MGF1_PROPERTIES are honoured: a property query the provider's digests
 *       cannot meet (provider=nosuch) fails the initialisation and says so; one they meet
 *       (provider=default) signs, and the signature verifies.
 *   tscns-test-sign failed-buffer URI PIN
 *       for a card whose signature is wrong (tscns-vcard --corrupt bad-signature): the sign
 *       call fails and the signature's bytes of the caller's buffer, filled with a pattern
 *       before, are all zero; the bytes after them keep the pattern.
 * Exits 0 when everything behaves, 1 with the reason on stderr otherwise, 2 on a setup error.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "driver_key.h"

#define PATTERN 0xA5
#define UNMET "provider=nosuch"
#define MET "provider=default"

static const char *pin;

/* The queued errors as text (cleared), for the caller to look for a phrase in. */
static void take_errors(char *buf, size_t size)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n = 0;

    buf[0] = '\0';
    if (b != NULL) {
        ERR_print_errors(b);
        n = BIO_read(b, buf, (int)size - 1);
        BIO_free(b);
    }
    buf[n > 0 ? n : 0] = '\0';
    ERR_clear_error();
}

struct sign_case {
    const char *what;
    const char *pad;
    const char *props;      /* PROPERTIES, with the digest */
    const char *mgf1_props; /* MGF1_PROPERTIES, with the MGF1 digest (PSS only) */
    int digest_sign;        /* 1: EVP_DigestSignInit_ex, the digest named outside the params */
    int must_sign;
};

static const struct sign_case cases[] = {
    {"PKCS#1, digest properties not met", OSSL_PKEY_RSA_PAD_MODE_PKCSV15, UNMET, NULL, 0, 0},
    {"PKCS#1, digest properties met", OSSL_PKEY_RSA_PAD_MODE_PKCSV15, MET, NULL, 0, 1},
    {"PSS, MGF1 properties not met", OSSL_PKEY_RSA_PAD_MODE_PSS, MET, UNMET, 0, 0},
    {"PSS, MGF1 properties met", OSSL_PKEY_RSA_PAD_MODE_PSS, MET, MET, 0, 1},
    {"digest-sign, properties not met", OSSL_PKEY_RSA_PAD_MODE_PKCSV15, UNMET, NULL, 1, 0},
    {"digest-sign, properties met", OSSL_PKEY_RSA_PAD_MODE_PKCSV15, MET, NULL, 1, 1},
};

/* A copy of the public key in the default provider, to check signatures outside tscns.so. */
static EVP_PKEY *public_copy(OSSL_LIB_CTX *libctx, const EVP_PKEY *key)
{
    BIGNUM *n = NULL, *e = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_name(libctx, "RSA", "provider=default");
    EVP_PKEY *pub = NULL;

    if (bld != NULL && pctx != NULL && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) &&
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(pctx) > 0 &&
        EVP_PKEY_fromdata(pctx, &pub, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pub = NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(pctx);
    BN_free(n);
    BN_free(e);
    return pub;
}

/* 1 when @p k behaves as it must, 0 otherwise (the reason printed). */
static int run_case(OSSL_LIB_CTX *libctx, EVP_PKEY *key, EVP_PKEY *pub, const struct sign_case *k)
{
    static const unsigned char msg[] = "signed with a property query";
    OSSL_PARAM params[7], *p = params;
    EVP_MD_CTX *mdctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char hash[32], sig[512];
    size_t siglen = sizeof(sig);
    char errs[4096];
    int init, signed_ok = 0, ok = 0;

    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, (char *)k->pad, 0);
    if (!k->digest_sign)
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, "SHA256", 0);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, (char *)k->props, 0);
    if (k->mgf1_props != NULL) {
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, "SHA256", 0);
        *p++ = OSSL_PARAM_construct_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES,
                                                (char *)k->mgf1_props, 0);
    }
    *p = OSSL_PARAM_construct_end();

    if (mdctx == NULL || !EVP_Digest(msg, sizeof(msg), hash, NULL, EVP_sha256(), NULL))
        goto end;
    if (k->digest_sign) {
        init = EVP_DigestSignInit_ex(mdctx, NULL, "SHA256", libctx, NULL, key, params) > 0;
        signed_ok = init && EVP_DigestSign(mdctx, sig, &siglen, msg, sizeof(msg)) > 0;
    } else {
        pctx = EVP_PKEY_CTX_new_from_pkey(libctx, key, NULL);
        init = pctx != NULL && EVP_PKEY_sign_init_ex(pctx, params) > 0;
        signed_ok = init && EVP_PKEY_sign(pctx, sig, &siglen, hash, sizeof(hash)) > 0;
    }
    take_errors(errs, sizeof(errs));
    if (!k->must_sign) {
        if (init)
            fprintf(stderr, "%s: the initialisation succeeded\n", k->what);
        else if (strstr(errs, "with properties \"" UNMET "\"") == NULL)
            fprintf(stderr, "%s: the error does not name the query: %s\n", k->what, errs);
        else
            ok = 1;
        goto end;
    }
    if (!signed_ok) {
        fprintf(stderr, "%s: no signature: %s\n", k->what, errs);
        goto end;
    }
    /* The provider checks its signature itself; checked again here, outside it. */
    EVP_MD_CTX_free(mdctx);
    if ((mdctx = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestVerifyInit_ex(mdctx, NULL, "SHA256", libctx, "provider=default", pub, params) <=
            0 ||
        EVP_DigestVerify(mdctx, sig, siglen, msg, sizeof(msg)) <= 0) {
        take_errors(errs, sizeof(errs));
        fprintf(stderr, "%s: the signature does not verify: %s\n", k->what, errs);
        goto end;
    }
    ok = 1;
end:
    printf("%s: %s\n", k->what, ok ? "as expected" : "WRONG");
    EVP_PKEY_CTX_free(pctx);
    EVP_MD_CTX_free(mdctx);
    return ok;
}

static int properties(OSSL_LIB_CTX *libctx, EVP_PKEY *key)
{
    EVP_PKEY *pub = public_copy(libctx, key);
    size_t i;
    int ok = pub != NULL;

    if (pub == NULL) {
        ERR_print_errors_fp(stderr);
        return 0;
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ok &= run_case(libctx, key, pub, &cases[i]);
    EVP_PKEY_free(pub);
    return ok;
}

static int failed_buffer(OSSL_LIB_CTX *libctx, EVP_PKEY *key)
{
    unsigned char hash[32] = {1}, sig[512];
    size_t siglen = sizeof(sig), k = (size_t)EVP_PKEY_get_size(key), i, nonzero = 0, changed = 0;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(libctx, key, NULL);
    char errs[4096];
    int rc;

    memset(sig, PATTERN, sizeof(sig));
    if (pctx == NULL || k == 0 || k > sizeof(sig) || EVP_PKEY_sign_init(pctx) <= 0 ||
        EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) <= 0) {
        ERR_print_errors_fp(stderr);
        EVP_PKEY_CTX_free(pctx);
        return 0;
    }
    rc = EVP_PKEY_sign(pctx, sig, &siglen, hash, sizeof(hash));
    EVP_PKEY_CTX_free(pctx);
    take_errors(errs, sizeof(errs));
    for (i = 0; i < k; i++)
        nonzero += sig[i] != 0;
    for (i = k; i < sizeof(sig); i++)
        changed += sig[i] != PATTERN;
    printf("sign: %d; signature bytes not zero: %zu of %zu; bytes after it changed: %zu\n", rc,
           nonzero, k, changed);
    if (rc > 0) {
        fprintf(stderr, "the sign call succeeded with a card that signs wrongly\n");
        return 0;
    }
    if (strstr(errs, "does not verify") == NULL) {
        fprintf(stderr, "the failure is not the signature check: %s\n", errs);
        return 0;
    }
    if (nonzero != 0 || changed != 0) {
        fprintf(stderr, "the caller's buffer holds what the card answered\n");
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *deflt = NULL, *tscns = NULL;
    EVP_PKEY *key = NULL;
    int ok = 0;

    if (argc != 4 ||
        (strcmp(argv[1], "properties") != 0 && strcmp(argv[1], "failed-buffer") != 0)) {
        fprintf(stderr, "usage: tscns-test-sign properties|failed-buffer URI PIN\n");
        return 2;
    }
    pin = argv[3];
    libctx = OSSL_LIB_CTX_new();
    /* Providers are unloaded by hand: the library context keeps a loaded one alive, and the
     * sanitizer build would report its cards and caches as leaked. */
    if (libctx == NULL || (deflt = OSSL_PROVIDER_load(libctx, "default")) == NULL ||
        (tscns = OSSL_PROVIDER_load(libctx, "tscns")) == NULL ||
        (key = driver_load_key(libctx, argv[2], pin)) == NULL) {
        ERR_print_errors_fp(stderr);
        ok = -1;
    } else {
        ok = strcmp(argv[1], "properties") == 0 ? properties(libctx, key)
                                                : failed_buffer(libctx, key);
    }
    EVP_PKEY_free(key);
    OSSL_PROVIDER_unload(tscns);
    OSSL_PROVIDER_unload(deflt);
    OSSL_LIB_CTX_free(libctx);
    return ok < 0 ? 2 : ok ? 0 : 1;
}
