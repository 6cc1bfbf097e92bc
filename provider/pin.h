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
 * VERIFY. A configured PIN is not tried when the card has one try left (as this process or the
 * user's PIN record knows it), nor once the card rejected it in any process of the user, until a
 * person verified the PIN (tscns/pin_state.h). @p cb may be NULL. Returns 1 when verified, 0 with
 * an error raised (why the configured PIN was not sent, when it was not).
 */
int tsp_pin_ensure(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                   void *cbarg);

/*
 * At key load, with the caller's callback at hand (the caller holds tscns_card_lock()): without
 * pin-source, as tsp_pin_ensure(). With a pin-source that may be sent: nothing (signing sends it
 * when the card needs it). With one that may not (rejected before, last try): the callback is
 * asked; if it gives no PIN the load goes on and signing says why. 1, or 0 with an error raised.
 */
int tsp_pin_at_load(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                    void *cbarg);

#endif
