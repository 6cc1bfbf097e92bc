/**
 * @file iso7816.h
 * @brief The ISO 7816-4 commands TS-CNS cards use, on an apdu_chan. Each returns TSCNS_OK only
 * on 9000 (or the documented end-of-file answers of READ BINARY); the status word of a failure is
 * left in ch->last_sw.
 */
#ifndef CARDIO_ISO7816_H
#define CARDIO_ISO7816_H

#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "profile.h"

/** SELECT the MF (00 A4 00 00 02 3F 00). */
tscns_err iso_select_mf(apdu_chan *ch);
/**
 * SELECT @p loc: the AID if any (P1=04), then the path (P1=08 from the MF, or P1=09 after an
 * AID). P2=0C first; a card answering 6A86 gets P2=00 with Le when ch->select_fci_fallback. When @p
 * fci is not NULL the FCI is asked for directly and returned (@p fci_len: capacity in, length out).
 */
tscns_err iso_select(apdu_chan *ch, const cardio_loc *loc, uint8_t *fci, size_t *fci_len);
/** File size from an FCI/FCP (tag 80, else 81); 0 if the card did not say. */
size_t iso_fci_size(const uint8_t *fci, size_t len);

/** Largest Le cardio asks one extended READ BINARY for: the whole 15-bit offset range. */
#define ISO_READ_EXTENDED_MAX 0x7FFF

/**
 * READ BINARY of the selected EF from @p offset, up to @p len bytes: chunks of 255 bytes, or of
 * up to ISO_READ_EXTENDED_MAX with extended Le when ch->extended_ok. Stops at a short read, 6282
 * or 6B00; *got says how much came.
 */
tscns_err iso_read_binary(apdu_chan *ch, size_t offset, uint8_t *buf, size_t len, size_t *got);
/** UPDATE BINARY of the selected EF in short-Lc chunks. */
tscns_err iso_update_binary(apdu_chan *ch, size_t offset, const uint8_t *buf, size_t len);

/**
 * VERIFY (INS 20), CHANGE REFERENCE DATA (24) or RESET RETRY COUNTER (2C) with P2 = @p ref and an
 * already formatted data field. Returns the raw status word; the caller interprets 63Cx / 6983.
 */
tscns_err iso_pin_command(apdu_chan *ch, uint8_t ins, uint8_t ref, const uint8_t *data, size_t len,
                          uint16_t *sw);

/** MANAGE SECURITY ENVIRONMENT: RESTORE (00 22 F3 03, Le 00), then SET (F1 B8, 83 01 kr). */
tscns_err iso_mse_restore(apdu_chan *ch);
tscns_err iso_mse_set_decipher(apdu_chan *ch, uint8_t key_ref);
/** PSO DECIPHER (00 2A 80 86) of a raw block: one APDU, extended when the block needs it. */
tscns_err iso_pso_decipher(apdu_chan *ch, const uint8_t *in, size_t len, uint8_t *out,
                           size_t *out_len);

#endif
