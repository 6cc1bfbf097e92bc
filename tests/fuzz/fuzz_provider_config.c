/*
 * The provider's configuration values: a provider section of openssl.cnf with the input's
 * values for reader, serial, pin-source, debug, log, pin-prompt, card-timeout, backend and
 * pkcs11-module (one per input line; the module is only named at load, not loaded), loaded
 * into a fresh library context so that the module reads them at its initialisation
 * (provider/provider.c, provider/log.c).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/provider.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {"reader",       "serial",  "pin-source",
                                   "debug",        "log",     "pin-prompt",
                                   "card-timeout", "backend", "pkcs11-module"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The [providers] section is read by a module OpenSSL registers only on request. */
    OPENSSL_load_builtin_modules();
    /*
     * Each input's library context unloads the module at its end; libFuzzer keeps counting in
     * the module's coverage counters, so they must stay mapped.
     */
    if (dlopen(TSCNS_MODULE_DIR "/tscns.so", RTLD_NOW | RTLD_NODELETE) == NULL)
        abort();
    return 0;
}

/* The value up to the next line end, quoted for the config parser: it takes it whole. */
static void add_value(BIO *b, const char *key, const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    const uint8_t *stop = nl != NULL ? nl : end;

    BIO_printf(b, "%s = \"", key);
    for (const uint8_t *c = *p; c < stop; c++) {
        if (*c == '"' || *c == '\\' || *c == '$')
            BIO_write(b, "\\", 1);
        BIO_write(b, c, 1);
    }
    BIO_printf(b, "\"\n");
    *p = nl != NULL ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();
    BIO *b = BIO_new(BIO_s_mem());
    CONF *conf = NULL;
    long eline;

    if (libctx == NULL || b == NULL)
        abort();
    BIO_printf(b,
               "openssl_conf = init\n[init]\nproviders = provs\n[provs]\ntscns = tscns_sect\n"
               "[tscns_sect]\nmodule = %s/tscns.so\nactivate = 1\n",
               TSCNS_MODULE_DIR);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && p < end; i++)
        add_value(b, keys[i], &p, end);
    if ((conf = NCONF_new_ex(libctx, NULL)) != NULL && NCONF_load_bio(conf, b, &eline) > 0 &&
        CONF_modules_load(conf, NULL, 0) > 0 && !OSSL_PROVIDER_available(libctx, "tscns"))
        abort(); /* no value may stop the module from loading */
    NCONF_free(conf);
    BIO_free(b);
    OSSL_LIB_CTX_free(libctx);
    ERR_clear_error();
    return 0;
}
