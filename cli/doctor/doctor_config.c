/* tscns doctor: the OpenSSL configuration in effect, and the TLS level for RSA-1024 cards. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "doctor.h"
#include "provider_conf.h"

/* Where OpenSSL will look for the module of @p e: its module line, else the modules dir. */
static void module_of(const struct cli_provider_entry *e, char *out, size_t size)
{
    if (e->module != NULL && e->module[0] == '/')
        snprintf(out, size, "%s", e->module);
    else
        snprintf(out, size, "%s/%s", doctor_modules_dir(),
                 e->module != NULL ? e->module : DOCTOR_MODULE_FILE);
}

static void judge_config(struct doctor *d, const char *path, const CONF *conf)
{
    const char *providers = NULL;
    STACK_OF(CONF_VALUE) *list = cli_conf_providers(conf, &providers);
    struct cli_provider_entry tscns, deflt;
    char module[PATH_MAX];

    if (list == NULL) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s loads no providers (no openssl_conf line, or no providers section in "
                   "it): add the provider sections to it, or point OPENSSL_CONF at a file that "
                   "has them; " DOCTOR_EXAMPLE,
                   path);
        return;
    }
    cli_conf_find_provider(conf, list, DOCTOR_PROVIDER, DOCTOR_MODULE_FILE, &tscns);
    cli_conf_find_provider(conf, list, "default", NULL, &deflt);
    if (!tscns.listed) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s does not list tscns in [%s]: add `tscns = tscns_sect` and a [tscns_sect] "
                   "with module and `activate = 1`, " DOCTOR_EXAMPLE,
                   path, providers);
        return;
    }
    if (!tscns.active) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s lists tscns but does not activate it: add `activate = 1` to [%s]", path,
                   tscns.section);
        return;
    }
    module_of(&tscns, module, sizeof(module));
    if (!doctor_readable_file(module)) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s activates tscns from %s, which does not exist: fix `module =` in [%s]", path,
                   module, tscns.section);
        return;
    }
    if (!deflt.active) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s activates tscns but not default: OpenSSL then stops loading default by "
                   "itself and programs lose their ordinary algorithms; add `default = "
                   "default_sect` first in [%s] and `activate = 1` in [default_sect], or run "
                   "`tscns setup`",
                   path, providers);
        return;
    }
    if (deflt.position > tscns.position) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s lists tscns before default in [%s]: OpenSSL gives RSA key generation to "
                   "the first RSA provider, so `openssl genrsa` and `openssl req -newkey` fail "
                   "(\"operation not supported for this keytype\"); move `default = %s` above "
                   "the tscns line, or run `tscns setup`",
                   path, providers, deflt.section);
        return;
    }
    d->tscns_configured = 1;
    snprintf(d->pin_source, sizeof(d->pin_source), "%s",
             cli_conf_value(conf, tscns.section, "pin-source") != NULL
                 ? cli_conf_value(conf, tscns.section, "pin-source")
                 : "");
    doctor_add(d, "openssl_config", DOCTOR_OK, CLI_OK, "%s activates default, then tscns (%s)",
               path, module);
}

void doctor_check_config(struct doctor *d)
{
    char *allocated;
    const char *path = cli_conf_path(&allocated);

    snprintf(d->config_path, sizeof(d->config_path), "%s", path != NULL ? path : "");
    CONF *conf = NCONF_new(NULL);
    long line = 0;

    if (path == NULL || conf == NULL) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_INTERNAL, "out of memory");
    } else if (!doctor_readable_file(path)) {
        doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s (%s): %s: point OPENSSL_CONF at a configuration that activates "
                   "tscns, " DOCTOR_EXAMPLE,
                   path, allocated == NULL ? "OPENSSL_CONF" : "OpenSSL's default",
                   doctor_why_not());
    } else {
        ERR_set_mark();
        if (NCONF_load(conf, path, &line) <= 0)
            doctor_add(d, "openssl_config", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                       "%s does not parse (line %ld): OpenSSL programs will ignore it", path, line);
        else
            judge_config(d, path, conf);
        ERR_pop_to_mark();
    }
    NCONF_free(conf);
    OPENSSL_free(allocated);
}

void doctor_check_security_level(struct doctor *d)
{
    SSL_CTX *ssl;
    int level;

    if (d->key_bits == 0 || d->key_bits > 1024)
        return;
    /* A TLS context made as any program makes one: the configuration in effect applies. */
    ERR_set_mark();
    ssl = SSL_CTX_new(TLS_client_method());
    level = ssl != NULL ? SSL_CTX_get_security_level(ssl) : -1;
    SSL_CTX_free(ssl);
    ERR_pop_to_mark();
    if (level < 0)
        doctor_add(d, "security_level", DOCTOR_PROBLEM, CLI_INTERNAL,
                   "OpenSSL cannot make a TLS context with the configuration in effect");
    else if (level >= 2)
        doctor_add(d, "security_level", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "the card's key is RSA-%d and OpenSSL runs TLS at security level %d (Debian "
                   "12's default), which refuses keys under 2048 bits (\"ee key too small\" "
                   "from curl, Python and s_client): run `tscns setup --seclevel1`, or set "
                   "`CipherString = DEFAULT@SECLEVEL=1` in the [system_default_sect] of %s; "
                   "Python also needs ctx.set_ciphers(\"DEFAULT:@SECLEVEL=1\")",
                   d->key_bits, level, d->config_path);
    else
        doctor_add(d, "security_level", DOCTOR_NOTE, CLI_OK,
                   "the card's key is RSA-%d: TLS works at security level %d, which the "
                   "configuration sets (Debian 12 defaults to 2 and would refuse the key)",
                   d->key_bits, level);
}
