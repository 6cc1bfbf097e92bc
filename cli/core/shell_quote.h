/**
 * @file shell_quote.h
 * @brief A string as one word of a shell command line, for commands we print for copying.
 */
#ifndef TSCNS_CLI_SHELL_QUOTE_H
#define TSCNS_CLI_SHELL_QUOTE_H

/**
 * @p arg as one POSIX shell word: unchanged when every character is plain (letters, digits and
 * `%+,-./:=@_`) and it is not empty; else inside single quotes, each `'` written as `'\''`.
 * Returns a string to free(), or NULL when out of memory.
 */
char *cli_shell_quote(const char *arg);

#endif
