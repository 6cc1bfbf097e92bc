/**
 * @file provider_path.h
 * @brief Where the tscns provider module is, for every command that loads or names it.
 */
#ifndef TSCNS_CLI_PROVIDER_PATH_H
#define TSCNS_CLI_PROVIDER_PATH_H

#include <stddef.h>

/** The module's file name, in OpenSSL's modules directory and in the build tree. */
#define CLI_PROVIDER_FILE "tscns.so"

/** OpenSSL's modules directory: $OPENSSL_MODULES, else the one OpenSSL was built with. */
const char *cli_modules_dir(void);

/**
 * Find the module: $TSCNS_PROVIDER if set (whether or not it is there), else the first readable
 * of OpenSSL's modules directory and <bindir>/../lib (the build tree, or an install that keeps
 * the module by the command). 0 with the path in @p out; -1 when none is readable, with the
 * places looked at in @p tried ("A nor B") for the message.
 */
int cli_provider_path(char *out, size_t size, char *tried, size_t tried_size);

/**
 * cli_provider_path() for a command that needs the module: when it is nowhere, say where
 * "tscns @p cmd" looked and what to do. Returns an exit code.
 */
int cli_find_provider(const char *cmd, char *out, size_t size);

#endif
