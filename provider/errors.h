/*
 * The provider's error reasons. They reach OpenSSL's error queue through the core's error
 * functions, so `openssl` and curl print them with the provider's name.
 */
#ifndef TSP_ERRORS_H
#define TSP_ERRORS_H

#include <openssl/core.h>

#include "tscns/card.h"
#include "tscns/provider_reasons.h"

#include "provider.h"

const OSSL_ITEM *tsp_reason_strings(void);

/* Raise @p reason with a printf-style detail (fmt may be NULL). */
void tsp_raise_at(const tsp_prov *prov, const char *file, int line, const char *func, int reason,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define tsp_raise(prov, reason, ...)                                                               \
    tsp_raise_at((prov), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (reason), __VA_ARGS__)

/*
 * Turn a cardio error into an OpenSSL error a user can act on. @p card (may be NULL) and
 * @p ctx (may be NULL) supply the detail (reader, ATR, status word); @p tries_left is the PIN
 * counter for PIN errors (-1 if unknown).
 */
void tsp_raise_card_at(const tsp_prov *prov, const char *file, int line, const char *func,
                       tscns_err err, const tscns_card *card, const tscns_ctx *ctx, int tries_left);
#define tsp_raise_card(prov, err, card, ctx, tries)                                                \
    tsp_raise_card_at((prov), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (err), (card), (ctx),      \
                      (tries))

#endif
