/* The card key through OSSL_STORE, as the test drivers of this folder load it. */
#ifndef TSCNS_TEST_DRIVER_KEY_H
#define TSCNS_TEST_DRIVER_KEY_H

#include <openssl/types.h>

/*
 * The first private key behind @p uri in @p libctx (NULL: the default context). @p pin, when
 * not NULL, is what the passphrase callback answers; NULL gives the store no callback at all.
 * NULL on failure, with OpenSSL's errors queued.
 */
EVP_PKEY *driver_load_key(OSSL_LIB_CTX *libctx, const char *uri, const char *pin);

#endif
