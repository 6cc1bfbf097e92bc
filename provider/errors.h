/*
 * The provider's error reasons. They reach OpenSSL's error queue through the core's error
 * functions, so `openssl` and curl print them with the provider's name.
 */
#ifndef TSCNS_PROV_ERRORS_H
#define TSCNS_PROV_ERRORS_H

#include <openssl/core.h>

#include "tscns/card.h"

#include "provider.h"

enum tscns_reason {
    TSCNS_R_NO_SERVICE = 1,
    TSCNS_R_NO_READER,
    TSCNS_R_NO_CARD,
    TSCNS_R_CARD_REMOVED,
    TSCNS_R_CARD_BUSY,
    TSCNS_R_UNKNOWN_CARD,
    TSCNS_R_CONTACTLESS,
    TSCNS_R_CARD_ERROR,
    TSCNS_R_WRONG_PIN,
    TSCNS_R_PIN_BLOCKED,
    TSCNS_R_PIN_NOT_SENT,
    TSCNS_R_NO_PIN,
    TSCNS_R_PIN_SOURCE,
    TSCNS_R_BAD_URI,
    TSCNS_R_BAD_KEY_REFERENCE,
    TSCNS_R_BAD_CERTIFICATE,
    TSCNS_R_UNSUPPORTED,
    TSCNS_R_BAD_PARAMETER,
    TSCNS_R_BAD_LENGTH,
    TSCNS_R_NOT_INITIALISED,
    TSCNS_R_SOFTWARE,
    TSCNS_R_MALLOC,
    TSCNS_R_INTERNAL
};

const OSSL_ITEM *tscns_reason_strings(void);

/* Raise @p reason with a printf-style detail (fmt may be NULL). */
void tscns_raise_at(const tscns_prov *prov, const char *file, int line, const char *func,
                    int reason, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define tscns_raise(prov, reason, ...)                                                             \
    tscns_raise_at((prov), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (reason), __VA_ARGS__)

/*
 * Turn a cardio error into an OpenSSL error a user can act on. @p card (may be NULL) and
 * @p ctx (may be NULL) supply the detail (reader, ATR, status word); @p tries_left is the PIN
 * counter for PIN errors (-1 if unknown).
 */
void tscns_raise_card_at(const tscns_prov *prov, const char *file, int line, const char *func,
                         tscns_err err, const tscns_card *card, const tscns_ctx *ctx,
                         int tries_left);
#define tscns_raise_card(prov, err, card, ctx, tries)                                              \
    tscns_raise_card_at((prov), OPENSSL_FILE, OPENSSL_LINE, OPENSSL_FUNC, (err), (card), (ctx),    \
                        (tries))

#endif
