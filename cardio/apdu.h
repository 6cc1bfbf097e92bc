/**
 * @file apdu.h
 * @brief Command APDU encoding (short and extended, cases 1-4) and the exchange of one command
 * with the card, including the 61xx GET RESPONSE loop and the 6Cxx resend.
 */
#ifndef CARDIO_APDU_H
#define CARDIO_APDU_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/error.h"
#include "tscns/transport.h"

/** Longest command: extended header 7 + 65535 data + 2 Le. */
#define APDU_MAX_COMMAND (4 + 3 + 65535 + 2)

typedef struct apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data;
    size_t lc;
    /** Expected response length: 0 = none (case 1/3); 1..65536; 256 in short form encodes 00. */
    size_t le;
    /** Data field holds PIN or PUK bytes: masked in the trace, never sent twice. */
    int sensitive;
    /** The command changes the card (a write): never sent twice. */
    int writes;
} apdu;

/** The link cardio talks through: a transport plus what the profile allows. */
typedef struct apdu_chan {
    const tscns_transport_ops *ops;
    void *self;
    const char *reader;
    int extended_ok;
    /** The profile's select_fci_fallback: a 6A86 to SELECT with P2=0C is retried with P2=00. */
    int select_fci_fallback;
    /** The card answered 6A86 to SELECT with P2=0C once: ask for the FCI from then on. */
    int select_wants_fci;
    /** The transport said the card is gone: reconnect before the next operation. */
    int lost;
    /** Last status word the card returned, for error details. */
    uint16_t last_sw;
    /** APDUs sent through this link, for tests and the benchmark. */
    unsigned long sent;
    uint8_t *rbuf;
} apdu_chan;

/**
 * Encode @p a into @p out. Extended form is used when Lc > 255 or Le > 256 and only if
 * @p extended_ok; otherwise TSCNS_E_TOO_LARGE. Returns the length through @p out_len.
 */
tscns_err apdu_encode(const apdu *a, int extended_ok, uint8_t *out, size_t cap, size_t *out_len);

/**
 * Send @p a and return the data and final status word. 61xx is followed by GET RESPONSE until
 * the card is done; 6Cxx resends the same command with Le = xx once, except a sensitive or
 * writing command: its 6Cxx is TSCNS_E_BAD_RESPONSE (SW in ch->last_sw), nothing resent. @p resp
 * may be NULL when no data is expected; data beyond @p *resp_len (capacity on entry) gives
 * TSCNS_E_BAD_RESPONSE.
 */
tscns_err apdu_exchange(apdu_chan *ch, const apdu *a, uint8_t *resp, size_t *resp_len,
                        uint16_t *sw);

/** The usual meaning of a status word that is not a PIN answer. */
tscns_err apdu_sw_error(uint16_t sw);

/** 1 for the 63Cx family (x = tries left), with the count in *tries. */
int apdu_sw_tries(uint16_t sw, int *tries);

#endif
