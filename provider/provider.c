/*
 * Entry point of tscns.so: reads the configuration, registers the algorithm tables, and does
 * nothing else. Loading the provider makes no PC/SC call and builds no library context; both
 * happen on first use of a cns: object.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "tscns/card.h"
#include "tscns/cert_store.h"
#include "tscns/keyref.h"
#include "tscns/timeout.h"

#include "card_cache.h"
#include "errors.h"
#include "log.h"
#include "provider.h"

#define TSP_NAME "tscns: TS-CNS smart card provider"
/* Set by provider/CMakeLists.txt from project(VERSION), the one place the version is written. */
#ifndef TSP_VERSION
#define TSP_VERSION "unknown"
#endif

static OSSL_FUNC_provider_teardown_fn prov_teardown;
static OSSL_FUNC_provider_gettable_params_fn prov_gettable_params;
static OSSL_FUNC_provider_get_params_fn prov_get_params;
static OSSL_FUNC_provider_query_operation_fn prov_query_operation;
static OSSL_FUNC_provider_get_reason_strings_fn prov_get_reason_strings;

#define RSA_NAMES "RSA:rsaEncryption:1.2.840.113549.1.1.1"

static const OSSL_ALGORITHM store_algs[] = {
    {"cns", "provider=tscns", tsp_store_functions, "TS-CNS card objects (cns: URIs)"},
    {NULL, NULL, NULL, NULL}};
static const OSSL_ALGORITHM keymgmt_algs[] = {
    {RSA_NAMES, "provider=tscns", tsp_rsa_keymgmt_functions, "RSA key on a TS-CNS card"},
    {NULL, NULL, NULL, NULL}};
static const OSSL_ALGORITHM signature_algs[] = {
    {RSA_NAMES, "provider=tscns", tsp_rsa_signature_functions,
     "RSA PKCS#1 v1.5 and PSS signatures by a TS-CNS card"},
    {NULL, NULL, NULL, NULL}};
/* decoder.c says why the key-reference file takes two decoders. */
static const OSSL_ALGORITHM decoder_algs[] = {
    {"DER", "provider=tscns,input=pem", tsp_keyref_pem_decoder_functions,
     "PEM " TSCNS_KEYREF_PEM_LABEL " to DER"},
    {RSA_NAMES, "provider=tscns,input=der", tsp_keyref_der_decoder_functions,
     TSCNS_KEYREF_PEM_LABEL " (DER) to a card key"},
    {NULL, NULL, NULL, NULL}};

OSSL_LIB_CTX *tsp_prov_swctx(tsp_prov *prov)
{
    OSSL_LIB_CTX *ctx;

    pthread_mutex_lock(&prov->sw_lock);
    if (prov->sw_libctx == NULL) {
        prov->sw_libctx = OSSL_LIB_CTX_new_from_dispatch(prov->handle, prov->core_in);
        if (prov->sw_libctx != NULL &&
            (prov->sw_default = OSSL_PROVIDER_load(prov->sw_libctx, "default")) == NULL) {
            OSSL_LIB_CTX_free(prov->sw_libctx);
            prov->sw_libctx = NULL;
        }
    }
    ctx = prov->sw_libctx;
    pthread_mutex_unlock(&prov->sw_lock);
    if (ctx == NULL)
        tsp_raise(prov, TSCNS_PR_SOFTWARE,
                  "cannot load the default provider for the software "
                  "parts");
    return ctx;
}

void tsp_prov_debug(const tsp_prov *prov, const char *fmt, ...)
{
    va_list ap;

    if (prov == NULL || !prov->debug)
        return;
    va_start(ap, fmt);
    fputs("tscns: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void prov_free(tsp_prov *prov)
{
    if (prov == NULL)
        return;
    OSSL_PROVIDER_unload(prov->sw_default);
    OSSL_LIB_CTX_free(prov->sw_libctx);
    pthread_mutex_destroy(&prov->sw_lock);
    OPENSSL_free(prov->reader);
    OPENSSL_free(prov->serial);
    OPENSSL_free(prov->pin_source);
    OPENSSL_free(prov->pin_prompt);
    OPENSSL_free(prov->pkcs11_module);
    OPENSSL_free(prov);
}

static void prov_teardown(void *provctx)
{
    prov_free(provctx);
    tsp_cache_release();
}

static const OSSL_PARAM *prov_gettable_params(void *provctx)
{
    static const OSSL_PARAM gettable[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
                                          OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
                                          OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
                                          OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
                                          OSSL_PARAM_END};

    (void)provctx;
    return gettable;
}

static int prov_get_params(void *provctx, OSSL_PARAM params[])
{
    OSSL_PARAM *p;

    (void)provctx;
    if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME)) != NULL &&
        !OSSL_PARAM_set_utf8_ptr(p, TSP_NAME))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION)) != NULL &&
        !OSSL_PARAM_set_utf8_ptr(p, TSP_VERSION))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO)) != NULL &&
        !OSSL_PARAM_set_utf8_ptr(p, TSP_VERSION))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS)) != NULL &&
        !OSSL_PARAM_set_int(p, 1))
        return 0;
    return 1;
}

