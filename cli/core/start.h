/**
 * @file start.h
 * @brief The start and the end every `tscns` command shares: after its own options, refuse
 * operands and open the card; at exit, make sure what was printed reached standard output.
 */
#ifndef TSCNS_CLI_START_H
#define TSCNS_CLI_START_H

#include "options.h"
#include "session.h"

/**
 * Finish a command's start once cli_next_option() returned @p last (CLI_OPT_END or
 * CLI_OPT_STOP): stop on help or a refused option, refuse operands, then open the card into
 * @p s unless @p s is NULL. Returns 1 when the command goes on (with @p s open), or 0 when it
 * must end now with exit code *@p rc (CLI_OK after help; any error already reported).
 */
int cli_start(const struct cli_parser *p, int last, struct cli_session *s, int *rc);

/**
 * The exit code of a command that ended with @p rc: after a success, what it printed is
 * flushed, and a failed write to standard output (a full disk, say) is reported and
 * turns the success into CLI_FILE_ERROR, because the result never reached its reader.
 * After a failure under --json, the error object goes to stdout (json_error.h).
 */
int cli_end(int rc);

#endif
