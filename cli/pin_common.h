/**
 * @file pin_common.h
 * @brief What `tscns pin verify|change|unblock` share: asking for PINs, and the words for
 * every PIN outcome.
 */
#ifndef TSCNS_CLI_PIN_COMMON_H
#define TSCNS_CLI_PIN_COMMON_H

#include <stddef.h>

#include "cli.h"
#include "options.h"
#include "session.h"

enum secret_kind { SECRET_PIN, SECRET_PUK };

/**
 * Ask for the current PIN or the PUK (from @p file, else the terminal) and check its format,
 * so a malformed one is never sent. Returns CLI_OK or an exit code (already reported).
 */
int pin_read_secret(enum secret_kind kind, const char *file, char *buf, size_t size);

/**
 * Ask for a new PIN (from @p file, else the terminal, typed twice) and check its format.
 * Returns CLI_OK or an exit code (already reported).
 */
int pin_read_new(const char *file, char *buf, size_t size);

/**
 * Report the outcome of a PIN or PUK operation: the tries left in words after a wrong one,
 * what to do when blocked. @p kind is the secret the card checked. Returns the exit code.
 */
int pin_report_failure(const struct cli_session *s, tscns_err err, int tries,
                       enum secret_kind kind);

/** One of `tscns pin verify|change|unblock`: what it asks for and what it sends. */
struct pin_command {
    const char *cmd;  /* "pin verify", for messages */
    const char *help; /* --help text */
    const struct option *longopts;
    enum secret_kind checks; /* the code the card checks: the PIN or the PUK */
    int sets_new_pin;
    /* The one card command; @p new_pin is NULL unless sets_new_pin. */
    tscns_err (*send)(tscns_card *card, const char *code, const char *new_pin, int *tries);
    const char *done; /* printed on success */
};

/* Option codes the pin commands' longopts use. */
enum { PIN_OPT_CODE_FILE = 'p', PIN_OPT_NEW_FILE = 'n' };

/**
 * Parse the options, open the card, ask for the codes (checking their format before anything
 * is sent), send the one command, wipe the codes and say what happened. Returns the exit code.
 */
int pin_command_run(const struct pin_command *pc, const struct cli_global *global, int argc,
                    char **argv);

cli_command_fn pin_verify;
cli_command_fn pin_change;
cli_command_fn pin_unblock;

#endif
