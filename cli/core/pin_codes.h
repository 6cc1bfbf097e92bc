/**
 * @file pin_codes.h
 * @brief Asking for a PIN or PUK, and checking its format before it can reach the card.
 */
#ifndef TSCNS_CLI_PIN_CODES_H
#define TSCNS_CLI_PIN_CODES_H

#include <stddef.h>

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

#endif
