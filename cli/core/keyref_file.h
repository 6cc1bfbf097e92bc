/**
 * @file keyref_file.h
 * @brief The PEM key-reference file (`tscns keyref`), for the commands that write one.
 */
#ifndef TSCNS_CLI_KEYREF_FILE_H
#define TSCNS_CLI_KEYREF_FILE_H

/**
 * Write the key reference naming the card @p serial (and @p reader, when not NULL) to @p path,
 * replaced atomically, or to stdout when @p path is NULL. Prints why on failure; returns an
 * exit code.
 */
int cli_keyref_output(const char *reader, const char *serial, const char *path);

#endif
