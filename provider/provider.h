/*
 * The provider context shared by every operation of tscns.so, and the dispatch tables that
 * provider.c registers.
 */
#ifndef TSP_PROVIDER_H
#define TSP_PROVIDER_H

#include <pthread.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/types.h>

/* Where failures are told to the person (log.h); `log` in the provider section. */
enum tsp_log_target { TSP_LOG_AUTO, TSP_LOG_STDERR, TSP_LOG_SYSLOG, TSP_LOG_NONE };

typedef struct tsp_prov {
    const OSSL_CORE_HANDLE *handle;
    /* The core's dispatch table, valid while the provider lives: the software context needs it. */
    const OSSL_DISPATCH *core_in;
    OSSL_FUNC_core_new_error_fn *core_new_error;
    OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
    OSSL_FUNC_core_vset_error_fn *core_vset_error;
    /* The core's BIO functions: the decoders read their input with them (decoder.c). */
    OSSL_FUNC_BIO_read_ex_fn *core_bio_read_ex;
    OSSL_FUNC_BIO_gets_fn *core_bio_gets;
    /* Configuration from openssl.cnf; NULL when not set. */
    char *reader;
    char *serial;
    char *pin_source;
    /* "pinentry" or "pinentry:/PATH": ask through a pinentry program, not the caller. */
    char *pin_prompt;
    /* pkcs11-module and backend (tscns/card.h): which road serves a card. */
    char *pkcs11_module;
    int backend;
    int debug;
    enum tsp_log_target log;
    /*
     * A library context of our own with only the default provider, for the software parts
     * (certificate parsing, digests, PSS). Using the caller's context from inside a provider
     * call could fetch our own algorithms again, or take locks the caller already holds.
     * Created on first use so that loading the provider costs nothing.
     */
    pthread_mutex_t sw_lock;
    OSSL_LIB_CTX *sw_libctx;
    OSSL_PROVIDER *sw_default;
} tsp_prov;

/* The software library context, created on first call; NULL (error raised) on failure. */
OSSL_LIB_CTX *tsp_prov_swctx(tsp_prov *prov);

/* Log a line to stderr when the provider was configured with debug = 1. Never PIN bytes. */
void tsp_prov_debug(const tsp_prov *prov, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

extern const OSSL_DISPATCH tsp_store_functions[];
extern const OSSL_DISPATCH tsp_rsa_keymgmt_functions[];
extern const OSSL_DISPATCH tsp_rsa_signature_functions[];
extern const OSSL_DISPATCH tsp_keyref_pem_decoder_functions[];
extern const OSSL_DISPATCH tsp_keyref_der_decoder_functions[];

#endif
