/* The OpenSSL configuration in effect and the tscns provider's section in it. */
#include "provider_conf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

const char *cli_conf_path(char **allocated)
{
    const char *env = getenv("OPENSSL_CONF");

    *allocated = NULL;
    if (env != NULL && *env != '\0')
        return env;
    *allocated = CONF_get1_default_config_file();
    return *allocated;
}

const char *cli_conf_value(const CONF *conf, const char *section, const char *name)
{
    const char *v;

    ERR_set_mark();
    v = NCONF_get_string(conf, section, name);
    ERR_pop_to_mark();
    return v;
}

int cli_conf_true(const char *v)
{
    return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
                         strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0);
}

void cli_conf_find_provider(const CONF *conf, STACK_OF(CONF_VALUE) * list, const char *want,
                            const char *module_file, struct cli_provider_entry *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < sk_CONF_VALUE_num(list); i++) {
        const CONF_VALUE *v = sk_CONF_VALUE_value(list, i);
        const char *identity = cli_conf_value(conf, v->value, "identity");
        const char *module = cli_conf_value(conf, v->value, "module");
        const char *base = module != NULL ? strrchr(module, '/') : NULL;
        int named = strcmp(identity != NULL ? identity : v->name, want) == 0;

        base = base != NULL ? base + 1 : module;
        if (!named && !(module_file != NULL && base != NULL && strcmp(base, module_file) == 0))
            continue;
        out->listed = 1;
        out->position = i;
        out->section = v->value;
        out->module = module;
        out->active = cli_conf_true(cli_conf_value(conf, v->value, "activate"));
        return;
    }
}

STACK_OF(CONF_VALUE) * cli_conf_providers(const CONF *conf, const char **name)
{
    const char *init = cli_conf_value(conf, NULL, "openssl_conf");
    const char *providers = init != NULL ? cli_conf_value(conf, init, "providers") : NULL;

    *name = providers;
    return providers != NULL ? NCONF_get_section(conf, providers) : NULL;
}