static const OSSL_ALGORITHM *prov_query_operation(void *provctx, int operation_id, int *no_cache)
{
    (void)provctx;
    *no_cache = 0;
    switch (operation_id) {
    case OSSL_OP_STORE:
        return store_algs;
    case OSSL_OP_KEYMGMT:
        return keymgmt_algs;
    case OSSL_OP_SIGNATURE:
        return signature_algs;
    case OSSL_OP_DECODER:
        return decoder_algs;
    default:
        return NULL;
    }
}

static const OSSL_ITEM *prov_get_reason_strings(void *provctx)
{
    (void)provctx;
    return tsp_reason_strings();
}

static const OSSL_DISPATCH prov_functions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))prov_teardown},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))prov_gettable_params},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))prov_get_params},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))prov_query_operation},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))prov_get_reason_strings},
    {0, NULL}};

/* Keep @p value (NULL or empty: not set). 0 only when the copy cannot be made. */
static int set_option(char **slot, const char *value)
{
    if (value == NULL || *value == '\0')
        return 1;
    return (*slot = OPENSSL_strdup(value)) != NULL;
}

/* The provider section of openssl.cnf: reader, serial, pin-source, pin-prompt, debug, log. */
static int read_config(tsp_prov *prov, OSSL_FUNC_core_get_params_fn *get_params)
{
    const char *reader = NULL, *serial = NULL, *pin_source = NULL, *debug = NULL, *log = NULL;
    const char *pin_prompt = NULL;
    OSSL_PARAM params[7];

    params[0] = OSSL_PARAM_construct_utf8_ptr("reader", (char **)&reader, 0);
    params[1] = OSSL_PARAM_construct_utf8_ptr("serial", (char **)&serial, 0);
    params[2] = OSSL_PARAM_construct_utf8_ptr("pin-source", (char **)&pin_source, 0);
    params[3] = OSSL_PARAM_construct_utf8_ptr("debug", (char **)&debug, 0);
    params[4] = OSSL_PARAM_construct_utf8_ptr("log", (char **)&log, 0);
    params[5] = OSSL_PARAM_construct_utf8_ptr("pin-prompt", (char **)&pin_prompt, 0);
    params[6] = OSSL_PARAM_construct_end();
    if (get_params != NULL && !get_params(prov->handle, params))
        return 0;
    prov->debug = debug != NULL && (strcmp(debug, "1") == 0 || strcmp(debug, "yes") == 0);
    /* A typo must not stop every OpenSSL program from starting: say it and use auto. */
    if (!tsp_log_set(prov, log))
        fprintf(stderr, "tscns: log = %s is not auto, stderr, syslog or none; using auto\n", log);
    return set_option(&prov->reader, reader) && set_option(&prov->serial, serial) &&
           set_option(&prov->pin_source, pin_source) && set_option(&prov->pin_prompt, pin_prompt);
}

/*
 * card-timeout: the deadline of every card operation (tscns/timeout.h). Process-wide in cardio:
 * with two provider instances configured differently, the one loaded last wins. A malformed
 * value keeps the default: like a typo in `log`, it must not stop every OpenSSL program.
 */
