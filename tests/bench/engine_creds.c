/*
 * Client credentials through libp11's pkcs11 ENGINE: the route users take today with OpenSC,
 * the baseline the provider is measured against. ENGINE is deprecated in OpenSSL 3, which is
 * the point of the provider; this file alone uses it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "client_creds.h"

#include <stdio.h>

#include <openssl/engine.h>
#include <openssl/err.h>

/* The engine behind the loaded key: libp11's finish unloads the PKCS#11 module, which the key
 * needs for every signature, so it stays initialised until creds_engine_release(). */
static ENGINE *kept;

/* libp11's LOAD_CERT_CTRL argument (engine_pkcs11 documentation). */
struct load_cert_params {
    const char *uri;
    X509 *cert;
};

int creds_from_engine(SSL_CTX *ctx, const char *module, const char *cert_uri, const char *key_uri,
                      const char *pin)
{
    int ok = 0, inited = 0;
    struct load_cert_params cert = {.uri = cert_uri, .cert = NULL};
    EVP_PKEY *key = NULL;
    ENGINE *e = ENGINE_by_id("pkcs11");
    if (e == NULL) {
        fprintf(stderr, "bench: no pkcs11 engine (Debian package libengine-pkcs11-openssl)\n");
        goto end;
    }
    if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) || !ENGINE_init(e)) {
        fprintf(stderr, "bench: pkcs11 engine: cannot load %s\n", module);
        goto end;
    }
    inited = 1;
    if (!ENGINE_ctrl_cmd_string(e, "PIN", pin, 0)) {
        goto end;
    }
    if (!ENGINE_ctrl_cmd(e, "LOAD_CERT_CTRL", 0, &cert, NULL, 1) || cert.cert == NULL) {
        fprintf(stderr, "bench: pkcs11 engine: no certificate at %s\n", cert_uri);
        goto end;
    }
    key = ENGINE_load_private_key(e, key_uri, NULL, NULL);
    if (key == NULL) {
        fprintf(stderr, "bench: pkcs11 engine: no key at %s\n", key_uri);
        goto end;
    }
    ok = SSL_CTX_use_certificate(ctx, cert.cert) == 1 && SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
         SSL_CTX_check_private_key(ctx) == 1;
end:
    if (!ok) {
        ERR_print_errors_fp(stderr);
    }
    X509_free(cert.cert);
    EVP_PKEY_free(key);
    if (ok) {
        kept = e;
        return ok;
    }
    if (inited) {
        ENGINE_finish(e);
    }
    ENGINE_free(e);
    return ok;
}

void creds_engine_release(void)
{
    if (kept != NULL) {
        ENGINE_finish(kept);
        ENGINE_free(kept);
        kept = NULL;
    }
}
