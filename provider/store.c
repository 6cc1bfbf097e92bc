/*
 * STORE for the cns: scheme. Opening parses the URI only; the first load reaches the card
 * (through the card cache). Objects, in order: the authentication certificate (DER), the
 * private key as a reference to a key object of this provider, and the public key (DER
 * SubjectPublicKeyInfo, for the default provider to decode).
 */
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/store.h>
#include <openssl/x509.h>

#include "errors.h"
#include "key.h"
#include "uri.h"

static OSSL_FUNC_store_open_fn store_open;
static OSSL_FUNC_store_set_ctx_params_fn store_set_ctx_params;
static OSSL_FUNC_store_settable_ctx_params_fn store_settable_ctx_params;
static OSSL_FUNC_store_load_fn store_load;
static OSSL_FUNC_store_eof_fn store_eof;
static OSSL_FUNC_store_close_fn store_close;

enum step { STEP_CERT, STEP_PRIVATE, STEP_PUBLIC, STEP_DONE };

typedef struct storectx {
    tsp_prov *prov;
    tsp_uri uri;
    int expect; /* OSSL_STORE_INFO_* or 0 */
    enum step step;
    char *bad_uri;       /* a URI that does not parse, reported by the first load */
    const char *bad_why; /* static, from tsp_uri_parse */
} storectx;

static void *store_open(void *provctx, const char *uri)
{
    storectx *s = OPENSSL_zalloc(sizeof(*s));
    const char *why = NULL;

    if (s == NULL)
        return NULL;
    s->prov = provctx;
    if (tsp_uri_parse(uri, &s->uri, &why))
        return s;
    /*
     * Refusing the open would bury the reason: OpenSSL 3.0's OSSL_STORE_open_ex() has tried
     * the URI as a file first, and keeps that loader's "unregistered scheme" and "stat(cns:...)"
     * errors ahead of ours. An open that succeeds drops them; the first load says what is wrong.
     */
    if ((s->bad_uri = OPENSSL_strdup(uri)) == NULL) {
        OPENSSL_free(s);
        return NULL;
    }
    s->bad_why = why;
    return s;
}

static int store_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
    storectx *s = loaderctx;
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT)) != NULL &&
        !OSSL_PARAM_get_int(p, &s->expect))
        return 0;
    return 1;
}

static const OSSL_PARAM *store_settable_ctx_params(void *provctx)
{
    static const OSSL_PARAM settable[] = {OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
                                          OSSL_PARAM_END};

    (void)provctx;
    return settable;
}

static int wanted(const storectx *s, enum step step)
{
    switch (step) {
    case STEP_CERT:
        return (s->uri.type == TSP_URI_ANY || s->uri.type == TSP_URI_CERT) &&
               (s->expect == 0 || s->expect == OSSL_STORE_INFO_CERT);
    case STEP_PRIVATE:
        return (s->uri.type == TSP_URI_ANY || s->uri.type == TSP_URI_PRIVATE) &&
               (s->expect == 0 || s->expect == OSSL_STORE_INFO_PKEY);
    case STEP_PUBLIC:
        return (s->uri.type == TSP_URI_ANY || s->uri.type == TSP_URI_PUBLIC) &&
               (s->expect == 0 || s->expect == OSSL_STORE_INFO_PUBKEY);
    default:
        return 0;
    }
}

/*
 * Move past the objects the URI and the caller's expectation leave out. Done when asked, not
 * at open: OSSL_STORE_expect() arrives after the open.
 */
static void skip_unwanted(storectx *s)
{
    while (s->step < STEP_DONE && !wanted(s, s->step))
        s->step++;
}

static int load_cert(storectx *s, tscns_card *card, OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    OSSL_PARAM params[4];
    const uint8_t *der;
    size_t len;
    int type = OSSL_OBJECT_CERT;
    tscns_err err;

    if ((err = tscns_card_certificate(card, &der, &len)) != TSCNS_OK) {
        tsp_raise_card(s->prov, err, card, NULL, -1);
        return 0;
    }
    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, (void *)der, len);
    params[2] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC,
                                                 "TS-CNS authentication certificate", 0);
    params[3] = OSSL_PARAM_construct_end();
    return object_cb(params, object_cbarg);
}

