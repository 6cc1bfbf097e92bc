/* The client certificate and key of a benchmark route, put into an SSL_CTX. */
#ifndef BENCH_CLIENT_CREDS_H
#define BENCH_CLIENT_CREDS_H

#include <openssl/ssl.h>

/*
 * Through OSSL_STORE: "cns:" URIs go to the tscns provider (the card), file paths to the
 * default provider (a software key). The PIN, if any, comes from the provider configuration.
 * Returns 1 on success.
 */
int creds_from_store(SSL_CTX *ctx, const char *cert_uri, const char *key_uri);

/*
 * Through libp11's "pkcs11" ENGINE on the PKCS#11 module MODULE (OpenSC's): both the
 * certificate and the key are read from the token by their pkcs11: URIs, logging in with PIN.
 * Returns 1 on success.
 */
int creds_from_engine(SSL_CTX *ctx, const char *module, const char *cert_uri, const char *key_uri,
                      const char *pin);
/* Lets the engine go, once nothing uses the key any more (the SSL_CTX is freed). */
void creds_engine_release(void);

#endif
