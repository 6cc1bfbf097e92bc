/* Family detection. The ATR is only a hint (a Spanish card shares an IDEMIA ATR): the files
 * decide. */
#include "identify.h"

#include <string.h>

#include "cert.h"
#include "efs.h"
#include "iso7816.h"

int identify_historical(const uint8_t *atr, size_t atr_len, const uint8_t **hist, size_t *n)
{
    size_t i = 2;
    uint8_t y;
    size_t k;

    if (atr_len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F))
        return 0;
    y = atr[1] >> 4;
    k = atr[1] & 0x0F;
    for (;;) {
        i += (size_t)((y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1));
        if (!(y & 8))
            break;
        if (i >= atr_len)
            return 0;
        y = atr[i] >> 4;
        i++;
    }
    if (i + k > atr_len)
        return 0;
    *hist = atr + i;
    *n = k;
    return 1;
}

/* PC/SC part 3 builds contactless ATRs as 3B 8n 80 01 <historical> TCK. */
static int is_contactless(const uint8_t *atr, size_t len)
{
    return len >= 4 && atr[0] == 0x3B && (atr[1] & 0xF0) == 0x80 && atr[2] == 0x80 &&
           atr[3] == 0x01;
}

tscns_err identify_hint(const uint8_t *atr, size_t atr_len, const cardio_profile **hint)
{
    const uint8_t *h = NULL;
    size_t n = 0;

    *hint = NULL;
    if (is_contactless(atr, atr_len))
        return TSCNS_E_CONTACTLESS;
    if (!identify_historical(atr, atr_len, &h, &n) || n != 15 || h[0] != 0x00 || h[1] != 0x6B ||
        memcmp(h + 9, "CNS", 3) != 0)
        return TSCNS_E_UNKNOWN_CARD;
    for (const cardio_profile *p = cardio_profiles; p->name != NULL; p++) {
        if ((p->ic < 0 || p->ic == h[2]) && p->mask == h[3] && h[4] >= p->os_min &&
            h[4] <= p->os_max) {
            *hint = p;
            return TSCNS_OK;
        }
    }
    return TSCNS_E_UNKNOWN_CARD;
}

/* @p why: a fact the error's message lacks, or NULL. */
static void atr_detail(tscns_card *card, const char *why)
{
    char hex[3 * TSCNS_MAX_ATR + 1];

    handle_hex(card->atr, card->atr_len, hex, sizeof(hex));
    handle_detail(card, "%s%sATR %s, reader %s", why != NULL ? why : "", why != NULL ? "; " : "",
                  hex, card->reader);
}

/* The hinted row first, then rows sharing its mask byte with another layout (ID 2019). */
static size_t candidates(const cardio_profile *hint, const cardio_profile **out, size_t cap)
{
    size_t n = 0;

    out[n++] = hint;
    for (const cardio_profile *p = cardio_profiles; p->name != NULL && n < cap; p++)
        if (p != hint && p->mask == hint->mask && p->layout != hint->layout)
            out[n++] = p;
    return n;
}

static tscns_err probe(tscns_card *card, const cardio_profile *hint)
{
    const cardio_profile *cand[4];
    size_t n = candidates(hint, cand, 4);
    tscns_err err = TSCNS_E_NOT_FOUND;

    for (size_t i = 0; i < n; i++) {
        handle_use_profile(card, cand[i]);
        handle_selected(card, NULL);
        err = iso_select(&card->ch, &cand[i]->cert, NULL, NULL);
        if (err == TSCNS_E_NOT_FOUND)
            continue;
        if (err != TSCNS_OK)
            return err;
        handle_selected(card, &cand[i]->cert);
        /* A certificate file that does not parse (a failed write) still identifies the card:
         * tscns extend restore must be able to open it. */
        cert_load(card);
        return TSCNS_OK;
    }
    return err;
}

tscns_err identify_card(tscns_card *card)
{
    const cardio_profile *hint = NULL;
    const cardio_profile *seen = NULL;
    tscns_err err;

    err = identify_hint(card->atr, card->atr_len, &hint);
    /* Contactless or not a TS-CNS: the message says which, the ATR is the fact to show. */
    if (err != TSCNS_OK) {
        atr_detail(card, NULL);
        return err;
    }
    handle_use_profile(card, hint);
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    err = efs_read_serial(card, card->serial);
    if (err == TSCNS_OK) {
        card->have_serial = 1;
        if (cert_cache_profile(card->reader, card->serial, &seen)) {
            handle_use_profile(card, seen);
        } else {
            err = probe(card, hint);
        }
    }
    handle_end(card);
    if (err == TSCNS_E_NOT_FOUND) {
        atr_detail(card, "no CNS files found");
        err = TSCNS_E_UNKNOWN_CARD;
    } else if (err == TSCNS_E_BAD_RESPONSE) {
        /* A CNS card (by its ATR) that answers garbage is broken, not of an unknown family:
         * say "malformed answer", with the ATR so that a report can name the card. */
        atr_detail(card, "EF_IDCarta is not 16 digits, or an answer had no status word");
    } else if (err != TSCNS_OK && card->detail[0] == '\0') {
        handle_detail_sw(card, "reading EF_IDCarta and the certificate file");
    }
    return err;
}
