/*
 * PIN and PUK commands (docs/card.md section 5). A value the card rejected is remembered as a
 * salted scrypt digest so it is never sent again on this handle; the values themselves are
 * cleansed. Every PIN answer of the card also goes to the user's PIN record (tscns/pin_state.h),
 * which other processes read.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "tscns/pin_state.h"

#include "handle.h"
#include "iso7816.h"
#include "p11.h"

enum secret_kind { KIND_PIN = 'P', KIND_PUK = 'K' };

int tscns_pin_format_ok(const char *pin)
{
    size_t n;

    if (pin == NULL)
        return 0;
    n = strlen(pin);
    if (n < 5 || n > 8)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return 0;
    return 1;
}

/*
 * scrypt with N = 2^16, r = 8, p = 1: 64 MB and about 0.4 s of one core of the development
 * machine per value (cardio/README.md has the figures). Recovering an 8-digit PIN from a memory
 * dump then costs 10^8 such hashes, over a CPU-year; SHA-256 took seconds. The salt is the
 * handle's random salt and the kind, so a PIN and a PUK of the same digits differ.
 */
#define SCRYPT_N (UINT64_C(1) << 16)
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_MAXMEM (UINT64_C(80) << 20)

static pthread_once_t kdf_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *kdf_ctx;
static OSSL_PROVIDER *kdf_default;

/*
 * scrypt runs in a library context of cardio's own with only the default provider: inside the
 * tscns provider, the host program's context may lack the default provider (the digest would
 * then fail, and every PIN after a rejection be refused), or be in a call that holds its locks.
 * Made on the first rejection, kept for the life of the process.
 */
/*
 * Freed at exit, before OpenSSL's own clean-up (registered earlier, so run later): a context
 * left to OPENSSL_cleanup() loses what it holds without freeing it.
 */
static void kdf_free(void)
{
    OSSL_PROVIDER_unload(kdf_default);
    OSSL_LIB_CTX_free(kdf_ctx);
    kdf_default = NULL;
    kdf_ctx = NULL;
}

static void kdf_init(void)
{
    OSSL_LIB_CTX *ctx = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *deflt = ctx != NULL ? OSSL_PROVIDER_load(ctx, "default") : NULL;

    if (deflt == NULL || atexit(kdf_free) != 0) {
        OSSL_PROVIDER_unload(deflt);
        OSSL_LIB_CTX_free(ctx);
        return;
    }
    kdf_ctx = ctx;
    kdf_default = deflt;
}

static int digest(const tscns_card *card, int kind, const char *secret,
                  uint8_t out[HANDLE_DIGEST_LEN])
{
    uint8_t salt[sizeof(card->salt) + 1];

    pthread_once(&kdf_once, kdf_init);
    if (kdf_ctx == NULL)
        return 0;
    memcpy(salt, card->salt, sizeof(card->salt));
    salt[sizeof(card->salt)] = (uint8_t)kind;
    return EVP_PBE_scrypt_ex(secret, strlen(secret), salt, sizeof(salt), SCRYPT_N, SCRYPT_R,
                             SCRYPT_P, SCRYPT_MAXMEM, out, HANDLE_DIGEST_LEN, kdf_ctx, NULL) == 1;
}

static int any_rejected(const tscns_card *card, int kind)
{
    for (size_t i = 0; i < card->n_rejected; i++)
        if (card->rejected_kind[i] == kind)
            return 1;
    return 0;
}

/*
 * Whether @p secret was rejected before; its digest goes to @p d (*have set) when one had to be
 * made. Nothing is hashed while no value of this kind was rejected: the usual correct PIN costs
 * no scrypt.
 */
static int was_rejected(const tscns_card *card, int kind, const char *secret,
                        uint8_t d[HANDLE_DIGEST_LEN], int *have)
{
    int hit = 0;

    *have = 0;
    if (!any_rejected(card, kind))
        return 0;
    /* Fail closed: if the digest cannot be made, treat the value as rejected. */
    if (!digest(card, kind, secret, d))
        return 1;
    *have = 1;
    for (size_t i = 0; i < card->n_rejected; i++)
        if (card->rejected_kind[i] == kind &&
            CRYPTO_memcmp(card->rejected[i], d, HANDLE_DIGEST_LEN) == 0)
            hit = 1;
    return hit;
}

