/**
 * @file vcard.h
 * @brief The virtual TS-CNS card engine: a card image directory that answers APDUs.
 *
 * The engine plays one profile of profiles.c (docs/card.md section 4 for the commands). It keeps
 * the volatile state of a real card (selected file, PIN/PUK verified, security environment,
 * command chain) in memory, cleared by vcard_power_on(), and its persistent state (PIN and PUK
 * values and counters, files written with UPDATE BINARY) in the image directory, written
 * atomically at every change: a blocked PIN stays blocked and a dead card stays dead across
 * restarts of the process.
 *
 * Image directory (written by tscns-mkcard):
 *   card.state              "key=value" lines: profile, pin, puk, pin_tries, puk_tries
 *   key.pem                 the card's RSA private key (PKCS#8 PEM)
 *   ef_idcarta.bin          EF_IDCarta contents
 *   ef_datipersonali.bin    EF_DatiPersonali contents (400 bytes)
 *   ef_cert.bin             the certificate EF, its full capacity (DER then zero bytes)
 *   image.json              a description for tests and people; the engine does not read it
 *
 * APDU log (vcard_set_log()), one line per APDU, appended and flushed at once:
 *
 *     <ms since the engine opened> <NAME> <command hex> -> <SW> <duration ms>
 *
 * e.g. `1523.042 VERIFY 0020001008** -> 63C2 4.712`. NAME is one word from this list:
 * SELECT READ_BINARY UPDATE_BINARY VERIFY CHANGE_REFERENCE_DATA RESET_RETRY_COUNTER
 * MSE_RESTORE MSE_SET MSE PSO_DECIPHER PSO GET_CHALLENGE, or INS_xx for any other INS (xx in
 * hex). The command is uppercase hex without spaces; the data of VERIFY, CHANGE REFERENCE DATA
 * and RESET RETRY COUNTER is replaced by `**` (PIN and PUK bytes are never written). SW is four
 * hex digits as the card produced it (before --corrupt faults). The duration includes the
 * timing model's delay when one is active. Count APDUs of one kind with `grep -c ' NAME '`.
 */
#ifndef VCARD_H
#define VCARD_H

#include <stddef.h>
#include <stdint.h>

#include "profiles.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vcard vcard;

/** Largest command APDU accepted: extended header, 65535 data bytes, extended Le. */
#define VCARD_MAX_COMMAND (7 + 65535 + 2)
/** Largest answer: 65536 data bytes and SW1 SW2. */
#define VCARD_MAX_RESPONSE (65536 + 2)

typedef enum vcard_timing {
    VCARD_TIMING_NONE, /**< answer as fast as the host can */
    /**
     * Sleep so that each APDU takes 4 ms + 0.08 ms per byte moved (command + response), plus
     * 60 ms for an RSA-1024 or 250 ms for an RSA-2048 private operation.
     */
    VCARD_TIMING_REALISTIC
} vcard_timing;

typedef enum vcard_fault {
    VCARD_FAULT_NONE,
    VCARD_FAULT_SHORT_SW,      /**< every answer loses its last byte (SW2) */
    VCARD_FAULT_BAD_CERT,      /**< the certificate EF reads with a broken DER header */
    VCARD_FAULT_BAD_PERSONAL,  /**< EF_DatiPersonali reads with a non-hex field length */
    VCARD_FAULT_BAD_SERIAL,    /**< EF_IDCarta reads with a letter among the digits */
    VCARD_FAULT_BAD_SIGNATURE, /**< PSO DECIPHER answers a result with one bit flipped */
    VCARD_FAULT_VERIFY_6C      /**< VERIFY answers 6C08, PIN neither checked nor counted */
} vcard_fault;

/**
 * Open the card image in @p image_dir. On failure returns -1 and puts a sentence in @p err.
 * The card starts powered on.
 */
int vcard_open(const char *image_dir, vcard **out, char *err, size_t err_len);
void vcard_close(vcard *v);

const vcard_profile *vcard_get_profile(const vcard *v);
/** The ATR; *len gets its length. */
const uint8_t *vcard_atr(const vcard *v, size_t *len);

/** Power on or reset: clears the selected file, PIN/PUK verified, MSE state, command chain. */
void vcard_power_on(vcard *v);
/** Power off: the same volatile state is lost. */
void vcard_power_off(vcard *v);

/**
 * Answer one command APDU: data || SW1 SW2 into @p resp (room for VCARD_MAX_RESPONSE bytes).
 * Applies the fault, the timing model and the log. Returns the answer length.
 */
size_t vcard_transmit(vcard *v, const uint8_t *cmd, size_t cmd_len, uint8_t *resp);

void vcard_set_timing(vcard *v, vcard_timing timing);
/** Append the APDU log to @p path. Returns -1 (errno set) if it cannot be opened. */
int vcard_set_log(vcard *v, const char *path);
void vcard_set_fault(vcard *v, vcard_fault fault);
/** "short-sw", "bad-cert", "bad-personal", "bad-serial", "bad-signature", "verify-6c"; -1 if
 * unknown. */
int vcard_fault_from_name(const char *name, vcard_fault *out);

/* State, for tests. */
int vcard_pin_tries(const vcard *v);
int vcard_puk_tries(const vcard *v);
int vcard_pin_verified(const vcard *v);
/** Number of APDUs answered since the engine opened. */
unsigned long vcard_apdu_count(const vcard *v);

#ifdef __cplusplus
}
#endif
#endif
