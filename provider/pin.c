#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "tscns/pin_file.h"
#include "tscns/pin_state.h"

#include "card_cache.h"
#include "errors.h"
#include "pin.h"
#include "pin_prompt.h"
#include "pinentry.h"

/* Room for the longest PIN (8 digits), a line end, and enough to notice a longer one. */
#define PIN_BUF 32

/* Read the PIN named by pin-source into @p pin. 1 on success, 0 with an error raised. */
static int read_source(const tsp_prov *prov, char pin[PIN_BUF])
{
    const char *src = prov->pin_source, *arg, *bad;
    tscns_pin_source_kind kind;
    size_t len;

    if ((bad = tscns_pin_source_parse(src, &kind, &arg)) != NULL) {
        /* The value is not repeated: a bare PIN is the likely mistake here. */
        tsp_raise(prov, TSCNS_PR_PIN_SOURCE, "%s", bad);
        return 0;
    }
    if (kind == TSCNS_PIN_SOURCE_ENV) {
        const char *v = getenv(arg);

        if (v == NULL) {
            tsp_raise(prov, TSCNS_PR_PIN_SOURCE, "environment variable %s is not set", arg);
            return 0;
        }
        len = strlen(v);
        if (len >= PIN_BUF) {
            tsp_raise(prov, TSCNS_PR_PIN_SOURCE, "%s is too long for a PIN", src);
            return 0;
        }
        memcpy(pin, v, len + 1);
    } else {
        char why[512];

        if (tscns_pin_file_read(arg, pin, PIN_BUF, why, sizeof(why)) != TSCNS_PIN_FILE_OK) {
            tsp_raise(prov, TSCNS_PR_PIN_SOURCE, "%s", why);
            return 0;
        }
    }
    if (!tscns_pin_format_ok(pin)) {
        tsp_raise(prov, TSCNS_PR_PIN_SOURCE, "the PIN from %s is not 5 to 8 digits", src);
        return 0;
    }
    return 1;
}

/* What this process and the user's PIN record (tscns/pin_state.h) know about the card's PIN. */
typedef struct pin_view {
    char serial[17];
    int have_serial;
    tscns_pin_state rec;
    /* Tries left: this handle's figure, else the record's; -1 unknown. */
    int tries;
    /* The card rejected a configured PIN and no person verified since. */
    int source_flagged;
} pin_view;

static void look(tscns_card *card, pin_view *v)
{
    v->have_serial = tscns_card_serial(card, v->serial) == TSCNS_OK;
    if (!v->have_serial || !tscns_pin_state_read(v->serial, &v->rec)) {
        memset(&v->rec, 0, sizeof(v->rec));
        v->rec.tries = -1;
    }
    v->tries = tscns_card_pin_tries_known(card);
    if (v->tries < 0)
        v->tries = v->rec.tries;
    v->source_flagged = tsp_cache_pin_source_rejected(card) || v->rec.source_rejected;
}

/* Why the configured PIN is not sent, and what to do, into @p why. */
static void why_flagged(const tsp_prov *prov, const pin_view *v, char *why, size_t cap)
{
    time_t when = v->rec.source_rejected ? (time_t)v->rec.rejected_time : time(NULL);
    char day[16] = "today", left[32] = "";
    struct tm tm;

    if (localtime_r(&when, &tm) != NULL)
        strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    if (v->tries >= 0)
        snprintf(left, sizeof(left), " (%d %s left)", v->tries, v->tries == 1 ? "try" : "tries");
    snprintf(why, cap,
             "the PIN in pin-source %s was rejected by the card on %s%s and is not sent again; "
             "check it with \"tscns pin verify\", then correct pin-source",
             v->rec.source_rejected ? v->rec.source : prov->pin_source, day, left);
}

/* A PIN a person gave: cut at a line end, then 5 to 8 digits or refused (nothing sent). */
static int typed_pin_ok(const tsp_prov *prov, char pin[PIN_BUF])
{
    pin[strcspn(pin, "\r\n")] = '\0';
    if (!tscns_pin_format_ok(pin)) {
        /* Never sent: a malformed PIN would only cost the user a try. */
        tsp_raise(prov, TSCNS_PR_NO_PIN, "the PIN given is not 5 to 8 digits (nothing sent)");
        return 0;
    }
    return 1;
}

static int ask_callback(const tsp_prov *prov, tscns_card *card, const char *info,
                        OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg, char pin[PIN_BUF])
{
    OSSL_PARAM params[2];
    size_t len = 0;

    /* Many callbacks (PEM_def_callback: curl, Python) print their own words, not this info. */
    tsp_pin_tell_tty(info);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO, (char *)info, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!cb(pin, PIN_BUF - 1, &len, params, cbarg) || len == 0) {
        tsp_raise(prov, TSCNS_PR_NO_PIN, "no PIN given for the card in %s",
                  tscns_card_reader(card));
        return 0;
    }
    if (len >= PIN_BUF)
        len = PIN_BUF - 1;
    pin[len] = '\0';
    return typed_pin_ok(prov, pin);
}

