/*
 * The provider's error reasons. They reach OpenSSL's error queue through the core's error
 * functions, so `openssl` and curl print them with the provider's name.
 */
#ifndef TSP_ERRORS_H
#define TSP_ERRORS_H

#include <openssl/core.h>

#include "tscns/card.h"

#include "provider.h"

enum tsp_reason {
    TSP_R_NO_SERVICE = 1,
    TSP_R_NO_READER,
    TSP_R_NO_CARD,
    TSP_R_CARD_REMOVED,
    TSP_R_CARD_BUSY,
    TSP_R_UNKNOWN_CARD,
    TSP_R_CONTACTLESS,
    TSP_R_CARD_ERROR,
    TSP_R_WRONG_PIN,
    /* Programs that print only the reason string (curl) show the count with these two. */
    TSP_R_WRONG_PIN_2_LEFT,
    TSP_R_WRONG_PIN_1_LEFT,
    TSP_R_PIN_BLOCKED,
    TSP_R_PIN_NOT_SENT,
    TSP_R_NO_PIN,
    TSP_R_PIN_SOURCE,
    TSP_R_BAD_URI,
    TSP_R_BAD_KEY_REFERENCE,
    TSP_R_BAD_CERTIFICATE,
    TSP_R_UNSUPPORTED,
    TSP_R_BAD_PARAMETER,
    TSP_R_BAD_LENGTH,
    TSP_R_NOT_INITIALISED,
    TSP_R_SOFTWARE,
    TSP_R_MALLOC,
    TSP_R_INTERNAL
};

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