static void remember_rejected(tscns_card *card, int kind, const char *secret,
                              uint8_t d[HANDLE_DIGEST_LEN], int have)
{
    if (!have && !digest(card, kind, secret, d))
        return;
    /* Full: drop the oldest. Three wrong PINs block the card long before this matters. */
    if (card->n_rejected == HANDLE_REJECTED_MAX) {
        memmove(card->rejected[0], card->rejected[1],
                (HANDLE_REJECTED_MAX - 1) * sizeof(card->rejected[0]));
        memmove(card->rejected_kind, card->rejected_kind + 1, HANDLE_REJECTED_MAX - 1);
        card->n_rejected--;
    }
    card->rejected_kind[card->n_rejected] = (uint8_t)kind;
    memcpy(card->rejected[card->n_rejected++], d, HANDLE_DIGEST_LEN);
}

/* A new PIN makes old PIN rejections meaningless; it could even equal one of them. The PUK did
 * not change: its rejections stand. */
static void forget_rejected_pins(tscns_card *card)
{
    size_t keep = 0;

    for (size_t i = 0; i < card->n_rejected; i++) {
        if (card->rejected_kind[i] == KIND_PIN)
            continue;
        memmove(card->rejected[keep], card->rejected[i], sizeof(card->rejected[0]));
        card->rejected_kind[keep++] = card->rejected_kind[i];
    }
    OPENSSL_cleanse(card->rejected[keep], (HANDLE_REJECTED_MAX - keep) * sizeof(card->rejected[0]));
    card->n_rejected = keep;
}

static void pad8(const char *secret, uint8_t out[8])
{
    size_t n = strlen(secret);

    memset(out, 0xFF, 8);
    memcpy(out, secret, n);
}

/* The PIN counter as the card just gave it, for the user's other processes. A card whose serial
 * this handle never read (none opened through open.c) has no record. */
static void note_pin_tries(const tscns_card *card, int tries)
{
    if (card->have_serial)
        tscns_pin_state_note_tries(card->serial, tries);
}

typedef struct pin_op {
    uint8_t ins;
    uint8_t ref;
    int kind; /* what a 63Cx / 6983 answer is about */
    const char *first;
    const char *second;
    const char *what;
} pin_op;

