/**
 * @file extend.h
 * @brief `tscns extend`: the subcommands and what they share.
 *
 * The card's certificate is the one thing a user cannot get back if a write goes wrong, so
 * every path that writes it goes through extend_install_cert() (checks, backup, PUK, write,
 * read-back, roll-back) and nothing else in this directory touches the card's file.
 */
#ifndef TSCNS_CLI_EXTEND_H
#define TSCNS_CLI_EXTEND_H

#include <openssl/x509.h>

#include "cli.h"

/* The subcommands; argv[0] is the subcommand's name. */
cli_command_fn extend_status;
cli_command_fn extend_request;
cli_command_fn extend_online;
cli_command_fn extend_install;
cli_command_fn extend_restore;

/** How extend_install_cert() may write. */
struct install_opts {
    const char *ca_file;      /* trusted CA certificates; required unless restoring */
    const char *puk_file;     /* first line is the PUK; NULL: ask on the terminal */
    int yes;                  /* no confirmation question */
    int dry_run;              /* everything but the PUK and the write */
    int no_puk;               /* the card's access rule is assumed satisfied without the PUK */
    int restore;              /* putting back a backup: an older notAfter is the point */
    const char *restore_path; /* the backup file, when restoring */
};

/**
 * Check @p leaf (with @p chain as intermediates) against the card, back up the card's
 * certificate, satisfy the access rule and write @p leaf with read-back; roll back on failure.
 * Opens and closes its own card session. Returns an exit code (enum cli_exit).
 */
int extend_install_cert(const struct cli_global *g, const struct install_opts *o, X509 *leaf,
                        STACK_OF(X509) * chain);

#endif
