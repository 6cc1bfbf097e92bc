/* VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER with persistent try counters. */
#include <string.h>

#include <openssl/crypto.h>

#include "engine_internal.h"

typedef enum secret { SECRET_PIN, SECRET_PUK } secret;

static uint16_t reference(const vcard *v, uint8_t p2, secret *which)
{
    if (v->profile->key_df_required && !v->nodes[v->cur_df].key_df) {
        return SW_REF_NOT_FOUND;
    }
    if (p2 == v->profile->pin_ref) {
        *which = SECRET_PIN;
        return SW_OK;
    }
    if (p2 == v->profile->puk_ref) {
        *which = SECRET_PUK;
        return SW_OK;
    }
    return SW_REF_NOT_FOUND;
}

/* An 8-byte block: 5 to 8 ASCII digits, then 0xFF padding. */
static int block_value(const uint8_t *blk, char out[VC_PIN_BLOCK + 1])
{
    size_t n = 0;
    while (n < VC_PIN_BLOCK && blk[n] >= '0' && blk[n] <= '9') {
        out[n] = (char)blk[n];
        n++;
    }
    out[n] = '\0';
    for (size_t i = n; i < VC_PIN_BLOCK; i++) {
        if (blk[i] != 0xFF) {
            return -1;
        }
    }
    return n >= 5 ? 0 : -1;
}

static int *tries_of(vcard *v, secret which)
{
    return which == SECRET_PIN ? &v->pin_tries : &v->puk_tries;
}

static uint16_t count_failure(vcard *v, secret which)
{
    int *tries = tries_of(v, which);
    if (*tries > 0) {
        (*tries)--;
    }
    if (which == SECRET_PIN) {
        v->pin_ok = 0;
    } else {
        v->puk_ok = 0;
    }
    if (vc_state_save(v) != 0) {
        return SW_MEMORY;
    }
    return *tries > 0 ? SW_TRIES(*tries) : SW_BLOCKED;
}

/* Compare a presented block with the stored secret; a mismatch costs one try. */
static uint16_t check(vcard *v, secret which, const uint8_t *blk)
{
    int *tries = tries_of(v, which);
    if (*tries == 0) {
        return SW_BLOCKED;
    }
    char given[VC_PIN_BLOCK + 1];
    int match =
        block_value(blk, given) == 0 && strcmp(given, which == SECRET_PIN ? v->pin : v->puk) == 0;
    OPENSSL_cleanse(given, sizeof(given));
    if (!match) {
        return count_failure(v, which);
    }
    if (*tries != VC_MAX_TRIES) {
        *tries = VC_MAX_TRIES;
        if (vc_state_save(v) != 0) {
            return SW_MEMORY;
        }
    }
    return SW_OK;
}

uint16_t vc_cmd_verify(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    (void)ans;
    secret which;
    if (a->p1 != 0x00) {
        return SW_BAD_P1P2;
    }
    uint16_t sw = reference(v, a->p2, &which);
    if (sw != SW_OK) {
        return sw;
    }
    int *tries = tries_of(v, which);
    if (a->lc == 0) {
        /* An empty VERIFY asks for the counter; some cards count it as a wrong PIN. */
        if (*tries == 0) {
            return SW_BLOCKED;
        }
        if (v->profile->empty_verify_counts) {
            return count_failure(v, which);
        }
        int ok = which == SECRET_PIN ? v->pin_ok : v->puk_ok;
        return ok ? SW_OK : SW_TRIES(*tries);
    }
    if (a->lc != VC_PIN_BLOCK) {
        return SW_WRONG_LENGTH;
    }
    sw = check(v, which, a->data);
    if (sw == SW_OK) {
        if (which == SECRET_PIN) {
            v->pin_ok = 1;
        } else {
            v->puk_ok = 1;
        }
    }
    return sw;
}

uint16_t vc_cmd_change_reference(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    (void)ans;
    secret which;
    char next[VC_PIN_BLOCK + 1];
    if (a->p1 != 0x00) {
        return SW_BAD_P1P2;
    }
    uint16_t sw = reference(v, a->p2, &which);
    if (sw != SW_OK) {
        return sw;
    }
    if (which != SECRET_PIN) {
        return SW_REF_NOT_FOUND;
    }
    if (a->lc != 2 * VC_PIN_BLOCK) {
        return SW_WRONG_LENGTH;
    }
    if (v->pin_tries == 0) {
        return SW_BLOCKED;
    }
    if (block_value(a->data + VC_PIN_BLOCK, next) != 0) {
        OPENSSL_cleanse(next, sizeof(next));
        return SW_WRONG_DATA;
    }
    sw = check(v, SECRET_PIN, a->data);
    if (sw == SW_OK) {
        memcpy(v->pin, next, sizeof(next));
        v->pin_ok = 1;
        if (vc_state_save(v) != 0) {
            sw = SW_MEMORY;
        }
    }
    OPENSSL_cleanse(next, sizeof(next));
    return sw;
}

uint16_t vc_cmd_reset_retry_counter(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    (void)ans;
    secret which;
    char next[VC_PIN_BLOCK + 1] = "";
    uint16_t sw = reference(v, a->p2, &which);
    if (sw != SW_OK) {
        return sw;
    }
    if (which != SECRET_PIN) {
        return SW_REF_NOT_FOUND;
    }
    /* P1=00: PUK and new PIN; P1=01: PUK only, the counter is reset and the PIN kept. */
    if (a->p1 != 0x00 && a->p1 != 0x01) {
        return SW_BAD_P1P2;
    }
    if (a->lc != (a->p1 == 0x00 ? 2u : 1u) * VC_PIN_BLOCK) {
        return SW_WRONG_LENGTH;
    }
    if (v->puk_tries == 0) {
        return SW_BLOCKED;
    }
    if (a->p1 == 0x00 && block_value(a->data + VC_PIN_BLOCK, next) != 0) {
        OPENSSL_cleanse(next, sizeof(next));
        return SW_WRONG_DATA;
    }
    sw = check(v, SECRET_PUK, a->data);
    if (sw == SW_OK) {
        if (a->p1 == 0x00) {
            memcpy(v->pin, next, sizeof(next));
        }
        v->pin_tries = VC_MAX_TRIES;
        v->pin_ok = 0;
        if (vc_state_save(v) != 0) {
            sw = SW_MEMORY;
        }
    }
    OPENSSL_cleanse(next, sizeof(next));
    return sw;
}
