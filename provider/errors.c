#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "errors.h"

static const OSSL_ITEM reason_strings[] = {
    {TSCNS_R_NO_SERVICE, "no PC/SC service (is pcscd running?)"},
    {TSCNS_R_NO_READER, "no smart-card reader"},
    {TSCNS_R_NO_CARD, "no card in reader"},
    {TSCNS_R_CARD_REMOVED, "the card was removed or reset"},
    {TSCNS_R_CARD_BUSY, "another program holds the card"},
    {TSCNS_R_UNKNOWN_CARD, "card not supported"},
    {TSCNS_R_CONTACTLESS, "card read over the contactless interface: use the contact slot"},
    {TSCNS_R_CARD_ERROR, "card error"},
    {TSCNS_R_WRONG_PIN, "wrong PIN"},
    {TSCNS_R_PIN_BLOCKED, "PIN blocked: unblock with `tscns pin unblock`"},
    {TSCNS_R_PIN_NOT_SENT, "PIN not sent to the card"},
    {TSCNS_R_NO_PIN, "no PIN available"},
    {TSCNS_R_PIN_SOURCE, "cannot read the configured pin-source"},
    {TSCNS_R_BAD_URI, "invalid cns: URI"},
    {TSCNS_R_BAD_KEY_REFERENCE, "invalid TSCNS KEY REFERENCE file"},
    {TSCNS_R_BAD_CERTIFICATE, "the card's certificate cannot be parsed"},
    {TSCNS_R_UNSUPPORTED, "not supported by the tscns provider"},
    {TSCNS_R_BAD_PARAMETER, "invalid parameter"},
    {TSCNS_R_BAD_LENGTH, "invalid length"},
    {TSCNS_R_NOT_INITIALISED, "operation not initialised"},
    {TSCNS_R_SOFTWARE, "software cryptography failed"},
    {TSCNS_R_MALLOC, "out of memory"},
    {TSCNS_R_INTERNAL, "internal error"},
    {0, NULL}};

const OSSL_ITEM *tscns_reason_strings(void)
{
    return reason_strings;
}

static void vraise(const tscns_prov *prov, const char *file, int line, const char *func, int reason,
                   const char *fmt, va_list ap)
{
    if (prov == NULL || prov->core_new_error == NULL)
        return;
    prov->core_new_error(prov->handle);
    prov->core_set_error_debug(prov->handle, file, line, func);
    prov->core_vset_error(prov->handle, (uint32_t)reason, fmt, ap);
}

void tscns_raise_at(const tscns_prov *prov, const char *file, int line, const char *func,
                    int reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vraise(prov, file, line, func, reason, fmt, ap);
    va_end(ap);
}

static int reason_of(tscns_err err)
{
    switch (err) {
    case TSCNS_E_NO_SERVICE:
        return TSCNS_R_NO_SERVICE;
    case TSCNS_E_NO_READER:
        return TSCNS_R_NO_READER;
    case TSCNS_E_NO_CARD:
        return TSCNS_R_NO_CARD;
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_CARD_RESET:
        return TSCNS_R_CARD_REMOVED;
    case TSCNS_E_SHARING:
        return TSCNS_R_CARD_BUSY;
    case TSCNS_E_UNKNOWN_CARD:
        return TSCNS_R_UNKNOWN_CARD;
    case TSCNS_E_CONTACTLESS:
        return TSCNS_R_CONTACTLESS;
    case TSCNS_E_PIN_INCORRECT:
        return TSCNS_R_WRONG_PIN;
    case TSCNS_E_PIN_BLOCKED:
        return TSCNS_R_PIN_BLOCKED;
    case TSCNS_E_PIN_REJECTED:
        return TSCNS_R_PIN_NOT_SENT;
    case TSCNS_E_CANCELLED:
        return TSCNS_R_NO_PIN;
    case TSCNS_E_NOMEM:
        return TSCNS_R_MALLOC;
    case TSCNS_E_INTERNAL:
        return TSCNS_R_INTERNAL;
    default:
        return TSCNS_R_CARD_ERROR;
    }
}

/*
 * Whether tscns_strerror() says more than the reason string: for the errors that share the
 * generic "card error", a reset (which also means the PIN is needed again) and a PIN not sent.
 * Elsewhere it would only say the reason again in other words.
 */
static int strerror_adds(tscns_err err)
{
    return reason_of(err) == TSCNS_R_CARD_ERROR || err == TSCNS_E_CARD_RESET ||
           err == TSCNS_E_PIN_REJECTED;
}

void tscns_raise_card_at(const tscns_prov *prov, const char *file, int line, const char *func,
                         tscns_err err, const tscns_card *card, const tscns_ctx *ctx,
                         int tries_left)
{
    const char *detail = NULL, *what = strerror_adds(err) ? tscns_strerror(err) : "";

    if (card != NULL)
        detail = tscns_card_detail(card);
    if ((detail == NULL || *detail == '\0') && ctx != NULL)
        detail = tscns_ctx_detail(ctx);
    if (detail == NULL)
        detail = "";
    /* The reason string already says "wrong PIN"; the count is what the user needs next. */
    if ((err == TSCNS_E_PIN_INCORRECT || err == TSCNS_E_PIN_REJECTED) && tries_left >= 0)
        tscns_raise_at(
            prov, file, line, func, reason_of(err), "%d %s left%s%s", tries_left,
            tries_left == 1 ? "try" : "tries", err == TSCNS_E_PIN_REJECTED ? " (not sent: " : "",
            err == TSCNS_E_PIN_REJECTED ? "a PIN the card rejected or the last try)" : "");
    else if (*what != '\0' && *detail != '\0')
        tscns_raise_at(prov, file, line, func, reason_of(err), "%s (%s)", what, detail);
    else if (*what != '\0' || *detail != '\0')
        tscns_raise_at(prov, file, line, func, reason_of(err), "%s", *what != '\0' ? what : detail);
    else
        tscns_raise_at(prov, file, line, func, reason_of(err), NULL);
}
