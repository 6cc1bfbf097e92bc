/*
 * tscns-test-last-try: the configured PIN is not sent when the card has one try left.
 *
 *   tscns-test-last-try URI WRONG-PIN CONF-WITH-PIN-SOURCE
 *
 * One process, two library contexts sharing the process-wide card cache of tscns.so:
 *  1. context A (default + tscns, no pin-source) loads the key from URI with WRONG-PIN from the
 *     passphrase callback: the card answers 63C1, the load fails with "1 try left";
 *  2. context B (CONF-WITH-PIN-SOURCE) loads the key and signs: the provider must refuse to
 *     try the configured PIN on the last try, without a VERIFY.
 * Exits 0 when both steps behave; the test script counts the VERIFY APDUs in the card log.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "driver_key.h"

/* The text of the queued errors, which the caller checks for a reason. */
static void errors_to(char *buf, size_t size)
{
    BIO *b = BIO_new(BIO_s_mem());
    int n;

    buf[0] = '\0';
    if (b == NULL)
        return;
    ERR_print_errors(b);
    n = BIO_read(b, buf, (int)size - 1);
    buf[n > 0 ? n : 0] = '\0';
    BIO_free(b);
}

int main(int argc, char **argv)
{
    OSSL_LIB_CTX *a = OSSL_LIB_CTX_new(), *b = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *deflt = NULL, *tscns = NULL;
    EVP_PKEY *key;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    char errs[4096];

    if (argc != 4) {
        fprintf(stderr, "usage: tscns-test-last-try URI WRONG-PIN CONF\n");
        return 2;
    }
    if (a == NULL || b == NULL || md == NULL ||
        (deflt = OSSL_PROVIDER_load(a, "default")) == NULL ||
        (tscns = OSSL_PROVIDER_load(a, "tscns")) == NULL || !OSSL_LIB_CTX_load_config(b, argv[3])) {
        ERR_print_errors_fp(stderr);
        return 2;
    }

    if ((key = driver_load_key(a, argv[1], argv[2])) != NULL) {
        fprintf(stderr, "step 1: the wrong PIN was accepted\n");
        return 1;
    }
    errors_to(errs, sizeof(errs));
    printf("step 1: %s", errs);
    if (strstr(errs, "wrong PIN") == NULL || strstr(errs, "1 try left") == NULL) {
        fprintf(stderr, "step 1: expected \"wrong PIN\" with 1 try left\n");
        return 1;
    }

    if ((key = driver_load_key(b, argv[1], NULL)) == NULL) {
        ERR_print_errors_fp(stderr);
        fprintf(stderr, "step 2: cannot load the key with pin-source configured\n");
        return 1;
    }
    if (EVP_DigestSignInit_ex(md, NULL, "SHA256", b, NULL, key, NULL) == 1 &&
        EVP_DigestSign(md, sig, &siglen, (const unsigned char *)"x", 1) == 1) {
        fprintf(stderr, "step 2: signed: the configured PIN was tried on the last try\n");
        return 1;
    }
    errors_to(errs, sizeof(errs));
    printf("step 2: %s", errs);
    if (strstr(errs, "not tried on the last try") == NULL) {
        fprintf(stderr, "step 2: expected the last-try refusal\n");
        return 1;
    }
    EVP_PKEY_free(key);
    EVP_MD_CTX_free(md);
    /* Held providers and contexts are never torn down: the sanitizer's leak check would see
     * all they own. */
    OSSL_PROVIDER_unload(tscns);
    OSSL_PROVIDER_unload(deflt);
    OSSL_LIB_CTX_free(b);
    OSSL_LIB_CTX_free(a);
    return 0;
}
