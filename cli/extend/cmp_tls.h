/**
 * @file cmp_tls.h
 * @brief TLS under OpenSSL's CMP HTTP client, authenticated with the card's key and certificate.
 */
#ifndef TSCNS_CLI_EXTEND_CMP_TLS_H
#define TSCNS_CLI_EXTEND_CMP_TLS_H

#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct cmp_tls {
    SSL_CTX *ssl_ctx;
    const char *host; /* for SNI and the server name check */
};

/**
 * An SSL_CTX in @p libctx that presents @p cert with @p pkey (the card key) and trusts the
 * certificates in @p ca_file. NULL on failure (the OpenSSL error queue says why).
 */
SSL_CTX *cmp_tls_ctx(OSSL_LIB_CTX *libctx, X509 *cert, EVP_PKEY *pkey, const char *ca_file);

/** The OSSL_HTTP_bio_cb_t that OSSL_CMP_CTX_set_http_cb() takes; its arg is a struct cmp_tls. */
BIO *cmp_tls_cb(BIO *bio, void *arg, int connect, int detail);

#endif
