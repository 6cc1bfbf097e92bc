#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "tscns/keyref.h"

#include "errors.h"

static const OSSL_ITEM reason_strings[] = {
    {TSP_R_NO_SERVICE, "no PC/SC service (is pcscd running?)"},
    {TSP_R_NO_READER, "no smart-card reader"},
    {TSP_R_NO_CARD, "no card in reader"},
    {TSP_R_CARD_REMOVED, "the card was removed or reset"},
    {TSP_R_CARD_BUSY, "another program holds the card"},
    {TSP_R_UNKNOWN_CARD, "card not supported"},
    {TSP_R_CONTACTLESS, "card read over the contactless interface: use the contact slot"},
    {TSP_R_CARD_ERROR, "card error"},
    {TSP_R_WRONG_PIN, "wrong PIN"},
    {TSP_R_PIN_BLOCKED, "PIN blocked: unblock with `tscns pin unblock`"},
    {TSP_R_PIN_NOT_SENT, "PIN not sent to the card"},
    {TSP_R_NO_PIN, "no PIN available"},
    {TSP_R_PIN_SOURCE, "cannot read the configured pin-source"},
    {TSP_R_BAD_URI, "invalid cns: URI"},
    {TSP_R_BAD_KEY_REFERENCE, "invalid " TSCNS_KEYREF_PEM_LABEL " file"},
    {TSP_R_BAD_CERTIFICATE, "the card's certificate cannot be parsed"},
    {TSP_R_UNSUPPORTED, "not supported by the tscns provider"},
    {TSP_R_BAD_PARAMETER, "invalid parameter"},
    {TSP_R_BAD_LENGTH, "invalid length"},
    {TSP_R_NOT_INITIALISED, "operation not initialised"},
    {TSP_R_SOFTWARE, "software cryptography failed"},
    {TSP_R_MALLOC, "out of memory"},
    {TSP_R_INTERNAL, "internal error"},
    {0, NULL}};

const OSSL_ITEM *tsp_reason_strings(void)
{
    return reason_strings;
}

static void vraise(const tsp_prov *prov, const char *file, int line, const char *func, int reason,
                   const char *fmt, va_list ap)
{
    if (prov == NULL || prov->core_new_error == NULL)
        return;
    prov->core_new_error(prov->handle);
    prov->core_set_error_debug(prov->handle, file, line, func);
    prov->core_vset_error(prov->handle, (uint32_t)reason, fmt, ap);
}

void tsp_raise_at(const tsp_prov *prov, const char *file, int line, const char *func, int reason,
                  const char *fmt, ...)
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
        return TSP_R_NO_SERVICE;
    case TSCNS_E_NO_READER:
        return TSP_R_NO_READER;
    case TSCNS_E_NO_CARD:
        return TSP_R_NO_CARD;
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_CARD_RESET:
        return TSP_R_CARD_REMOVED;
    case TSCNS_E_SHARING:
        return TSP_R_CARD_BUSY;
    case TSCNS_E_UNKNOWN_CARD:
        return TSP_R_UNKNOWN_CARD;
    case TSCNS_E_CONTACTLESS:
        return TSP_R_CONTACTLESS;
    case TSCNS_E_PIN_INCORRECT:
        return TSP_R_WRONG_PIN;
    case TSCNS_E_PIN_BLOCKED:
        return TSP_R_PIN_BLOCKED;
    case TSCNS_E_PIN_REJECTED:
        return TSP_R_PIN_NOT_SENT;
    case TSCNS_E_CANCELLED:
        return TSP_R_NO_PIN;
    case TSCNS_E_NOMEM:
        return TSP_R_MALLOC;
    case TSCNS_E_INTERNAL:
        return TSP_R_INTERNAL;
    default:
        return TSP_R_CARD_ERROR;
    }
}

/*
 * Whether tscns_strerror() says more than the reason string: for the errors that share the
 * generic "card error", a reset (which also means the PIN is needed again) and a PIN not sent.
 * Elsewhere it would only say the reason again in other words.
 */
static int strerror_adds(tscns_err err)
{
    return reason_of(err) == TSP_R_CARD_ERROR || err == TSCNS_E_CARD_RESET ||
           err == TSCNS_E_PIN_REJECTED;
}

void tsp_raise_card_at(const tsp_prov *prov, const char *file, int line, const char *func,
                       tscns_err err, const tscns_card *card, const tscns_ctx *ctx, int tries_left)
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
        tsp_raise_at(prov, file, line, func, reason_of(err), "%d %s left%s%s", tries_left,
                     tries_left == 1 ? "try" : "tries",
                     err == TSCNS_E_PIN_REJECTED ? " (not sent: " : "",
                     err == TSCNS_E_PIN_REJECTED ? "a PIN the card rejected or the last try)" : "");
    else if (*what != '\0' && *detail != '\0')
        tsp_raise_at(prov, file, line, func, reason_of(err), "%s (%s)", what, detail);
    else if (*what != '\0' || *detail != '\0')
        tsp_raise_at(prov, file, line, func, reason_of(err), "%s", *what != '\0' ? what : detail);
    else
        tsp_raise_at(prov, file, line, func, reason_of(err), NULL);
}