static tscns_err run(tscns_card *card, const pin_op *op, int *tries_left)
{
    uint8_t data[16], d[HANDLE_DIGEST_LEN];
    size_t len = op->second != NULL ? 16 : 8;
    int *counter = op->kind == KIND_PIN ? &card->pin_tries : &card->puk_tries;
    uint16_t sw = 0;
    int tries = -1, have_digest = 0;
    tscns_err err;

    if (tries_left != NULL)
        *tries_left = -1;
    if (!tscns_pin_format_ok(op->first) ||
        (op->second != NULL && !tscns_pin_format_ok(op->second))) {
        handle_detail(card, "%s: a PIN or PUK is 5 to 8 digits", op->what);
        return TSCNS_E_INVALID_ARG;
    }
    /* A module logs the user in; the PUK and PIN changes stay with the native road. */
    if (card->p11 != NULL && (op->ins != 0x20 || op->kind == KIND_PUK)) {
        handle_detail(card, "%s through a PKCS#11 module, token %s", op->what, card->reader);
        return TSCNS_E_UNSUPPORTED;
    }
    err = handle_begin(card);
    if (err != TSCNS_OK)
        return err;
    if (was_rejected(card, op->kind, op->first, d, &have_digest)) {
        handle_detail(card, "%s, reader %s", op->what, card->reader);
        if (tries_left != NULL)
            *tries_left = *counter;
        err = TSCNS_E_PIN_REJECTED;
        goto end;
    }
    if (*counter == 0) {
        handle_detail(card, "%s: not sent, reader %s", op->what, card->reader);
        if (tries_left != NULL)
            *tries_left = 0;
        err = op->kind == KIND_PIN ? TSCNS_E_PIN_BLOCKED : TSCNS_E_PUK_BLOCKED;
        goto end;
    }
    if (!loc_is_empty(&card->prof->key_df)) {
        err = handle_select(card, &card->prof->key_df);
        if (err != TSCNS_OK) {
            handle_detail_sw(card, op->what);
            goto end;
        }
    }
    pad8(op->first, data);
    if (op->second != NULL)
        pad8(op->second, data + 8);
    if (card->p11 != NULL)
        err = p11_login(card, op->first, &sw);
    else
        err = iso_pin_command(&card->ch, op->ins,
                              op->ins == 0x20 && op->kind == KIND_PUK ? card->prof->puk_ref
                                                                      : card->prof->pin_ref,
                              data, len, &sw);
    OPENSSL_cleanse(data, sizeof(data));
    /* Never resent after a reset: the card may have counted it. */
    if (err == TSCNS_E_CARD_RESET) {
        int no_retry = 1;

        handle_retry(card, err, &no_retry);
    }
    if (err == TSCNS_E_BAD_RESPONSE && (card->ch.last_sw >> 8) == 0x6C) {
        handle_detail(card, "%s: SW %04X asks for a resend with another Le; not resent, reader %s",
                      op->what, card->ch.last_sw, card->reader);
        goto end;
    }
    if (err != TSCNS_OK) {
        handle_detail_sw(card, op->what);
        goto end;
    }
    if (sw == 0x9000) {
        *counter = -1;
        if (op->ins != 0x20 || op->kind == KIND_PIN)
            note_pin_tries(card, -1);
        if (op->ins != 0x20) {
            forget_rejected_pins(card);
            card->pin_tries = -1;
        }
        /* RESET RETRY COUNTER leaves the PIN unverified on the cards we know. */
        if (op->ins == 0x2C)
            card->pin_verified = 0;
        if (op->ins == 0x20 && op->kind == KIND_PIN) {
            card->pin_verified = 1;
            card->pin_lost = 0;
        }
        goto end;
    }
    /* 6300: rejected, the counter not told (ISO 7816-4; a PKCS#11 token's CKR_PIN_INCORRECT). */
    if (apdu_sw_tries(sw, &tries) || sw == 0x6300) {
        remember_rejected(card, op->kind, op->first, d, have_digest);
        *counter = tries;
        /* An untold counter leaves the record's figure as it was. */
        if (op->kind == KIND_PIN && tries >= 0)
            note_pin_tries(card, tries);
        if (tries_left != NULL)
            *tries_left = tries;
        if (op->kind == KIND_PIN)
            card->pin_verified = 0;
        if (card->p11 != NULL)
            p11_login_detail(card, tries);
        else if (tries < 0)
            handle_detail(card, "%s: tries left not told (SW %04X), reader %s", op->what, sw,
                          card->reader);
        else
            handle_detail(card, "%s: %d %s left (SW %04X), reader %s", op->what, tries,
                          tries == 1 ? "try" : "tries", sw, card->reader);
        err = TSCNS_E_PIN_INCORRECT;
        goto end;
    }
    if (sw == 0x6983) {
        *counter = 0;
        if (op->kind == KIND_PIN)
            note_pin_tries(card, 0);
        if (tries_left != NULL)
            *tries_left = 0;
        if (card->p11 != NULL)
            p11_login_detail(card, 0);
        else
            handle_detail_sw(card, op->what);
        err = op->kind == KIND_PIN ? TSCNS_E_PIN_BLOCKED : TSCNS_E_PUK_BLOCKED;
        goto end;
    }
    err = apdu_sw_error(sw);
    handle_detail_sw(card, op->what);
end:
    OPENSSL_cleanse(d, sizeof(d));
    handle_end(card);
    return err;
}

tscns_err tscns_card_verify_pin(tscns_card *card, const char *pin, int *tries_left)
{
    pin_op op = {.ins = 0x20, .kind = KIND_PIN, .first = pin, .what = "VERIFY PIN"};

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    return run(card, &op, tries_left);
}

tscns_err tscns_card_verify_puk(tscns_card *card, const char *puk, int *tries_left)
{
    pin_op op = {.ins = 0x20, .kind = KIND_PUK, .first = puk, .what = "VERIFY PUK"};

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    return run(card, &op, tries_left);
}

tscns_err tscns_card_change_pin(tscns_card *card, const char *old_pin, const char *new_pin,
                                int *tries_left)
{
    pin_op op = {
        .ins = 0x24, .kind = KIND_PIN, .first = old_pin, .second = new_pin, .what = "CHANGE PIN"};

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    return run(card, &op, tries_left);
}

tscns_err tscns_card_unblock_pin(tscns_card *card, const char *puk, const char *new_pin,
                                 int *tries_left)
{
    pin_op op = {
        .ins = 0x2C, .kind = KIND_PUK, .first = puk, .second = new_pin, .what = "UNBLOCK PIN"};

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    return run(card, &op, tries_left);
}

int tscns_card_pin_verified(tscns_card *card)
{
    int v;

    if (card == NULL)
        return 0;
    pthread_mutex_lock(&card->mu);
    /* A reset the transport already saw takes the PIN state away now, not at the next call. */
    if (card->depth == 0 && card->ch.ops->was_reset(card->ch.self))
        handle_note_reset(card);
    v = card->pin_verified;
    pthread_mutex_unlock(&card->mu);
    return v;
}

int tscns_card_pin_tries_known(const tscns_card *card)
{
    return card != NULL ? card->pin_tries : -1;
}
