/**
 * @file pin_input.h
 * @brief Getting a PIN or PUK from the user: a file, or a prompt on the terminal without echo.
 */
#ifndef TSCNS_CLI_PIN_INPUT_H
#define TSCNS_CLI_PIN_INPUT_H

#include <stddef.h>

/* Room for any PIN or PUK (8 digits) with slack to detect over-long input. */
#define CLI_SECRET_MAX 64

/**
 * Read a secret into @p buf: the content of @p file (one trailing newline stripped; a private
 * regular file, include/tscns/pin_file.h) if @p file is not NULL, else a prompt on /dev/tty with
 * echo off. Never reads stdin, so a script without a terminal gets an error instead of a hang. On
 * failure prints why (naming @p what, "PIN" or "PUK", and the @p option that gives it from a file),
 * cleanses @p buf and returns an exit code; CLI_OK on success.
 */
int cli_secret_read(const char *file, const char *option, const char *prompt, const char *what,
                    char *buf, size_t size);

/** Wipe a secret buffer in a way the compiler cannot drop. */
void cli_secret_wipe(char *buf, size_t size);

#endif
