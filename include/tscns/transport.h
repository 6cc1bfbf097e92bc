/**
 * @file transport.h
 * @brief How cardio moves APDUs: PC/SC in production, an in-process virtual card in unit tests.
 *
 * A transport is a table of functions plus an opaque pointer. cardio's PC/SC transport is the
 * real one; tests/vcard provides one that calls the virtual card engine directly, so unit tests
 * exercise the same cardio code without pcscd.
 */
#ifndef TSCNS_TRANSPORT_H
#define TSCNS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest ATR ISO 7816-3 allows. */
#define TSCNS_MAX_ATR 33
/** Largest response cardio ever asks for: an extended Le of 65536 plus SW1 SW2. */
#define TSCNS_MAX_RESPONSE (65536 + 2)

typedef struct tscns_transport_ops {
    /** Power the card up (or reuse the connection) and report its ATR. */
    tscns_err (*connect)(void *self, uint8_t *atr, size_t *atr_len);
    /**
     * Send one command APDU and receive data || SW1 SW2. @p resp_len is the buffer size on entry
     * and the answer length on return. Must not interpret status words.
     */
    tscns_err (*transmit)(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                          size_t *resp_len);
    /** Start / end exclusive use for a multi-APDU operation (may be no-ops). */
    tscns_err (*begin)(void *self);
    void (*end)(void *self);
    /** Tell whether the connection was lost and re-established since last asked (PIN state gone).
     */
    int (*was_reset)(void *self);
    /** Release everything; @p self is not used afterwards. */
    void (*close)(void *self);
    /**
     * Optional (NULL: the transport cannot). Reset the card (PC/SC: SCardReconnect with
     * SCARD_RESET_CARD), which takes away every security state (PIN, PUK) and tells every other
     * client of the card that it changed. The connection stays usable; was_reset() does not
     * report this reset, the caller made it.
     */
    tscns_err (*reset)(void *self);
    /**
     * Optional (NULL: none). What failed in the transport's last operation, for error details:
     * the function and its code, e.g. "SCardTransmit returned 0x80100016"; "" when nothing
     * failed. Valid until the next call on @p self.
     */
    const char *(*last_error)(void *self);
} tscns_transport_ops;

#ifdef __cplusplus
}
#endif
#endif
