/* The backend of a command: its options first, then the provider's configuration. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "provider_conf.h"
#include "provider_path.h"

/* pkcs11-module and backend of the tscns section of the OpenSSL configuration in effect. */
static void from_config(struct cli_backend *out, const char **module, const char **backend,
                        CONF *conf)
{
    char *allocated = NULL;
    const char *path = cli_conf_path(&allocated);
    const char *providers = NULL;
    STACK_OF(CONF_VALUE) * list;
    struct cli_provider_entry e;
    long line = 0;

    ERR_set_mark();
    if (path != NULL && NCONF_load(conf, path, &line) > 0 &&
        (list = cli_conf_providers(conf, &providers)) != NULL) {
        cli_conf_find_provider(conf, list, "tscns", CLI_PROVIDER_FILE, &e);
        if (e.listed) {
            *module = cli_conf_value(conf, e.section, "pkcs11-module");
            *backend = cli_conf_value(conf, e.section, "backend");
            if (*module != NULL || *backend != NULL)
                snprintf(out->source, sizeof(out->source), "[%s] of %s", e.section, path);
        }
    }
    ERR_pop_to_mark();
    OPENSSL_free(allocated);
}

void cli_backend_choose(const struct cli_global *g, struct cli_backend *out)
{
    const char *module = g->pkcs11_module, *backend = g->backend;
    CONF *conf = NCONF_new(NULL);

    memset(out, 0, sizeof(*out));
    snprintf(out->source, sizeof(out->source), "default");
    if ((module == NULL || backend == NULL) && conf != NULL) {
        const char *cmodule = NULL, *cbackend = NULL;

        from_config(out, &cmodule, &cbackend, conf);
        if (module == NULL)
            module = cmodule;
        if (backend == NULL)
            backend = cbackend;
    }
    if (g->pkcs11_module != NULL || g->backend != NULL)
        snprintf(out->source, sizeof(out->source), "%s%s%s", g->backend != NULL ? "--backend" : "",
                 g->backend != NULL && g->pkcs11_module != NULL ? ", " : "",
                 g->pkcs11_module != NULL ? "--pkcs11-module" : "");
    if (backend == NULL || !tscns_backend_parse(backend, &out->backend))
        out->backend = TSCNS_BACKEND_AUTO;
    snprintf(out->module, sizeof(out->module), "%s", module != NULL ? module : "");
    NCONF_free(conf);
}

tscns_err cli_backend_apply(const struct cli_global *g, tscns_ctx *ctx, struct cli_backend *out)
{
    struct cli_backend local;

    if (out == NULL)
        out = &local;
    cli_backend_choose(g, out);
    return tscns_ctx_set_backend(ctx, out->backend, out->module[0] != '\0' ? out->module : NULL);
}
