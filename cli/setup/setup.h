/**
 * @file setup.h
 * @brief `tscns setup`: the per-user OpenSSL configuration, or the system one with --system.
 */
#ifndef TSCNS_CLI_SETUP_H
#define TSCNS_CLI_SETUP_H

#include <stddef.h>

#include "cli.h"

cli_command_fn cmd_setup;

/** What the command line asked for. */
struct setup_opts {
    const char *dir;    /* --dir: the per-user folder, or NULL for the XDG default */
    const char *config; /* --config: the system file, or NULL for OpenSSL's default one */
    int seclevel1;      /* --seclevel1: TLS security level 1, for RSA-1024 cards */
    int force;          /* --force: over changes made after setup (see the help) */
};

/** The per-user folder, certificate, key reference and config; prints what to run next. */
int setup_user(const struct cli_global *g, const struct setup_opts *o);
/** Remove what setup_user() wrote. */
int setup_user_undo(const struct setup_opts *o);
/** Add the marked block to the system file, checked and with a backup. */
int setup_system(const struct setup_opts *o);
/** Put the system file back from the backup, byte for byte. */
int setup_system_undo(const struct setup_opts *o);

/**
 * OpenSSL's default configuration file (OPENSSLDIR/openssl.cnf), or @p config made absolute,
 * into @p out. Not OPENSSL_CONF: that may be the per-user file that includes this one.
 */
int setup_system_file(const char *config, char *out, size_t size);

#endif
