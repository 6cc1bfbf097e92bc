/**
 * @file vcard_transport.h
 * @brief An in-process cardio transport over the virtual card engine, for unit tests.
 *
 * cardio talks to it exactly as to PC/SC: connect() powers the card on and gives its ATR,
 * transmit() answers through vcard_transmit(). Nothing sleeps (timing model off) unless the
 * test asks through vcard_set_timing(vcard_transport_engine(self), ...).
 * One transport is one card: calls on it must not overlap (cardio serialises them per card).
 */
#ifndef VCARD_TRANSPORT_H
#define VCARD_TRANSPORT_H

#include "tscns/transport.h"
#include "vcard.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open the card image in @p image_dir. On failure the reason is printed on stderr and
 * TSCNS_E_INVALID_ARG (bad image) or TSCNS_E_NOMEM is returned.
 */
tscns_err vcard_transport_open(const char *image_dir, const tscns_transport_ops **ops, void **self);

/** The engine behind the transport: fault injection, state checks, the log. */
vcard *vcard_transport_engine(void *self);

/**
 * Pull the card after @p n more APDUs: from then on transmit() fails with
 * TSCNS_E_CARD_REMOVED and connect() with TSCNS_E_NO_CARD, until vcard_transport_insert().
 * n = 0 pulls it now.
 */
void vcard_transport_remove_after(void *self, unsigned long n);
/** Put the card back: the next connect() powers it on; was_reset() reports it once. */
void vcard_transport_insert(void *self);
/** Another program reset the card: volatile state is gone; was_reset() reports it once. */
void vcard_transport_reset(void *self);

#ifdef __cplusplus
}
#endif
#endif
