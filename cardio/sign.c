/* The CNS key: raw RSA private operation (docs/card.md section 4). */
#include <string.h>

#include "handle.h"
#include "iso7816.h"
#include "p11.h"

/* The card answered with a status word (as opposed to the link failing). */
static int card_refused(tscns_err err)
{
    return err == TSCNS_E_NOT_FOUND || err == TSCNS_E_CARD_STATUS || err == TSCNS_E_SECURITY;
}

tscns_err tscns_card_rsa_private(tscns_card *card, const uint8_t *in, size_t in_len, uint8_t *out,
                                 size_t *out_len)
{
    size_t k = 0;
    size_t n;
    tscns_err err;

    if (card == NULL || in == NULL || out == NULL || out_len == NULL)
        return TSCNS_E_INVALID_ARG;
    err = tscns_card_key_bytes(card, &k);
    if (err != TSCNS_OK)
        return err;
    if (in_len != k || *out_len < k) {
        handle_detail(card, "block of %zu bytes, buffer of %zu, for a %zu-byte key", in_len,
                      *out_len, k);
        return TSCNS_E_INVALID_ARG;
    }
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    /* A reset took the PIN state away: say so once rather than spend three APDUs on 6982. */
    if (card->pin_lost) {
        card->pin_lost = 0;
        handle_detail(card, "reader %s", card->reader);
        err = TSCNS_E_CARD_RESET;
        goto end;
    }
    if (card->p11 != NULL) {
        err = p11_rsa_private(card, in, in_len, out, out_len);
        if (err != TSCNS_OK)
            handle_detail_sw(card, "RSA private operation");
        goto end;
    }
    if (!loc_is_empty(&card->prof->key_df) && !card->key_df_kept)
        err = handle_select(card, &card->prof->key_df);
    if (err == TSCNS_OK)
        err = iso_mse_restore(&card->ch);
    /* Kept from an earlier transaction, but another program may have moved: select, retry. */
    if (card_refused(err) && card->key_df_kept) {
        handle_selected(card, NULL);
        err = handle_select(card, &card->prof->key_df);
        if (err == TSCNS_OK)
            err = iso_mse_restore(&card->ch);
    }
    if (err == TSCNS_OK)
        err = iso_mse_set_decipher(&card->ch, card->prof->key_ref);
    n = *out_len;
    if (err == TSCNS_OK)
        err = iso_pso_decipher(&card->ch, in, in_len, out, &n);
    if (err == TSCNS_E_CARD_RESET) {
        int no_retry = 1;

        handle_retry(card, err, &no_retry);
        handle_detail(card, "reader %s", card->reader);
        card->pin_lost = 0;
    } else if (err == TSCNS_E_SECURITY) {
        card->pin_verified = 0;
        handle_detail_sw(card, "RSA private operation");
    } else if (err != TSCNS_OK) {
        handle_detail_sw(card, "RSA private operation");
    } else if (n != k) {
        handle_detail(card, "%zu bytes for a %zu-byte key, reader %s", n, k, card->reader);
        err = TSCNS_E_BAD_RESPONSE;
    } else {
        *out_len = n;
    }
end:
    handle_end(card);
    return err;
}
