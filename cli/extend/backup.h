/**
 * @file backup.h
 * @brief The backup of a card's certificate, made durable before anything is written to it.
 */
#ifndef TSCNS_CLI_EXTEND_BACKUP_H
#define TSCNS_CLI_EXTEND_BACKUP_H

#include <stddef.h>
#include <stdint.h>

/**
 * Save @p der as $XDG_STATE_HOME/tscns/backup/<serial>-<UTC time>.der (XDG_STATE_HOME defaults
 * to ~/.local/state), never replacing a file, then fsync the file and its directory.
 * The backup folder and the tscns folder above it must be real folders of the user's own that
 * nobody else can write to (made with mode 0700 when missing); otherwise nothing is saved and
 * the message says how to fix them. The path goes to @p path. Prints why on failure; returns an
 * exit code.
 */
int backup_save(const char *serial, const uint8_t *der, size_t len, char *path, size_t size);

/**
 * Take the card serial from a backup's file name ("<16 digits>-....der").
 * Returns 0 and fills @p serial, or -1 if the name is not in that form.
 */
int backup_serial_of(const char *path, char serial[17]);

#endif