static int load_public(storectx *s, tsp_key *key, OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    OSSL_PARAM params[6];
    unsigned char *der = NULL;
    int len, ok, type = OSSL_OBJECT_PKEY;

    if ((len = i2d_PUBKEY(key->pub, &der)) <= 0) {
        tsp_raise(s->prov, TSCNS_PR_SOFTWARE, "cannot encode the public key");
        return 0;
    }
    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "RSA", 0);
    params[2] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_STRUCTURE,
                                                 "SubjectPublicKeyInfo", 0);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der, (size_t)len);
    params[4] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC,
                                                 "TS-CNS authentication public key", 0);
    params[5] = OSSL_PARAM_construct_end();
    ok = object_cb(params, object_cbarg);
    OPENSSL_free(der);
    return ok;
}

static int load_private(tsp_key *key, OSSL_CALLBACK *object_cb, void *object_cbarg)
{
    OSSL_PARAM params[5];
    int type = OSSL_OBJECT_PKEY;

    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "RSA", 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key));
    params[3] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC,
                                                 "TS-CNS authentication key (on the card)", 0);
    params[4] = OSSL_PARAM_construct_end();
    return object_cb(params, object_cbarg);
}

static int store_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
                      OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    storectx *s = loaderctx;
    tscns_card *card;
    tsp_key *key;
    enum step step;
    int ok;

    if (s->bad_uri != NULL) {
        if (s->step != STEP_DONE)
            tsp_raise(s->prov, TSCNS_PR_BAD_URI, "%s: %s", s->bad_uri, s->bad_why);
        s->step = STEP_DONE;
        return 0;
    }
    skip_unwanted(s);
    if ((step = s->step) == STEP_DONE)
        return 0;
    /* One object per call; a failure ends the listing instead of repeating the card I/O. */
    s->step++;
    if (step == STEP_CERT) {
        if ((card = tsp_uri_card(s->prov, &s->uri)) == NULL)
            goto fail;
        if (!load_cert(s, card, object_cb, object_cbarg))
            goto fail;
        return 1;
    }
    /* The PIN is asked for only when the caller wants the private key itself (-key). */
    key = tsp_key_open(s->prov, &s->uri, pw_cb, pw_cbarg,
                       step == STEP_PRIVATE && s->expect == OSSL_STORE_INFO_PKEY);
    if (key == NULL)
        goto fail;
    ok = step == STEP_PRIVATE ? load_private(key, object_cb, object_cbarg)
                              : load_public(s, key, object_cb, object_cbarg);
    tsp_key_free(key);
    if (!ok)
        goto fail;
    return 1;
fail:
    s->step = STEP_DONE;
    return 0;
}

static int store_eof(void *loaderctx)
{
    storectx *s = loaderctx;

    if (s->bad_uri != NULL)
        return s->step == STEP_DONE;
    skip_unwanted(s);
    return s->step == STEP_DONE;
}

static int store_close(void *loaderctx)
{
    storectx *s = loaderctx;

    tsp_uri_clear(&s->uri);
    OPENSSL_free(s->bad_uri);
    OPENSSL_free(s);
    return 1;
}

const OSSL_DISPATCH tsp_store_functions[] = {
    {OSSL_FUNC_STORE_OPEN, (void (*)(void))store_open},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))store_set_ctx_params},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))store_settable_ctx_params},
    {OSSL_FUNC_STORE_LOAD, (void (*)(void))store_load},
    {OSSL_FUNC_STORE_EOF, (void (*)(void))store_eof},
    {OSSL_FUNC_STORE_CLOSE, (void (*)(void))store_close},
    {0, NULL}};
