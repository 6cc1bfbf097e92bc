/**
 * @file pin.h
 * @brief `tscns pin verify|change|unblock`: one table entry each, run by one function.
 */
#ifndef TSCNS_CLI_PIN_H
#define TSCNS_CLI_PIN_H

#include "options.h"
#include "pin_codes.h"
#include "session.h"
#include "tscns/card.h"

/** One of `tscns pin verify|change|unblock`: what it asks for and what it sends. */
struct pin_command {
    const char *name; /* the subcommand word: "verify" */
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
 * Report the outcome of a PIN or PUK operation: the tries left in words after a wrong one,
 * what to do when blocked. @p kind is the secret the card checked. Returns the exit code.
 */
int pin_report_failure(const struct cli_session *s, tscns_err err, int tries,
                       enum secret_kind kind);

/**
 * Parse the options, open the card, ask for the codes (checking their format before anything
 * is sent), send the one command, wipe the codes and say what happened. Returns the exit code.
 */
int pin_command_run(const struct pin_command *pc, const struct cli_global *global, int argc,
                    char **argv);

#endif
