/* Client credentials through OSSL_STORE: the tscns route (cns: URIs) and the software baseline. */
#include "client_creds.h"

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/store.h>

/* The first object of kind EXPECT at URI (a new reference), or NULL. */
static OSSL_STORE_INFO *load_first(const char *uri, int expect)
{
    OSSL_STORE_INFO *found = NULL;
    OSSL_STORE_CTX *s = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    if (s == NULL) {
        return NULL;
    }
    OSSL_STORE_expect(s, expect);
    while (found == NULL && !OSSL_STORE_eof(s)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(s);
        if (info == NULL) {
            break;
        }
        if (OSSL_STORE_INFO_get_type(info) == expect) {
            found = info;
        } else {
            OSSL_STORE_INFO_free(info);
        }
    }
    OSSL_STORE_close(s);
    return found;
}

int creds_from_store(SSL_CTX *ctx, const char *cert_uri, const char *key_uri)
{
    int ok = 0;
    OSSL_STORE_INFO *cert = load_first(cert_uri, OSSL_STORE_INFO_CERT);
    OSSL_STORE_INFO *key = cert ? load_first(key_uri, OSSL_STORE_INFO_PKEY) : NULL;
    if (key == NULL) {
        fprintf(stderr, "bench: cannot load %s\n", cert ? key_uri : cert_uri);
        goto end;
    }
    ok = SSL_CTX_use_certificate(ctx, OSSL_STORE_INFO_get0_CERT(cert)) == 1 &&
         SSL_CTX_use_PrivateKey(ctx, OSSL_STORE_INFO_get0_PKEY(key)) == 1 &&
         SSL_CTX_check_private_key(ctx) == 1;
end:
    if (!ok) {
        ERR_print_errors_fp(stderr);
    }
    OSSL_STORE_INFO_free(cert);
    OSSL_STORE_INFO_free(key);
    return ok;
}
