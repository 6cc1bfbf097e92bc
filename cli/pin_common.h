/**
 * @file pin_common.h
 * @brief What `tscns pin verify|change|unblock` share: asking for PINs, and the words for
 * every PIN outcome.
 */
#ifndef TSCNS_CLI_PIN_COMMON_H
#define TSCNS_CLI_PIN_COMMON_H

#include <stddef.h>

#include "cli.h"
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

cli_command_fn pin_verify;
cli_command_fn pin_change;
cli_command_fn pin_unblock;

#endif
