/*
 * tscns-test-clean-errors: every call that succeeds leaves OpenSSL's error queue empty, as
 * OpenSSL's own providers do (a stale error makes the next failure's report wrong, and some
 * programs check the queue instead of return values).
 *
 *   tscns-test-clean-errors KEYREF-FILE PIN SOFTWARE-KEY [--tscns-first]
 *
 * Loads default and tscns (tscns first with --tscns-first), then: lists cns:, loads the card
 * key by URI and through the key-reference file on both of OpenSSL's routes
 * (PEM_read_bio_PrivateKey and the OSSL_STORE file: loader), compares it with the
 * certificate's key, signs with PKCS#1 v1.5 and PSS and verifies, and does the same with a
 * software key. Prints one line per step; exits 0 only if every step succeeded with an empty
 * queue.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

static const char *pin;
static int failures;

static int give_pin(char *buf, int size, int rwflag, void *u)
{
    int n = (int)strlen(pin);

    (void)rwflag;
    (void)u;
    if (n >= size)
        return -1;
    memcpy(buf, pin, (size_t)n);
    return n;
}

static void step(const char *what, int ok)
{
    int stale = ERR_peek_error() != 0;

    printf("%-44s %s%s\n", what, ok ? "ok" : "FAILED", stale ? ", errors left in the queue:" : "");
    if (stale)
        ERR_print_errors_fp(stdout);
    if (!ok || stale)
        failures++;
    ERR_clear_error();
}

/* The first key (and certificate, if asked) @p uri gives; @p expect 0 lists everything. */
static EVP_PKEY *store_load(const char *uri, int expect, X509 **cert)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(give_pin, 0);
    OSSL_STORE_CTX *s = NULL;
    OSSL_STORE_INFO *info;
    EVP_PKEY *key = NULL;

    if (ui != NULL)
        s = OSSL_STORE_open_ex(uri, NULL, NULL, ui, NULL, NULL, NULL, NULL);
    if (s != NULL && expect != 0 && !OSSL_STORE_expect(s, expect)) {
        OSSL_STORE_close(s);
        s = NULL;
    }
    while (s != NULL && !OSSL_STORE_eof(s) && (info = OSSL_STORE_load(s)) != NULL) {
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY && key == NULL)
            key = OSSL_STORE_INFO_get1_PKEY(info);
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_CERT && cert != NULL && *cert == NULL)
            *cert = OSSL_STORE_INFO_get1_CERT(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(s);
    UI_destroy_method(ui);
    return key;
}

static EVP_PKEY *pem_load(const char *file, pem_password_cb *cb)
{
    BIO *in = BIO_new_file(file, "r");
    EVP_PKEY *key = in != NULL ? PEM_read_bio_PrivateKey(in, NULL, cb, NULL) : NULL;

    BIO_free(in);
    return key;
}

/* SHA-256 signature by @p key checked with @p pub, PKCS#1 v1.5 or PSS. */
static int sign_verify(EVP_PKEY *key, EVP_PKEY *pub, int pss)
{
    static const unsigned char msg[] = "signed while watching the error queue";
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx;
    int ok;

    ok = md != NULL && EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL, key, NULL) == 1 &&
         (!pss || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0) &&
         EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) == 1;
    ok = ok && EVP_MD_CTX_reset(md) &&
         EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pub, NULL) == 1 &&
         (!pss || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0) &&
         EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

int main(int argc, char **argv)
{
    const char *first, *second;
    OSSL_PROVIDER *prov_first, *prov_second;
    EVP_PKEY *key, *other, *pub = NULL, *sw;
    X509 *cert = NULL;

    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "--tscns-first") != 0)) {
        fprintf(stderr, "usage: tscns-test-clean-errors KEYREF PIN SOFTWARE-KEY [--tscns-first]\n");
        return 2;
    }
    pin = argv[2];
    first = argc == 5 ? "tscns" : "default";
    second = argc == 5 ? "default" : "tscns";
    prov_first = OSSL_PROVIDER_load(NULL, first);
    prov_second = OSSL_PROVIDER_load(NULL, second);
    step("load the providers", prov_first != NULL && prov_second != NULL);

    key = store_load("cns:", 0, &cert);
    step("list cns: (certificate, keys)", key != NULL && cert != NULL);
    EVP_PKEY_free(key);
    key = store_load("cns:type=private", OSSL_STORE_INFO_PKEY, NULL);
    step("load cns:type=private", key != NULL);
    if (cert != NULL)
        pub = X509_get_pubkey(cert);
    step("the certificate's public key", pub != NULL);
    if (key == NULL || pub == NULL) {
        printf("failures=%d (no card key to go on with)\n", ++failures);
        return 1;
    }
    step("EVP_PKEY_eq(card key, certificate key)", EVP_PKEY_eq(key, pub) == 1);
    step("sign PKCS#1 v1.5, verify", sign_verify(key, pub, 0));
    step("sign PSS, verify", sign_verify(key, pub, 1));
    step("verify with the card key's public half", sign_verify(key, key, 0));

    other = pem_load(argv[1], give_pin);
    step("key reference by PEM_read_bio_PrivateKey", other != NULL);
    EVP_PKEY_free(other);
    other = store_load(argv[1], OSSL_STORE_INFO_PKEY, NULL);
    step("key reference by the OSSL_STORE file: loader", other != NULL);
    step("sign with that key, verify", other != NULL && sign_verify(other, pub, 0));
    EVP_PKEY_free(other);

    sw = pem_load(argv[3], NULL);
    step("software key by PEM_read_bio_PrivateKey", sw != NULL);
    step("software key signs, verifies", sw != NULL && sign_verify(sw, sw, 0));
    EVP_PKEY_free(sw);
    sw = store_load(argv[3], OSSL_STORE_INFO_PKEY, NULL);
    step("software key by the OSSL_STORE file: loader", sw != NULL);
    EVP_PKEY_free(sw);

    EVP_PKEY_free(key);
    EVP_PKEY_free(pub);
    X509_free(cert);
    /* Held providers are never torn down: the sanitizer's leak check would see all they own. */
    OSSL_PROVIDER_unload(prov_second);
    OSSL_PROVIDER_unload(prov_first);
    printf("failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
