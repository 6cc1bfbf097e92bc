/* tscns doctor: the provider module, where it is and whether OpenSSL loads it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "doctor.h"
#include "provider_path.h"

const char *doctor_modules_dir(void)
{
    return cli_modules_dir();
}

/* The reasons OpenSSL queued since the mark, with their data ("dlopen: ... invalid ELF header"). */
static void queued_errors(char *buf, size_t size)
{
    const char *data;
    int flags;
    size_t used = 0;
    unsigned long e;

    buf[0] = '\0';
    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0 && used < size) {
        const char *reason = ERR_reason_error_string(e);

        if (!(flags & ERR_TXT_STRING))
            data = "";
        used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s", used > 0 ? "; " : "",
                                 reason != NULL ? reason : "", reason != NULL && *data ? ": " : "",
                                 data);
    }
    if (buf[0] == '\0')
        snprintf(buf, size, "no reason given");
}

/*
 * In a private library context the module is loaded as a fresh program would load it, whatever
 * the configuration already did to this process. Only its parameters are asked for: loading
 * and answering them must do no card I/O (docs/design.md), so this check works without pcscd.
 */
static void check_load(struct doctor *d, const char *path)
{
    OSSL_LIB_CTX *lib = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *prov;
    const char *name = NULL, *version = NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, &name, 0),
                           OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, &version, 0),
                           OSSL_PARAM_END};
    char why[512];

    if (lib == NULL) {
        doctor_add(d, "provider_load", DOCTOR_PROBLEM, CLI_INTERNAL, "out of memory");
        return;
    }
    ERR_set_mark();
    prov = OSSL_PROVIDER_load(lib, path);
    if (prov == NULL) {
        queued_errors(why, sizeof(why));
        doctor_add(d, "provider_load", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "OpenSSL %s cannot load %s: %s", OpenSSL_version(OPENSSL_VERSION_STRING), path,
                   why);
    } else if (!OSSL_PROVIDER_get_params(prov, params) || name == NULL ||
               strncmp(name, DOCTOR_PROVIDER, strlen(DOCTOR_PROVIDER)) != 0) {
        doctor_add(d, "provider_load", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "%s loads but is not the tscns provider (it calls itself '%s')", path,
                   name != NULL ? name : "nothing");
    } else {
        doctor_add(d, "provider_load", DOCTOR_OK, CLI_OK, "OpenSSL %s loads it: %s, version %s",
                   OpenSSL_version(OPENSSL_VERSION_STRING), name,
                   version != NULL ? version : "(no version)");
    }
    if (prov != NULL)
        OSSL_PROVIDER_unload(prov);
    ERR_pop_to_mark();
    OSSL_LIB_CTX_free(lib);
}

/*
 * The module to check: $TSCNS_PROVIDER if set; else the one every tscns command uses
 * (cli_provider_path()).
 */
void doctor_check_provider(struct doctor *d)
{
    const char *env = getenv("TSCNS_PROVIDER");
    char path[PATH_MAX], tried[2 * PATH_MAX + 64];

    if (env != NULL && *env != '\0') {
        snprintf(path, sizeof(path), "%s", env);
        if (!doctor_readable_file(path)) {
            doctor_add(d, "provider_module", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                       "%s (TSCNS_PROVIDER): %s: point it at the tscns.so module", path,
                       doctor_why_not());
            doctor_add(d, "provider_load", DOCTOR_SKIPPED, CLI_OK, "needs the module");
            return;
        }
    } else if (cli_provider_path(path, sizeof(path), tried, sizeof(tried)) != 0) {
        doctor_add(d, "provider_module", DOCTOR_PROBLEM, CLI_FILE_ERROR,
                   "no " DOCTOR_MODULE_FILE " in %s: install tscns completely, or set "
                   "TSCNS_PROVIDER=/path/to/" DOCTOR_MODULE_FILE,
                   tried);
        doctor_add(d, "provider_load", DOCTOR_SKIPPED, CLI_OK, "needs the module");
        return;
    }
    doctor_add(d, "provider_module", DOCTOR_OK, CLI_OK, "%s", path);
    check_load(d, path);
}
