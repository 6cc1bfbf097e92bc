/* EF_IDCarta and EF_DatiPersonali: small files readable without the PIN. */
#include "efs.h"

#include <string.h>

#include "iso7816.h"

/* EF_DatiPersonali is 400 bytes on every known card; leave room for a larger one. */
#define PERSONAL_MAX 1024
/* The file starts with its length: 6 ASCII hex digits. */
#define PERSONAL_PREFIX 6

tscns_err efs_read_serial(tscns_card *card, char serial[17])
{
    uint8_t buf[16];
    size_t got = 0;
    tscns_err err;

    err = handle_select(card, &card->prof->serial);
    if (err == TSCNS_OK)
        err = iso_read_binary(&card->ch, 0, buf, sizeof(buf), &got);
    if (err != TSCNS_OK)
        return err;
    if (got != sizeof(buf))
        return TSCNS_E_BAD_RESPONSE;
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] < '0' || buf[i] > '9')
            return TSCNS_E_BAD_RESPONSE;
    memcpy(serial, buf, sizeof(buf));
    serial[16] = '\0';
    return TSCNS_OK;
}

tscns_err tscns_card_serial(tscns_card *card, char serial[17])
{
    tscns_err err;

    if (card == NULL || serial == NULL)
        return TSCNS_E_INVALID_ARG;
    if (card->p11 != NULL && !card->have_serial) {
        handle_detail(card, "the token %s has no serial", card->reader);
        return TSCNS_E_UNSUPPORTED;
    }
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    if (!card->have_serial) {
        int attempt = 0;

        do
            err = efs_read_serial(card, card->serial);
        while (handle_retry(card, err, &attempt));
        if (err == TSCNS_OK)
            card->have_serial = 1;
        else
            handle_detail_sw(card, "reading EF_IDCarta");
    }
    if (err == TSCNS_OK)
        memcpy(serial, card->serial, 17);
    handle_end(card);
    return err;
}

/* The 6 hex digits that start EF_DatiPersonali, or -1 when they are not hex digits. */
static long declared_length(const uint8_t *buf, size_t got)
{
    long v = 0;

    if (got < PERSONAL_PREFIX)
        return -1;
    for (size_t i = 0; i < PERSONAL_PREFIX; i++) {
        uint8_t c = buf[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;

        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/*
 * One READ BINARY of 255 bytes, then only what the length prefix (an upper bound of the data
 * after it, docs/card.md) says is still missing: the zero padding up to the file's end stays
 * unread.
 */
static tscns_err read_personal(tscns_card *card, uint8_t *buf, size_t *got)
{
    size_t first = 0xFF;
    size_t more = 0;
    size_t need;
    long declared;
    tscns_err err;

    err = handle_select(card, &card->prof->personal);
    if (err == TSCNS_OK)
        err = iso_read_binary(&card->ch, 0, buf, first, got);
    if (err != TSCNS_OK || *got < first)
        return err;
    declared = declared_length(buf, *got);
    /* Not a length: the parser refuses the file from what is here. */
    if (declared < 0)
        return TSCNS_OK;
    need = (size_t)declared > PERSONAL_MAX - PERSONAL_PREFIX ? PERSONAL_MAX
                                                             : PERSONAL_PREFIX + (size_t)declared;
    if (need <= *got)
        return TSCNS_OK;
    err = iso_read_binary(&card->ch, *got, buf + *got, need - *got, &more);
    *got += more;
    return err;
}

tscns_err tscns_card_personal(tscns_card *card, tscns_personal *out)
{
    uint8_t buf[PERSONAL_MAX];
    size_t got = 0;
    int attempt = 0;
    tscns_err err;

    if (card == NULL || out == NULL)
        return TSCNS_E_INVALID_ARG;
    if (card->p11 != NULL) {
        handle_detail(card, "EF_DatiPersonali through a PKCS#11 module, token %s", card->reader);
        return TSCNS_E_UNSUPPORTED;
    }
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    do
        err = read_personal(card, buf, &got);
    while (handle_retry(card, err, &attempt));
    if (err != TSCNS_OK)
        handle_detail_sw(card, "reading EF_DatiPersonali");
    handle_end(card);
    if (err != TSCNS_OK)
        return err;
    err = tscns_parse_personal(buf, got, out);
    if (err != TSCNS_OK)
        handle_detail(card, "EF_DatiPersonali (%zu bytes read) does not parse, reader %s", got,
                      card->reader);
    return err;
}