static int read_card_timeout(tsp_prov *prov, OSSL_FUNC_core_get_params_fn *get_params)
{
    const char *value = NULL;
    OSSL_PARAM params[2];
    int seconds;

    params[0] = OSSL_PARAM_construct_utf8_ptr("card-timeout", (char **)&value, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (get_params == NULL || !get_params(prov->handle, params) || value == NULL)
        return 1;
    if (!tscns_card_timeout_parse(value, &seconds)) {
        fprintf(stderr,
                "tscns: card-timeout = %s is not whole seconds from 1 to %d; using the "
                "default\n",
                value, TSCNS_CARD_TIMEOUT_MAX);
        return 1;
    }
    return tscns_set_card_timeout(seconds);
}

/*
 * pkcs11-module and backend. Like a typo in `log`, a bad value must not stop every OpenSSL
 * program: it is said on stderr and the provider keeps to what it can do safely (auto, which
 * serves a card cardio recognises natively; native when no module is given).
 */
static int read_backend(tsp_prov *prov, OSSL_FUNC_core_get_params_fn *get_params)
{
    const char *module = NULL, *backend = NULL;
    tscns_backend b = TSCNS_BACKEND_AUTO;
    OSSL_PARAM params[3];

    params[0] = OSSL_PARAM_construct_utf8_ptr("pkcs11-module", (char **)&module, 0);
    params[1] = OSSL_PARAM_construct_utf8_ptr("backend", (char **)&backend, 0);
    params[2] = OSSL_PARAM_construct_end();
    if (get_params != NULL && !get_params(prov->handle, params))
        return 0;
    if (backend != NULL && !tscns_backend_parse(backend, &b))
        fprintf(stderr, "tscns: backend = %s is not auto, native or pkcs11; using auto\n", backend);
    if (b == TSCNS_BACKEND_PKCS11 && (module == NULL || *module == '\0')) {
        fprintf(stderr, "tscns: backend = pkcs11 needs pkcs11-module = PATH; using native\n");
        b = TSCNS_BACKEND_NATIVE;
    }
    prov->backend = (int)b;
    return set_option(&prov->pkcs11_module, module);
}

/*
 * cert-cache = no: the per-user certificate cache (tscns/cert_store.h) is neither read nor
 * written; every cold start reads the whole certificate. Process-wide like card-timeout. A value
 * other than yes or no is said and leaves the cache on.
 */
static void read_cert_cache(tsp_prov *prov, OSSL_FUNC_core_get_params_fn *get_params)
{
    const char *value = NULL;
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_ptr("cert-cache", (char **)&value, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (get_params == NULL || !get_params(prov->handle, params) || value == NULL)
        return;
    if (strcmp(value, "no") == 0)
        tscns_cert_store_enable(0);
    else if (strcmp(value, "yes") == 0)
        tscns_cert_store_enable(1);
    else
        fprintf(stderr, "tscns: cert-cache = %s is not yes or no; using yes\n", value);
}

__attribute__((visibility("default"))) int OSSL_provider_init(const OSSL_CORE_HANDLE *handle,
                                                              const OSSL_DISPATCH *in,
                                                              const OSSL_DISPATCH **out,
                                                              void **provctx)
{
    OSSL_FUNC_core_get_params_fn *get_params = NULL;
    tsp_prov *prov;
    const OSSL_DISPATCH *d;

    if ((prov = OPENSSL_zalloc(sizeof(*prov))) == NULL)
        return 0;
    prov->handle = handle;
    prov->core_in = in;
    pthread_mutex_init(&prov->sw_lock, NULL);
    for (d = in; d->function_id != 0; d++) {
        switch (d->function_id) {
        case OSSL_FUNC_CORE_GET_PARAMS:
            get_params = OSSL_FUNC_core_get_params(d);
            break;
        case OSSL_FUNC_CORE_NEW_ERROR:
            prov->core_new_error = OSSL_FUNC_core_new_error(d);
            break;
        case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
            prov->core_set_error_debug = OSSL_FUNC_core_set_error_debug(d);
            break;
        case OSSL_FUNC_CORE_VSET_ERROR:
            prov->core_vset_error = OSSL_FUNC_core_vset_error(d);
            break;
        case OSSL_FUNC_BIO_READ_EX:
            prov->core_bio_read_ex = OSSL_FUNC_BIO_read_ex(d);
            break;
        case OSSL_FUNC_BIO_GETS:
            prov->core_bio_gets = OSSL_FUNC_BIO_gets(d);
            break;
        default:
            break;
        }
    }
    if (prov->core_new_error == NULL || prov->core_set_error_debug == NULL ||
        prov->core_vset_error == NULL || !read_config(prov, get_params) ||
        !read_card_timeout(prov, get_params) || !read_backend(prov, get_params)) {
        prov_free(prov);
        return 0;
    }
    read_cert_cache(prov, get_params);
    tsp_cache_hold();
    *out = prov_functions;
    *provctx = prov;
    return 1;
}
