/**
 * @file confirm.h
 * @brief The one question before a card write: asked on the terminal, never read from stdin.
 */
#ifndef TSCNS_CLI_EXTEND_CONFIRM_H
#define TSCNS_CLI_EXTEND_CONFIRM_H

/**
 * Ask @p question on /dev/tty and wait for "yes" or "y". Returns 1 for yes; 0 for anything
 * else, and 0 with a hint to use --yes when there is no terminal (a script must say so).
 */
int confirm(const char *question);

#endif
