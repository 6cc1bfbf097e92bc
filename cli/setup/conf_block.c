/*
 * The block works by overriding, never by editing what is there: OpenSSL keeps the last value
 * of a name in a section, and `[default]` reopens the section that holds `openssl_conf`. So the
 * block, after the rest of the file (or after an `.include` of it), points `openssl_conf` at
 * its own init section, which copies every entry of the file's init section and provider list
 * and adds default and tscns. That works whatever the file has: Debian 12's stock file (an empty
 * [openssl_init], `providers` commented out) and a customised one (its providers and ssl_conf
 * stay in effect). Editing the file's own sections in place would instead depend on their
 * names and on lines that may be commented out.
 */
#include "conf_block.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "provider_path.h"

static CONF *report_parse_error(CONF *conf, const char *name, long line)
{
    unsigned long e = ERR_peek_last_error();

    if (line > 0)
        fprintf(stderr, "tscns setup: %s, line %ld: %s\n", name, line,
                e != 0 ? ERR_reason_error_string(e) : "not valid OpenSSL configuration");
    else
        fprintf(stderr, "tscns setup: cannot read %s: %s\n", name,
                e != 0 ? ERR_reason_error_string(e) : "unknown error");
    ERR_clear_error();
    NCONF_free(conf);
    return NULL;
}

CONF *setup_conf_load(const char *path)
{
    CONF *conf = NCONF_new(NULL);
    long line = 0;

    if (conf == NULL || NCONF_load(conf, path, &line) <= 0)
        return report_parse_error(conf, path, line);
    return conf;
}

CONF *setup_conf_parse(const char *text, size_t len, const char *name)
{
    CONF *conf = NCONF_new(NULL);
    BIO *in = BIO_new_mem_buf(text, (int)len);
    long line = 0;
    int ok = conf != NULL && in != NULL && NCONF_load_bio(conf, in, &line) > 0;

    BIO_free(in);
    return ok ? conf : report_parse_error(conf, name, line);
}

/* The section's own entry only: NCONF_get_string() would fall back to [default]. */
static const char *entry(const CONF *conf, const char *section, const char *name)
{
    STACK_OF(CONF_VALUE) *list = section != NULL ? NCONF_get_section(conf, section) : NULL;

    for (int i = 0; i < sk_CONF_VALUE_num(list); i++) {
        const CONF_VALUE *v = sk_CONF_VALUE_value(list, i);

        if (strcmp(v->name, name) == 0)
            return v->value;
    }
    return NULL;
}

/* A provider of the base file that is tscns by name or by module: the block adds its own. */
static int is_tscns(const CONF *conf, const CONF_VALUE *v)
{
    const char *module = entry(conf, v->value, "module");
    const char *base = module != NULL ? strrchr(module, '/') : NULL;

    base = base != NULL ? base + 1 : module;
    return strcmp(v->name, "tscns") == 0 || (base != NULL && strcmp(base, CLI_PROVIDER_FILE) == 0);
}

int setup_conf_value(BIO *out, const char *s)
{
    /* Quotes, comments, variables and escapes mean something in a value; a backslash keeps
     * the character as it is. */
    for (; *s != '\0'; s++) {
        if (strchr("\\#$\"'", *s) != NULL && BIO_write(out, "\\", 1) != 1)
            return -1;
        if (BIO_write(out, s, 1) != 1)
            return -1;
    }
    return 0;
}

/* Every entry of @p section except @p skip1, @p skip2 and tscns providers (in a provider list). */
static int copy_entries(BIO *out, const CONF *conf, const char *section, const char *skip1,
                        const char *skip2, int providers)
{
    STACK_OF(CONF_VALUE) *list = section != NULL ? NCONF_get_section(conf, section) : NULL;

    for (int i = 0; i < sk_CONF_VALUE_num(list); i++) {
        const CONF_VALUE *v = sk_CONF_VALUE_value(list, i);

        if ((skip1 != NULL && strcmp(v->name, skip1) == 0) ||
            (skip2 != NULL && strcmp(v->name, skip2) == 0) || (providers && is_tscns(conf, v)))
            continue;
        if (BIO_printf(out, "%s = ", v->name) <= 0 || setup_conf_value(out, v->value) != 0 ||
            BIO_write(out, "\n", 1) != 1)
            return -1;
    }
    return 0;
}

static int ssl_sections(BIO *out, const CONF *base, const char *init, const char *p)
{
    const char *ssl = entry(base, init, "ssl_conf");
    const char *sysdef = ssl != NULL ? entry(base, ssl, "system_default") : NULL;

    /* Only CipherString changes: MinProtocol and the like of the base file stay. */
    if (BIO_printf(out, "\n[%s_ssl]\n", p) <= 0 ||
        copy_entries(out, base, ssl, "system_default", NULL, 0) != 0 ||
        BIO_printf(out, "system_default = %s_system_default\n\n[%s_system_default]\n", p, p) <= 0 ||
        copy_entries(out, base, sysdef, "CipherString", NULL, 0) != 0 ||
        BIO_printf(out, "CipherString = DEFAULT@SECLEVEL=1\n") <= 0)
        return -1;
    return 0;
}

int setup_conf_block(BIO *out, const CONF *base, const char *prefix, const char *module,
                     int seclevel1)
{
    const char *init = entry(base, "default", "openssl_conf");
    const char *providers = entry(base, init, "providers");

    if (BIO_printf(out, "[default]\nopenssl_conf = %s_init\n\n[%s_init]\n", prefix, prefix) <= 0 ||
        copy_entries(out, base, init, "providers", seclevel1 ? "ssl_conf" : NULL, 0) != 0 ||
        BIO_printf(out, "providers = %s_providers\n", prefix) <= 0 ||
        (seclevel1 && BIO_printf(out, "ssl_conf = %s_ssl\n", prefix) <= 0))
        return -1;
    /* default first: with tscns before it, fetches for software keys reach tscns first and
     * `openssl genrsa` fails; and default is activated here, because activating any provider
     * stops OpenSSL from loading default by itself. */
    if (BIO_printf(out, "\n[%s_providers]\ndefault = %s_default\n", prefix, prefix) <= 0 ||
        copy_entries(out, base, providers, "default", NULL, 1) != 0 ||
        BIO_printf(out, "tscns = %s_module\n\n[%s_default]\nactivate = 1\n\n[%s_module]\nmodule = ",
                   prefix, prefix, prefix) <= 0 ||
        setup_conf_value(out, module) != 0 || BIO_printf(out, "\nactivate = 1\n") <= 0)
        return -1;
    return seclevel1 ? ssl_sections(out, base, init, prefix) : 0;
}
