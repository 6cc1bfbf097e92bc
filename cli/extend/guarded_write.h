/**
 * @file guarded_write.h
 * @brief The card write itself: the PUK once, UPDATE BINARY with read-back, roll-back on failure.
 */
#ifndef TSCNS_CLI_EXTEND_GUARDED_WRITE_H
#define TSCNS_CLI_EXTEND_GUARDED_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/card.h"

struct write_job {
    tscns_card *card;
    const char *serial;     /* for the restore command we print */
    const char *reader;     /* --reader the user gave, or NULL */
    const uint8_t *old_der; /* what to put back on failure; NULL if nothing sound to put back */
    size_t old_len;
    const uint8_t *new_der;
    size_t new_len;
    const char *backup_path; /* where the card's old certificate is saved (NULL if none) */
    const char *ca_file;     /* --ca-cert the user gave, or NULL */
    const char *puk_file;    /* NULL: ask on the terminal */
    int no_puk;              /* do not verify the PUK first */
};

/**
 * Verify the PUK (asked once, never retried), write with read-back, and on any failure write
 * the old certificate back and verify it, or say how to restore the backup.
 * Returns an exit code.
 */
int guarded_write(const struct write_job *j);

#endif
