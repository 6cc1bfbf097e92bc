/**
 * @file identify.h
 * @brief Which family a card belongs to: an ATR hint, confirmed by probing the certificate file.
 */
#ifndef CARDIO_IDENTIFY_H
#define CARDIO_IDENTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "handle.h"
#include "profile.h"

/**
 * Profile suggested by the ATR alone. TSCNS_E_CONTACTLESS for a contactless ATR
 * (3B 8n 80 01 ...), TSCNS_E_UNKNOWN_CARD when no row matches.
 */
tscns_err identify_hint(const uint8_t *atr, size_t atr_len, const cardio_profile **hint);

/** The 15 (or however many) historical bytes of an ATR; 0 if the ATR is malformed. */
int identify_historical(const uint8_t *atr, size_t atr_len, const uint8_t **hist, size_t *n);

/**
 * Identify the connected card (card->atr set): ATR hint, EF_IDCarta, then the certificate file
 * of the candidate layouts, unless this process has seen the card before. Sets card->prof and the
 * serial; loads the certificate into the process cache when it can.
 */
tscns_err identify_card(tscns_card *card);

#endif
