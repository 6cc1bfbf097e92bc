/*
 * The process-wide card cache: one open tscns_card per reader/serial for the life of the
 * process, so that every handshake after the first costs only the signature APDUs.
 */
#ifndef TSP_CARD_CACHE_H
#define TSP_CARD_CACHE_H

#include "tscns/card.h"

#include "provider.h"

/* Each provider instance holds the cache while it lives; the last release closes the cards. */
void tsp_cache_hold(void);
void tsp_cache_release(void);

/*
 * The card for @p reader / @p serial (either may be NULL: any), opened on first use. The
 * returned card stays valid until the last tsp_cache_release(). On failure an OpenSSL error
 * naming the reason ("no card in reader X", "no PC/SC service") is raised and NULL returned.
 */
tscns_card *tsp_cache_card(const tsp_prov *prov, const char *reader, const char *serial);

/*
 * The configured PIN was rejected by this card: never read or send it again in this process.
 * (cardio refuses a rejected PIN too; this also stops the provider asking the source.)
 */
void tsp_cache_mark_pin_source_rejected(const tscns_card *card);
int tsp_cache_pin_source_rejected(const tscns_card *card);

#endif
