/* MSE RESTORE / SET, PSO DECIPHER (the raw RSA private operation) and GET CHALLENGE. */
#include <string.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "engine_internal.h"

static int in_key_df(const vcard *v)
{
    return !v->profile->key_df_required || v->nodes[v->cur_df].key_df;
}

uint16_t vc_cmd_mse(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    (void)ans;
    if (!v->key) {
        return SW_REF_NOT_FOUND;
    }
    uint16_t p1p2 = (uint16_t)(a->p1 << 8 | a->p2);
    if (p1p2 == 0xF303) {
        if (a->lc != 0) {
            return SW_WRONG_LENGTH;
        }
        if (!in_key_df(v)) {
            return SW_REF_NOT_FOUND;
        }
        v->key_set = 0;
        return SW_OK;
    }
    if (p1p2 != 0xF1B8) {
        return SW_BAD_P1P2;
    }
    if (a->lc != 3 || a->data[0] != 0x83 || a->data[1] != 0x01) {
        return SW_WRONG_DATA;
    }
    if (!in_key_df(v) || a->data[2] != v->profile->key_ref) {
        return SW_REF_NOT_FOUND;
    }
    v->key_set = 1;
    return SW_OK;
}

static int raw_rsa(vcard *v, const uint8_t *in, uint8_t *out)
{
    size_t out_len = v->key_bytes;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(v->key, NULL);
    int ok = ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0 &&
             EVP_PKEY_decrypt(ctx, out, &out_len, in, v->key_bytes) > 0 && out_len == v->key_bytes;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : -1;
}

uint16_t vc_cmd_pso(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    if (a->p1 != 0x80 || a->p2 != 0x86) {
        return SW_BAD_P1P2; /* PSO COMPUTE DIGITAL SIGNATURE is not offered (docs/card.md) */
    }
    if (!v->key) {
        return SW_REF_NOT_FOUND;
    }
    if (a->lc != v->key_bytes + 1) {
        return SW_WRONG_LENGTH;
    }
    if (!v->pin_ok) {
        return SW_SECURITY;
    }
    if (!v->key_set) {
        return SW_CONDITIONS;
    }
    if (a->data[0] != 0x00) {
        return SW_WRONG_DATA; /* the padding-indicator byte */
    }
    /* A block not below the modulus makes OpenSSL fail: the card calls it wrong data. */
    if (raw_rsa(v, a->data + 1, ans->data) != 0) {
        return SW_WRONG_DATA;
    }
    if (v->fault == VCARD_FAULT_BAD_SIGNATURE) {
        ans->data[v->key_bytes - 1] ^= 0x01;
    }
    ans->len = v->key_bytes;
    ans->rsa_done = 1;
    return SW_OK;
}

uint16_t vc_cmd_get_challenge(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    if (a->p1 != 0 || a->p2 != 0) {
        return SW_BAD_P1P2;
    }
    if (a->lc != 0 || !a->has_le) {
        return SW_WRONG_LENGTH;
    }
    if (a->le > v->profile->challenge_max) {
        return SW_WRONG_LE(v->profile->challenge_max);
    }
    if (RAND_bytes(ans->data, (int)a->le) != 1) {
        return SW_MEMORY;
    }
    ans->len = a->le;
    return SW_OK;
}
