#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>

#include "tscns/keyref.h"

#include "errors.h"
#include "log.h"

static const OSSL_ITEM reason_strings[] = {
    {TSCNS_PR_NO_SERVICE, "no PC/SC service (is pcscd running?)"},
    {TSCNS_PR_NO_READER, "no smart-card reader"},
    {TSCNS_PR_NO_CARD, "no card in reader"},
    {TSCNS_PR_CARD_REMOVED, "the card was removed or reset"},
    {TSCNS_PR_CARD_BUSY, "another program holds the card"},
    {TSCNS_PR_UNKNOWN_CARD, "card not supported"},
    {TSCNS_PR_CONTACTLESS, "card read over the contactless interface: use the contact slot"},
    {TSCNS_PR_CARD_ERROR, "card error"},
    {TSCNS_PR_WRONG_PIN, "wrong PIN"},
    {TSCNS_PR_WRONG_PIN_2_LEFT, "wrong PIN: 2 tries left (the card blocks at 0)"},
    {TSCNS_PR_WRONG_PIN_1_LEFT, "wrong PIN: 1 try left (one more wrong PIN blocks the card)"},
    {TSCNS_PR_PIN_BLOCKED, "PIN blocked: unblock with `tscns pin unblock`"},
    {TSCNS_PR_PIN_NOT_SENT, "PIN not sent to the card"},
    {TSCNS_PR_NO_PIN, "no PIN available"},
    {TSCNS_PR_PIN_SOURCE, "cannot read the configured pin-source"},
    {TSCNS_PR_BAD_URI, "invalid cns: URI"},
    {TSCNS_PR_BAD_KEY_REFERENCE, "invalid " TSCNS_KEYREF_PEM_LABEL " file"},
    {TSCNS_PR_BAD_CERTIFICATE, "the card's certificate cannot be parsed"},
    {TSCNS_PR_UNSUPPORTED, "not supported by the tscns provider"},
    {TSCNS_PR_BAD_PARAMETER, "invalid parameter"},
    {TSCNS_PR_BAD_LENGTH, "invalid length"},
    {TSCNS_PR_NOT_INITIALISED, "operation not initialised"},
    {TSCNS_PR_SOFTWARE, "software cryptography failed"},
    {TSCNS_PR_MALLOC, "out of memory"},
    {TSCNS_PR_INTERNAL, "internal error"},
    {0, NULL}};

const OSSL_ITEM *tsp_reason_strings(void)
{
    return reason_strings;
}

/* The reasons a person can act on: these are also told directly (log.h). */
static int told_to_user(int reason)
{
    return (reason >= TSCNS_PR_NO_SERVICE && reason <= TSCNS_PR_BAD_CERTIFICATE) ||
           reason == TSCNS_PR_WRONG_PIN_2_LEFT || reason == TSCNS_PR_WRONG_PIN_1_LEFT;
}

static const char *reason_text(int reason)
{
    for (const OSSL_ITEM *r = reason_strings; r->ptr != NULL; r++)
        if (r->id == (unsigned int)reason)
            return r->ptr;
    return "";
}

static void set_error(const tsp_prov *prov, int reason, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    prov->core_vset_error(prov->handle, (uint32_t)reason, fmt, ap);
    va_end(ap);
}

/*
 * The one way a failure leaves the provider: the error on OpenSSL's queue (with @p detail as
 * its data), the line for the person (@p told, or the reason and detail; log.c decides where
 * it goes and says it once), and under `debug = 1` where it was raised.
 */
static void report(const tsp_prov *prov, const char *file, int line, const char *func, int reason,
                   const char *told, const char *detail)
{
    char text[768];

    if (prov == NULL || prov->core_new_error == NULL)
        return;
    prov->core_new_error(prov->handle);
    prov->core_set_error_debug(prov->handle, file, line, func);
    if (*detail != '\0')
        set_error(prov, reason, "%s", detail);
    else
        set_error(prov, reason, NULL);
    tsp_prov_debug(prov, "error %s%s%s (%s, %s:%d)", reason_text(reason),
                   *detail != '\0' ? ": " : "", detail, func, file, line);
    if (!told_to_user(reason))
        return;
    if (told == NULL) {
        snprintf(text, sizeof(text), "%s%s%s", reason_text(reason), *detail != '\0' ? ": " : "",
                 detail);
        told = text;
    }
    tsp_log_failure(prov, told);
}

void tsp_raise_at(const tsp_prov *prov, const char *file, int line, const char *func, int reason,
                  const char *fmt, ...)
{
    char detail[512] = "";
    va_list ap;

    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    report(prov, file, line, func, reason, NULL, detail);
}

static int reason_of(tscns_err err)
{
    switch (err) {
    case TSCNS_E_NO_SERVICE:
        return TSCNS_PR_NO_SERVICE;
    case TSCNS_E_NO_READER:
        return TSCNS_PR_NO_READER;
    case TSCNS_E_NO_CARD:
        return TSCNS_PR_NO_CARD;
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_CARD_RESET:
        return TSCNS_PR_CARD_REMOVED;
    case TSCNS_E_SHARING:
        return TSCNS_PR_CARD_BUSY;
    case TSCNS_E_UNKNOWN_CARD:
        return TSCNS_PR_UNKNOWN_CARD;
    case TSCNS_E_CONTACTLESS:
        return TSCNS_PR_CONTACTLESS;
    case TSCNS_E_PIN_INCORRECT:
        return TSCNS_PR_WRONG_PIN;
    case TSCNS_E_PIN_BLOCKED:
        return TSCNS_PR_PIN_BLOCKED;
    case TSCNS_E_PIN_REJECTED:
        return TSCNS_PR_PIN_NOT_SENT;
    case TSCNS_E_CANCELLED:
        return TSCNS_PR_NO_PIN;
    case TSCNS_E_NOMEM:
        return TSCNS_PR_MALLOC;
    case TSCNS_E_INTERNAL:
        return TSCNS_PR_INTERNAL;
    default:
        return TSCNS_PR_CARD_ERROR;
    }
}

