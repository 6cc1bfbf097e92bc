/**
 * @file progress.h
 * @brief One line on stderr per step of `tscns extend`, with the time since the command began.
 *
 * A real card takes seconds for a write; the user sees which step it is in, and a bug report
 * shows where the time went.
 */
#ifndef TSCNS_CLI_EXTEND_PROGRESS_H
#define TSCNS_CLI_EXTEND_PROGRESS_H

/** Start the clock (the first progress() call starts it too). */
void progress_start(void);

/** "[  1.23 s] MESSAGE" on stderr. */
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** "tscns extend: refused: MESSAGE" on stderr, for a check that stops the command. */
void refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
