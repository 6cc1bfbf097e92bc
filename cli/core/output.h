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

/** write(2) all of @p data, retrying short writes and EINTR; 0 or -1 with errno set. */
int cli_write_all(int fd, const void *data, size_t len);

/**
 * fsync a directory, so that a file created or renamed in it survives a crash (the entry must
 * reach the disk too, or a crash can bring back the old state); 0 or -1 with errno set.
 */
int cli_sync_directory(const char *dir);

/** Flush what was printed to stdout; on failure say so and return CLI_FILE_ERROR. */
int cli_flush_stdout(void);

#endif
