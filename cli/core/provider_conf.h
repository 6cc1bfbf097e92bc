/**
 * @file provider_conf.h
 * @brief The OpenSSL configuration in effect and the tscns provider's section in it: read by
 * `tscns doctor` (to judge it) and by every command that opens a card (pkcs11-module, backend).
 */
#ifndef TSCNS_CLI_PROVIDER_CONF_H
#define TSCNS_CLI_PROVIDER_CONF_H

#include <openssl/conf.h>

/** $OPENSSL_CONF if set, else OpenSSL's default file (then *@p allocated is to be freed). */
const char *cli_conf_path(char **allocated);

/** A value from @p section, or NULL (without leaving an error on the queue). */
const char *cli_conf_value(const CONF *conf, const char *section, const char *name);

/** "1", "yes", "true", "on", in any case. */
int cli_conf_true(const char *v);

/** How one provider is set up in the [providers] list. */
struct cli_provider_entry {
    const char *section;
    const char *module; /* NULL: found by name in the modules directory */
    int listed;
    int active;
    int position; /* in the providers section: OpenSSL activates them in this order */
};

/** Find provider @p want (by name or identity, or by @p module_file as the module's base
 * name) in @p list, the configuration's providers section. */
void cli_conf_find_provider(const CONF *conf, STACK_OF(CONF_VALUE) * list, const char *want,
                            const char *module_file, struct cli_provider_entry *out);

/** The providers section of @p conf (openssl_conf -> providers), or NULL. */
STACK_OF(CONF_VALUE) * cli_conf_providers(const CONF *conf, const char **name);

#endif
