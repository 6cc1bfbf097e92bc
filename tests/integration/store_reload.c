/*
 * tscns-test-store-reload: one long-running process with the tscns provider (OPENSSL_CONF),
 * for tests/integration/extend-reload.sh.
 *
 *   tscns-test-store-reload CERT-URI KEY-URI
 *
 * Loads the certificate and the key through OSSL_STORE, signs with the key and checks the
 * signature against the certificate ("cert1: <SHA-256 of the DER>", "sign1: ok"), prints
 * "ready" and waits for a line on stdin (meanwhile the test renews the card's certificate from
 * another process), then loads the certificate again and signs again with the key object it
 * already had ("cert2: ...", "sign2: ok"). Exit 1 with an OpenSSL error dump on any failure.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/store.h>
#include <openssl/x509.h>

/* The first object of @p type at @p uri (an OSSL_STORE_INFO the caller frees), or NULL. */
static OSSL_STORE_INFO *load_one(const char *uri, int type)
{
    OSSL_STORE_CTX *s = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    OSSL_STORE_INFO *info = NULL;

    if (s == NULL)
        return NULL;
    while (!OSSL_STORE_eof(s)) {
        info = OSSL_STORE_load(s);
        if (info == NULL || OSSL_STORE_INFO_get_type(info) == type)
            break;
        OSSL_STORE_INFO_free(info);
        info = NULL;
    }
    OSSL_STORE_close(s);
    return info;
}

static X509 *load_cert(const char *uri, const char *label)
{
    OSSL_STORE_INFO *info = load_one(uri, OSSL_STORE_INFO_CERT);
    X509 *x = info != NULL ? OSSL_STORE_INFO_get1_CERT(info) : NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    OSSL_STORE_INFO_free(info);
    if (x == NULL || X509_digest(x, EVP_sha256(), md, &mdlen) != 1) {
        X509_free(x);
        return NULL;
    }
    printf("%s: ", label);
    for (unsigned int i = 0; i < mdlen; i++)
        printf("%02x", md[i]);
    printf("\n");
    fflush(stdout);
    return x;
}

/* Sign with the card key, verify with @p cert's public key in software. */
static int sign_check(EVP_PKEY *key, X509 *cert, const char *label)
{
    static const unsigned char msg[] = "tscns store reload";
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok;

    ok = md != NULL && EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
         EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(md);
    md = ok ? EVP_MD_CTX_new() : NULL;
    ok = md != NULL &&
         EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, X509_get0_pubkey(cert), NULL) ==
             1 &&
         EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(md);
    printf("%s: %s\n", label, ok ? "ok" : "failed");
    fflush(stdout);
    return ok;
}

int main(int argc, char **argv)
{
    OSSL_STORE_INFO *info = NULL;
    EVP_PKEY *key = NULL;
    X509 *first = NULL, *second = NULL;
    char line[64];
    int rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: %s CERT-URI KEY-URI\n", argv[0]);
        return 2;
    }
    first = load_cert(argv[1], "cert1");
    if (first == NULL)
        goto end;
    info = load_one(argv[2], OSSL_STORE_INFO_PKEY);
    key = info != NULL ? OSSL_STORE_INFO_get1_PKEY(info) : NULL;
    if (key == NULL || !sign_check(key, first, "sign1"))
        goto end;
    printf("ready\n");
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL) {
        fprintf(stderr, "no go line on stdin\n");
        goto end;
    }
    second = load_cert(argv[1], "cert2");
    if (second == NULL || !sign_check(key, second, "sign2"))
        goto end;
    rc = 0;
end:
    if (rc != 0)
        ERR_print_errors_fp(stderr);
    OSSL_STORE_INFO_free(info);
    EVP_PKEY_free(key);
    X509_free(first);
    X509_free(second);
    return rc;
}