/* pin-prompt = pinentry[:PATH]: the prompt says which card, the tries left and @p why. */
static int ask_pinentry(const tsp_prov *prov, const char *info, const char *why, char pin[PIN_BUF])
{
    const char *program = NULL;
    char desc[1024], err[256];

    if (strcmp(prov->pin_prompt, "pinentry") == 0)
        program = TSP_PINENTRY_DEFAULT;
    else if (strncmp(prov->pin_prompt, "pinentry:/", 10) == 0)
        program = prov->pin_prompt + 9;
    if (program == NULL) {
        tsp_raise(prov, TSCNS_PR_BAD_PARAMETER,
                  "pin-prompt must be pinentry or pinentry:/PATH, not %s", prov->pin_prompt);
        return 0;
    }
    snprintf(desc, sizeof(desc), "%s%s%s", info, why[0] != '\0' ? "\n\n" : "", why);
    if (!tsp_pinentry_get(program, desc, "PIN:", pin, PIN_BUF, err, sizeof(err))) {
        tsp_raise(prov, TSCNS_PR_NO_PIN, "%s", err);
        return 0;
    }
    return typed_pin_ok(prov, pin);
}

static int verify(const tsp_prov *prov, tscns_card *card, const pin_view *v, const char *pin,
                  int configured)
{
    int tries = -1;
    tscns_err err = tscns_card_verify_pin(card, pin, &tries);

    if (err == TSCNS_OK) {
        /* A person typed it: configured PINs may be tried again. */
        if (!configured && v->have_serial)
            tscns_pin_state_person_verified(v->serial);
        return 1;
    }
    /* A VERIFY that got no answer (TSCNS_E_TIMEOUT) may have counted: never resent by itself,
     * in this process or another. */
    if (configured && (err == TSCNS_E_PIN_INCORRECT || err == TSCNS_E_PIN_BLOCKED ||
                       err == TSCNS_E_PIN_REJECTED || err == TSCNS_E_TIMEOUT)) {
        tsp_cache_mark_pin_source_rejected(card);
        if (v->have_serial)
            tscns_pin_state_source_rejected(v->serial, prov->pin_source);
    }
    if (err == TSCNS_E_PIN_REJECTED && tries < 0)
        tries = tscns_card_pin_tries_known(card);
    tsp_raise_card(prov, err, card, NULL, tries);
    return 0;
}

enum source_use { USE_SOURCE, ASK_CALLER };

/*
 * Whether the configured pin-source may be sent now (docs/card.md, section 5): not once the card
 * rejected it (in any process of the user), not on the last try. ASK_CALLER says why in @p why
 * ("" when no source is configured).
 */
static enum source_use pin_source_use(const tsp_prov *prov, const pin_view *v, char *why,
                                      size_t cap)
{
    why[0] = '\0';
    if (prov->pin_source == NULL)
        return ASK_CALLER;
    if (v->source_flagged) {
        why_flagged(prov, v, why, cap);
        return ASK_CALLER;
    }
    if (v->tries != 1)
        return USE_SOURCE;
    snprintf(why, cap,
             "1 try left: the configured PIN is not tried on the last try; "
             "enter the PIN yourself or check it with `tscns pin`");
    return ASK_CALLER;
}

/* tsp_pin_ensure(); *asked says whether the callback gave a PIN (so that one was sent). */
static int ensure(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg,
                  int *asked)
{
    char pin[PIN_BUF], why[512];
    pin_view v;
    int ok = 0;

    *asked = 0;
    if (tscns_card_pin_verified(card))
        return 1;
    look(card, &v);
    if (v.tries == 0) {
        tsp_raise_card(prov, TSCNS_E_PIN_BLOCKED, card, NULL, 0);
        return 0;
    }
    if (pin_source_use(prov, &v, why, sizeof(why)) == USE_SOURCE) {
        ok = read_source(prov, pin) && verify(prov, card, &v, pin, 1);
        OPENSSL_cleanse(pin, sizeof(pin));
        return ok;
    }
    if (why[0] != '\0') {
        tsp_prov_debug(prov, "%s", why);
        if (prov->pin_prompt == NULL && cb != NULL)
            tsp_pin_tell_tty(why);
    }
    if (prov->pin_prompt != NULL || cb != NULL) {
        char info[320];

        tsp_pin_describe(card, v.have_serial ? v.serial : NULL, v.tries, info, sizeof(info));
        *asked = prov->pin_prompt != NULL ? ask_pinentry(prov, info, why, pin)
                                          : ask_callback(prov, card, info, cb, cbarg, pin);
    }
    if (*asked)
        ok = verify(prov, card, &v, pin, 0);
    else if (why[0] != '\0')
        /* Last, so that a program showing only the last error shows why. */
        tsp_raise(prov, TSCNS_PR_PIN_NOT_SENT, "%s", why);
    else if (cb == NULL && prov->pin_prompt == NULL)
        tsp_raise(prov, TSCNS_PR_NO_PIN,
                  "the card needs its PIN: set pin-source or pin-prompt = pinentry in "
                  "openssl.cnf, or give a passphrase (e.g. openssl -passin, curl --pass)");
    OPENSSL_cleanse(pin, sizeof(pin));
    return ok;
}

int tsp_pin_ensure(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                   void *cbarg)
{
    int asked;

    return ensure(prov, card, cb, cbarg, &asked);
}

int tsp_pin_at_load(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                    void *cbarg)
{
    char why[512];
    pin_view v;
    int asked, ok;

    if (prov->pin_source == NULL)
        return ensure(prov, card, cb, cbarg, &asked);
    look(card, &v);
    if (v.tries != 0 && pin_source_use(prov, &v, why, sizeof(why)) == USE_SOURCE)
        return 1;
    /*
     * The configured PIN will not be sent: ask the caller while its callback is at hand. If it
     * gives no PIN (a program that never prompts), the load goes on without a trace and the
     * signature says why the configured PIN was not used.
     */
    ERR_set_mark();
    ok = ensure(prov, card, cb, cbarg, &asked);
    if (!ok && !asked) {
        ERR_pop_to_mark();
        return 1;
    }
    ERR_clear_last_mark();
    return ok;
}
