#include "cmp_tls.h"

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

SSL_CTX *cmp_tls_ctx(OSSL_LIB_CTX *libctx, X509 *cert, EVP_PKEY *pkey, const char *ca_file)
{
    SSL_CTX *ctx = SSL_CTX_new_ex(libctx, NULL, TLS_client_method());

    if (ctx == NULL)
        return NULL;
    /*
     * Debian's default security level 2 refuses RSA-1024 client keys, and the older card
     * families have nothing else (docs/card.md, section 7); the server still decides what it
     * takes.
     */
    if (EVP_PKEY_get_bits(pkey) < 2048)
        SSL_CTX_set_security_level(ctx, 1);
    if (!SSL_CTX_use_certificate(ctx, cert) || !SSL_CTX_use_PrivateKey(ctx, pkey) ||
        !SSL_CTX_load_verify_file(ctx, ca_file)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

static int is_ip(const char *host)
{
    unsigned char addr[16];

    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

BIO *cmp_tls_cb(BIO *bio, void *arg, int connect, int detail)
{
    struct cmp_tls *t = arg;

    if (connect && detail) {
        BIO *sbio = BIO_new(BIO_f_ssl());
        SSL *ssl = sbio != NULL ? SSL_new(t->ssl_ctx) : NULL;

        if (ssl == NULL) {
            BIO_free(sbio);
            return NULL;
        }
        if (is_ip(t->host)) {
            /* A name check would never match an address; RFC 6066 forbids SNI for one. */
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host);
        } else {
            SSL_set_tlsext_host_name(ssl, t->host);
            SSL_set1_host(ssl, t->host);
        }
        SSL_set_connect_state(ssl);
        BIO_set_ssl(sbio, ssl, BIO_CLOSE);
        return BIO_push(sbio, bio);
    }
    if (!connect && bio != NULL && BIO_method_type(bio) == BIO_TYPE_SSL) {
        BIO *next;

        /* A failed shutdown after a finished exchange is no error worth reporting. */
        ERR_set_mark();
        BIO_ssl_shutdown(bio);
        ERR_pop_to_mark();
        next = BIO_pop(bio);
        BIO_free(bio);
        return next;
    }
    return bio;
}
