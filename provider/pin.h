/*
 * PIN acquisition (docs/design.md, docs/card.md section 5): the provider's pin-source first, then
 * the caller's passphrase callback; the interactive prompt is the callback's business.
 */
#ifndef TSP_PIN_H
#define TSP_PIN_H

#include <openssl/core.h>

#include "tscns/card.h"

#include "provider.h"

/*
 * Make sure the card's PIN is verified; the caller holds tscns_card_lock(). Sends at most one
 * VERIFY. A configured PIN is not tried when the card has one try left, nor again once the
 * card rejected it. @p cb may be NULL. Returns 1 when verified, 0 with an error raised.
 */
int tsp_pin_ensure(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                   void *cbarg);

#endif
