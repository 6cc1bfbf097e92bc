/**
 * @file report.h
 * @brief Turning a cardio error into words on stderr and an exit code.
 */
#ifndef TSCNS_CLI_REPORT_H
#define TSCNS_CLI_REPORT_H

#include "tscns/card.h"

/** The exit code (enum cli_exit) for a cardio error. */
int cli_exit_code(tscns_err err);

/**
 * "<what went wrong> (<detail>)" into @p buf; the detail comes from @p card if given, else from
 * @p ctx (either may be NULL). Returns @p buf.
 */
const char *cli_error_text(tscns_err err, const tscns_ctx *ctx, const tscns_card *card, char *buf,
                           size_t size);

/** What a person can do about @p err on this system, where the message alone does not say. */
const char *cli_hint(tscns_err err);

/**
 * Print "tscns: <what went wrong>: <detail>" and, where one helps, what to do about it.
 * The detail comes from @p card if given, else from @p ctx (either may be NULL).
 * Returns cli_exit_code(err).
 */
int cli_report(tscns_err err, const tscns_ctx *ctx, const tscns_card *card);

/** "2 tries left", "1 try left", "no tries left"; "an unknown number of tries left" if < 0. */
const char *cli_tries_words(int tries, char *buf, size_t size);

#endif
