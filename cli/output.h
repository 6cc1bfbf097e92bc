/**
 * @file output.h
 * @brief Where a command's result goes: stdout, or a file replaced atomically.
 */
#ifndef TSCNS_CLI_OUTPUT_H
#define TSCNS_CLI_OUTPUT_H

#include <stddef.h>

/**
 * Replace @p path with @p data so that a reader sees either the old file or the whole new one,
 * never half of it (a temp file in the same directory, fsync, rename, fsync of the directory).
 * The new file gets mode 0666 minus the umask. Prints why on failure; returns an exit code.
 */
int cli_write_file_atomic(const char *path, const void *data, size_t len);

/** Write @p data to @p path with cli_write_file_atomic(), or to stdout when @p path is NULL. */
int cli_output(const char *path, const void *data, size_t len);

/** Write @p data as one PEM block labelled @p label, like cli_output(). */
int cli_output_pem(const char *path, const char *label, const void *data, size_t len);

/** Flush what was printed to stdout; on failure say so and return CLI_FILE_ERROR. */
int cli_flush_stdout(void);

#endif
