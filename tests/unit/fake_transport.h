/**
 * @file fake_transport.h
 * @brief A scripted cardio transport for unit tests of APDU encoding and status words: each
 * expected command (hex) is paired with the answer to give; anything unexpected fails the test.
 */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/transport.h"

#define FAKE_MAX_STEPS 64

typedef struct fake_step {
    const char *cmd_hex;  /**< the command expected, hex without spaces */
    const char *resp_hex; /**< data || SW1 SW2 to answer */
} fake_step;

typedef struct fake_card {
    const char *atr_hex;
    fake_step steps[FAKE_MAX_STEPS];
    size_t n_steps;
    size_t next;
    /** Set when a command differs from the script: the test then fails. */
    int mismatch;
    char got[1024];
    int closed;
} fake_card;

extern const tscns_transport_ops fake_ops;

/** Convert hex (no spaces) to bytes; returns the byte count. */
size_t fake_unhex(const char *hex, uint8_t *out, size_t cap);

#endif
