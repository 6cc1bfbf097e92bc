/**
 * @file files.h
 * @brief Whole-file reads, and putting a checked file in place, for `tscns setup`.
 */
#ifndef TSCNS_CLI_SETUP_FILES_H
#define TSCNS_CLI_SETUP_FILES_H

#include <stddef.h>
#include <sys/types.h>

/** All of @p path, NUL-terminated (free() it); NULL with errno set on failure. */
char *setup_read_file(const char *path, size_t *len);

/**
 * Replace @p path with @p text (mode @p mode) only if OpenSSL works under it: the text goes to
 * PATH.tscns-new first, setup_validate() runs under that, then it is renamed over @p path and
 * the directory synced. Programs reading @p path meanwhile see the old file or the new one,
 * never a broken one. Prints why on failure; returns an exit code.
 */
int setup_install_checked(const char *path, const char *text, size_t len, mode_t mode);

#endif
