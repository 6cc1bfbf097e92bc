/**
 * @file json_error.h
 * @brief Under --json, a failure is a JSON object on standard output too: a script that
 * parses stdout gets {"error": {"code", "message", "detail", "hint"}} instead of nothing.
 * The words still go to stderr, and the exit code stays.
 */
#ifndef TSCNS_CLI_JSON_ERROR_H
#define TSCNS_CLI_JSON_ERROR_H

/** Turn JSON errors on when the command line asks for --json (before any "--"). */
void cli_json_errors_from_args(int argc, char **argv);

/**
 * Remember why the command fails: the first call wins (later messages are consequences).
 * @p detail and @p hint may be NULL.
 */
void cli_error_note(const char *message, const char *detail, const char *hint);

/** A JSON document was started on stdout: a failure then needs no second one. */
void cli_json_document_started(void);

/**
 * At the end of a command that exits with @p rc: under --json, after a failure that printed
 * no JSON, print the error object on stdout. Returns @p rc.
 */
int cli_json_error_end(int rc);

#endif