/*
 * Whether tscns_strerror() says more than the reason string: for the errors that share the
 * generic "card error", a reset (which also means the PIN is needed again) and a PIN not sent.
 * Elsewhere it would only say the reason again in other words.
 */
static int strerror_adds(tscns_err err)
{
    return reason_of(err) == TSCNS_PR_CARD_ERROR || err == TSCNS_E_CARD_RESET ||
           err == TSCNS_E_PIN_REJECTED;
}

/* "2 tries left", "1 try left"; empty when the count is not known. */
static const char *tries_words(int tries, char *buf, size_t size)
{
    if (tries < 0)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%d %s left", tries, tries == 1 ? "try" : "tries");
    return buf;
}

/*
 * The line for the person: what happened to which card and what to do next, in words that do
 * not need the reason table. @p detail is cardio's (reader, ATR, status word).
 */
static void told_line(char *out, size_t size, tscns_err err, const tscns_card *card,
                      const char *detail, int tries)
{
    char reader[300] = "", count[32];

    if (card != NULL)
        snprintf(reader, sizeof(reader), " in \"%s\"", tscns_card_reader(card));
    tries_words(tries, count, sizeof(count));
    switch (err) {
    case TSCNS_E_PIN_INCORRECT:
        if (*count != '\0')
            snprintf(out, size, "wrong PIN for the TS-CNS card%s (%s; the card blocks at 0)",
                     reader, count);
        else
            snprintf(out, size, "wrong PIN for the TS-CNS card%s", reader);
        break;
    case TSCNS_E_PIN_BLOCKED:
        snprintf(out, size,
                 "the PIN of the TS-CNS card%s is blocked: unblock it with the PUK, "
                 "`tscns pin unblock`",
                 reader);
        break;
    case TSCNS_E_PIN_REJECTED:
        snprintf(out, size,
                 "PIN not sent to the TS-CNS card%s: the card rejected it before, or one try "
                 "is left%s%s%s",
                 reader, *count != '\0' ? " (" : "", count, *count != '\0' ? ")" : "");
        break;
    case TSCNS_E_NO_SERVICE:
        snprintf(out, size,
                 "no PC/SC service: is pcscd running? (`systemctl start pcscd.socket`)%s%s",
                 *detail != '\0' ? "; " : "", detail);
        break;
    case TSCNS_E_NO_READER:
        snprintf(out, size, "no smart-card reader: plug one in%s%s", *detail != '\0' ? "; " : "",
                 detail);
        break;
    case TSCNS_E_NO_CARD:
        snprintf(out, size, "no card in the reader: insert the TS-CNS card%s%s",
                 *detail != '\0' ? "; " : "", detail);
        break;
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_CARD_RESET:
        snprintf(out, size,
                 "the TS-CNS card%s was removed or reset: put it back and run the program "
                 "again (the PIN is needed again)",
                 reader);
        break;
    default:
        snprintf(out, size, "%s%s%s%s", reason_text(reason_of(err)), reader,
                 *detail != '\0' ? ": " : "", detail);
        break;
    }
}

void tsp_raise_card_at(const tsp_prov *prov, const char *file, int line, const char *func,
                       tscns_err err, const tscns_card *card, const tscns_ctx *ctx, int tries_left)
{
    const char *detail = NULL, *what = strerror_adds(err) ? tscns_strerror(err) : "";
    char data[512], told[768];
    int reason = reason_of(err);

    if (card != NULL)
        detail = tscns_card_detail(card);
    if ((detail == NULL || *detail == '\0') && ctx != NULL)
        detail = tscns_ctx_detail(ctx);
    if (detail == NULL)
        detail = "";
    /* The reason string already says "wrong PIN", and with 2 or 1 tries left the count too. */
    if (err == TSCNS_E_PIN_INCORRECT && (tries_left == 2 || tries_left == 1))
        reason = tries_left == 2 ? TSCNS_PR_WRONG_PIN_2_LEFT : TSCNS_PR_WRONG_PIN_1_LEFT;
    if (reason != reason_of(err))
        data[0] = '\0';
    else if ((err == TSCNS_E_PIN_INCORRECT || err == TSCNS_E_PIN_REJECTED) && tries_left >= 0)
        snprintf(data, sizeof(data), "%d %s left%s%s", tries_left,
                 tries_left == 1 ? "try" : "tries",
                 err == TSCNS_E_PIN_REJECTED ? " (not sent: " : "",
                 err == TSCNS_E_PIN_REJECTED ? "a PIN the card rejected or the last try)" : "");
    else if (*what != '\0' && *detail != '\0')
        snprintf(data, sizeof(data), "%s (%s)", what, detail);
    else
        snprintf(data, sizeof(data), "%s", *what != '\0' ? what : detail);
    told_line(told, sizeof(told), err, card, detail, tries_left);
    report(prov, file, line, func, reason, told, data);
}
