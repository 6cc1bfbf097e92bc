/*
 * One answer to "where is tscns.so" for setup, extend and doctor: `cmake --install` puts the
 * module in OpenSSL's modules directory and the command in <prefix>/bin, so a search that
 * only looks next to the command fails after an install, and one that only looks in the
 * modules directory fails in the build tree.
 */
#include "provider_path.h"

#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli.h"

const char *cli_modules_dir(void)
{
    const char *dir = getenv("OPENSSL_MODULES");

    if (dir == NULL || *dir == '\0')
        dir = OPENSSL_info(OPENSSL_INFO_MODULES_DIR);
    return dir != NULL ? dir : ".";
}

static int next_to_command(char *out, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    int len;

    if (n < 0)
        return -1;
    exe[n] = '\0';
    len = snprintf(out, size, "%s/lib/" CLI_PROVIDER_FILE, dirname(dirname(exe)));
    return len >= 0 && (size_t)len < size ? 0 : -1;
}

int cli_provider_path(char *out, size_t size, char *tried, size_t tried_size)
{
    const char *env = getenv("TSCNS_PROVIDER");
    char near[PATH_MAX];
    int len;

    if (env != NULL && *env != '\0') {
        snprintf(out, size, "%s", env);
        snprintf(tried, tried_size, "%s (TSCNS_PROVIDER)", env);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    len = snprintf(out, size, "%s/" CLI_PROVIDER_FILE, cli_modules_dir());
    if (len >= 0 && (size_t)len < size && access(out, R_OK) == 0)
        return 0;
    if (next_to_command(near, sizeof(near)) != 0)
        snprintf(near, sizeof(near), "<bindir>/../lib/" CLI_PROVIDER_FILE);
    snprintf(tried, tried_size, "%s (OpenSSL's modules directory) nor %s (next to the command)",
             out, near);
    if (access(near, R_OK) != 0)
        return -1;
    snprintf(out, size, "%s", near);
    return 0;
}

int cli_find_provider(const char *cmd, char *out, size_t size)
{
    char tried[2 * PATH_MAX + 64];

    if (cli_provider_path(out, size, tried, sizeof(tried)) == 0)
        return CLI_OK;
    fprintf(stderr,
            "tscns %s: the tscns provider is not in %s: install tscns completely, or set "
            "TSCNS_PROVIDER to the path of tscns.so\n",
            cmd, tried);
    return CLI_FILE_ERROR;
}
