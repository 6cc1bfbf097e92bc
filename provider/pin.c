#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "tscns/pin_file.h"

#include "card_cache.h"
#include "errors.h"
#include "pin.h"

/* Room for the longest PIN (8 digits), a line end, and enough to notice a longer one. */
#define PIN_BUF 32

/* Read the PIN named by pin-source into @p pin. 1 on success, 0 with an error raised. */
static int read_source(const tsp_prov *prov, char pin[PIN_BUF])
{
    const char *src = prov->pin_source;
    size_t len;

    if (strncmp(src, "env:", 4) == 0) {
        const char *v = getenv(src + 4);

        if (v == NULL) {
            tsp_raise(prov, TSP_R_PIN_SOURCE, "environment variable %s is not set", src + 4);
            return 0;
        }
        len = strlen(v);
        if (len >= PIN_BUF) {
            tsp_raise(prov, TSP_R_PIN_SOURCE, "%s is too long for a PIN", src);
            return 0;
        }
        memcpy(pin, v, len + 1);
    } else if (strncmp(src, "file:", 5) == 0) {
        char why[512];

        if (tscns_pin_file_read(src + 5, pin, PIN_BUF, why, sizeof(why)) != TSCNS_PIN_FILE_OK) {
            tsp_raise(prov, TSP_R_PIN_SOURCE, "%s", why);
            return 0;
        }
    } else {
        tsp_raise(prov, TSP_R_PIN_SOURCE, "pin-source must be env:NAME or file:PATH, not %s", src);
        return 0;
    }
    if (!tscns_pin_format_ok(pin)) {
        tsp_raise(prov, TSP_R_PIN_SOURCE, "the PIN from %s is not 5 to 8 digits", src);
        return 0;
    }
    return 1;
}

static int ask_callback(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                        void *cbarg, char pin[PIN_BUF])
{
    char info[320];
    OSSL_PARAM params[2];
    size_t len = 0;
    int tries = tscns_card_pin_tries_known(card);

    if (tries > 0)
        snprintf(info, sizeof(info), "TS-CNS card PIN (reader %s, %d %s left)",
                 tscns_card_reader(card), tries, tries == 1 ? "try" : "tries");
    else
        snprintf(info, sizeof(info), "TS-CNS card PIN (reader %s)", tscns_card_reader(card));
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PASSPHRASE_PARAM_INFO, info, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!cb(pin, PIN_BUF - 1, &len, params, cbarg) || len == 0) {
        tsp_raise(prov, TSP_R_NO_PIN, "no PIN given for the card in %s", tscns_card_reader(card));
        return 0;
    }
    if (len >= PIN_BUF)
        len = PIN_BUF - 1;
    pin[len] = '\0';
    pin[strcspn(pin, "\r\n")] = '\0';
    if (!tscns_pin_format_ok(pin)) {
        /* Never sent: a malformed PIN would only cost the user a try. */
        tsp_raise(prov, TSP_R_NO_PIN, "the PIN given is not 5 to 8 digits (nothing sent)");
        return 0;
    }
    return 1;
}

static int verify(const tsp_prov *prov, tscns_card *card, const char *pin, int configured)
{
    int tries = -1;
    tscns_err err = tscns_card_verify_pin(card, pin, &tries);

    if (err == TSCNS_OK)
        return 1;
    /* A VERIFY that got no answer (TSCNS_E_TIMEOUT) may have counted: never resent by itself. */
    if (configured &&
        (err == TSCNS_E_PIN_INCORRECT || err == TSCNS_E_PIN_BLOCKED || err == TSCNS_E_TIMEOUT))
        tsp_cache_mark_pin_source_rejected(card);
    if (err == TSCNS_E_PIN_REJECTED && tries < 0)
        tries = tscns_card_pin_tries_known(card);
    tsp_raise_card(prov, err, card, NULL, tries);
    return 0;
}

enum source_use { USE_SOURCE, ASK_CALLER, REFUSE };

/* Whether the configured pin-source may be sent now (docs/card.md, section 5); REFUSE says why. */
static enum source_use pin_source_use(const tsp_prov *prov, const tscns_card *card, int tries,
                                      OSSL_PASSPHRASE_CALLBACK *cb)
{
    if (prov->pin_source == NULL)
        return ASK_CALLER;
    if (tsp_cache_pin_source_rejected(card)) {
        if (cb != NULL)
            return ASK_CALLER;
        tsp_raise(prov, TSP_R_PIN_NOT_SENT,
                  "the configured PIN was rejected earlier and is not sent again");
        return REFUSE;
    }
    if (tries != 1)
        return USE_SOURCE;
    if (cb != NULL) {
        tsp_prov_debug(prov, "1 try left: not trying pin-source, asking the caller");
        return ASK_CALLER;
    }
    tsp_raise(prov, TSP_R_PIN_NOT_SENT,
              "1 try left: the configured PIN is not tried on the last try; "
              "enter the PIN yourself or check it with `tscns pin`");
    return REFUSE;
}

int tsp_pin_ensure(const tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                   void *cbarg)
{
    char pin[PIN_BUF];
    int ok = 0, tries;

    if (tscns_card_pin_verified(card))
        return 1;
    tries = tscns_card_pin_tries_known(card);
    if (tries == 0) {
        tsp_raise_card(prov, TSCNS_E_PIN_BLOCKED, card, NULL, 0);
        return 0;
    }
    switch (pin_source_use(prov, card, tries, cb)) {
    case REFUSE:
        return 0;
    case USE_SOURCE:
        ok = read_source(prov, pin) && verify(prov, card, pin, 1);
        break;
    case ASK_CALLER:
        if (cb == NULL) {
            tsp_raise(prov, TSP_R_NO_PIN,
                      "the card needs its PIN: set pin-source in openssl.cnf or give a "
                      "passphrase (e.g. openssl -passin, curl --pass)");
            return 0;
        }
        ok = ask_callback(prov, card, cb, cbarg, pin) && verify(prov, card, pin, 0);
        break;
    }
    OPENSSL_cleanse(pin, sizeof(pin));
    return ok;
}
