/*
 * A tscns_card served by a token of a PKCS#11 module (libp11): the token's serial, its
 * certificate paired by CKA_ID with a private key, C_Login, and the RSA private operation.
 * The handle underneath (handle.c) has a transport that carries no APDU; pin.c keeps its rules
 * (no empty login, a rejected PIN never sent twice, the user's PIN record) around p11_login().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "p11_module.h"

/* The largest CKA_ID kept: tokens use 1 to 20 bytes (a SHA-1 of the key is common). */
#define ID_MAX 64

struct p11_card {
    p11_module *m;
    unsigned long slot_id;
    unsigned char id[ID_MAX];
    size_t id_len;
    uint8_t *der;
    size_t der_len;
    /* The family row the handle reports: "pkcs11" and a line naming the token and module. */
    cardio_profile prof;
    char description[200];
    /* CKM_RSA_X_509: 1 done, 0 refused by the token, -1 not tried yet. */
    int raw;
    /*
     * The token flagged CKF_USER_PIN_LOCKED when opened. Not taken as a count: OpenSC 0.23's
     * emulation of a CNS card sets it (tries left 0) without asking the card, whose PIN is fine.
     * A C_Login to a PIN that is really blocked costs nothing (the card refuses it before any
     * counter), so it goes; a CKR_PIN_INCORRECT answer then proves the flag false.
     */
    int locked_flag;
    /* What failed last, for the handle's details (the transport's last_error). */
    char last[384];
};

static void p11_last(struct p11_card *pc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void p11_last(struct p11_card *pc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pc->last, sizeof(pc->last), fmt, ap);
    va_end(ap);
}

/* ---- the transport under the handle: no APDU goes through a module ---- */

static tscns_err t_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    (void)self;
    (void)atr;
    *atr_len = 0;
    return TSCNS_OK;
}

static tscns_err t_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                            size_t *resp_len)
{
    struct p11_card *pc = self;

    (void)cmd;
    (void)cmd_len;
    (void)resp;
    (void)resp_len;
    p11_last(pc, "a PKCS#11 token takes no APDU, module %s", p11_module_path(pc->m));
    return TSCNS_E_UNSUPPORTED;
}

static tscns_err t_begin(void *self)
{
    (void)self;
    return TSCNS_OK;
}

static void t_end(void *self)
{
    (void)self;
}

static int t_was_reset(void *self)
{
    (void)self;
    return 0;
}

static void t_close(void *self)
{
    struct p11_card *pc = self;

    p11_module_release(pc->m);
    OPENSSL_free(pc->der);
    free(pc);
}

static const char *t_last_error(void *self)
{
    return ((struct p11_card *)self)->last;
}

static const tscns_transport_ops p11_ops = {
    .connect = t_connect,
    .transmit = t_transmit,
    .begin = t_begin,
    .end = t_end,
    .was_reset = t_was_reset,
    .close = t_close,
    .last_error = t_last_error,
};

/* ---- opening ---- */

typedef struct pick_arg {
    struct p11_card *pc;
    char *detail;
    size_t cap;
    char label[33];
    char serial[17];
    int pin_tries;
    int locked_flag;
} pick_arg;

/* Take the token if it holds a certificate (with its key where the module shows keys). */
static int take_token(PKCS11_SLOT *slot, void *varg)
{
    pick_arg *a = varg;
    PKCS11_TOKEN *t = slot->token;
    PKCS11_CERT *cert = p11_pick_cert(t, NULL);
    unsigned char *p = NULL;
    int n;

    p11_copy(a->label, sizeof(a->label), t->label);
    if (cert == NULL || cert->x509 == NULL) {
        snprintf(a->detail, a->cap,
                 "token \"%s\" (module %s) holds no certificate with a private key of the same "
                 "CKA_ID",
                 a->label, p11_module_path(a->pc->m));
        return 0;
    }
    if (cert->id_len > ID_MAX || (n = i2d_X509(cert->x509, &p)) <= 0) {
        snprintf(a->detail, a->cap, "token \"%s\" (module %s): its certificate is unusable",
                 a->label, p11_module_path(a->pc->m));
        return 0;
    }
    a->pc->der = p;
    a->pc->der_len = (size_t)n;
    a->pc->id_len = cert->id_len;
    if (cert->id_len > 0)
        memcpy(a->pc->id, cert->id, cert->id_len);
    a->pc->slot_id = PKCS11_get_slotid_from_slot(slot);
    p11_copy(a->serial, sizeof(a->serial), t->serialnr);
    /* What the token says of its PIN now: the configured PIN is not tried on the final try. */
    a->locked_flag = t->userPinLocked;
    a->pin_tries = !t->userPinLocked && t->userPinFinalTry ? 1 : -1;
    snprintf(a->pc->description, sizeof(a->pc->description), "%s %s token \"%s\" through %s",
             t->manufacturer != NULL ? t->manufacturer : "", t->model != NULL ? t->model : "",
             a->label, p11_module_path(a->pc->m));
    return 1;
}

tscns_err p11_open(p11_module *m, const char *reader, const char *serial, tscns_card **out,
                   char *detail, size_t cap)
{
    char scratch[512];
    pick_arg a = {.detail = detail != NULL ? detail : scratch,
                  .cap = detail != NULL ? cap : sizeof(scratch)};
    struct p11_card *pc;
    tscns_card *card = NULL;
    tscns_err err;

    *out = NULL;
    pc = calloc(1, sizeof(*pc));
    if (pc == NULL)
        return TSCNS_E_NOMEM;
    pc->m = m;
    pc->raw = -1;
    a.pc = pc;
    err = p11_module_pick(m, reader, serial, take_token, &a, a.detail, a.cap);
    if (err != TSCNS_OK) {
        OPENSSL_free(pc->der);
        free(pc);
        return err;
    }
    p11_module_ref(m);
    pc->prof.name = "pkcs11";
    pc->prof.description = pc->description;
    err = handle_new(&p11_ops, pc, a.label[0] != '\0' ? a.label : a.serial, &card);
    if (card == NULL)
        return err;
    card->p11 = pc;
    handle_use_profile(card, &pc->prof);
    snprintf(card->serial, sizeof(card->serial), "%s", a.serial);
    card->have_serial = a.serial[0] != '\0';
    card->pin_tries = a.pin_tries;
    pc->locked_flag = a.locked_flag;
    *out = card;
    return TSCNS_OK;
}

/* ---- operations ---- */

tscns_err p11_certificate(tscns_card *card, const uint8_t **der, size_t *len)
{
    *der = card->p11->der;
    *len = card->p11->der_len;
    return TSCNS_OK;
}

/* Lock the module and find this card's slot; TSCNS_E_CARD_REMOVED (unlocked) when gone. */
static tscns_err card_slot(tscns_card *card, PKCS11_SLOT **slot)
{
    struct p11_card *pc = card->p11;

    *slot = p11_module_lock_slot(pc->m, pc->slot_id);
    if (*slot != NULL && (*slot)->token != NULL)
        return TSCNS_OK;
    p11_module_unlock(pc->m);
    p11_last(pc, "the module no longer shows the token's slot, module %s", p11_module_path(pc->m));
    return TSCNS_E_CARD_REMOVED;
}

tscns_err p11_login(tscns_card *card, const char *pin, uint16_t *sw)
{
    struct p11_card *pc = card->p11;
    PKCS11_SLOT *slot;
    char name[32];
    unsigned long ckr;
    tscns_err err;
    int rc;

    *sw = 0;
    err = card_slot(card, &slot);
    if (err != TSCNS_OK)
        return err;
    p11_call_start();
    rc = PKCS11_login(slot, 0, pin);
    ckr = p11_call_end();
    if (rc == 0) {
        *sw = 0x9000;
    } else if (ckr == P11_CKR_PIN_INCORRECT || ckr == P11_CKR_PIN_LOCKED) {
        /* The flags after the failure: what the token tells of the tries left. */
        int final_try = 0, locked = 0;

        p11_module_pin_flags(pc->m, pc->slot_id, &final_try, &locked);
        /* A flag that was up before this wrong PIN, which the token did count, was false. */
        if (ckr == P11_CKR_PIN_INCORRECT && locked && pc->locked_flag)
            locked = 0;
        else
            pc->locked_flag = locked;
        *sw = ckr == P11_CKR_PIN_LOCKED || locked ? 0x6983 : final_try ? 0x63C1 : 0x6300;
    } else {
        p11_last(pc, "C_Login returned %s, module %s", p11_ckr_name(ckr, name, sizeof(name)),
                 p11_module_path(pc->m));
        err = TSCNS_E_PKCS11;
    }
    p11_module_unlock(pc->m);
    return err;
}

void p11_login_detail(tscns_card *card, int tries)
{
    const char *what = tries == 1   ? "1 try left (the token flags CKF_USER_PIN_FINAL_TRY)"
                       : tries >= 0 ? "tries left as the token says"
                                    : "tries left unknown (the token does not flag a final try)";

    if (tries > 1)
        handle_detail(card, "C_Login: CKR_PIN_INCORRECT, %d tries left, token %s, module %s", tries,
                      card->reader, p11_module_path(card->p11->m));
    else
        handle_detail(card, "C_Login: CKR_PIN_INCORRECT, %s, token %s, module %s", what,
                      card->reader, p11_module_path(card->p11->m));
}

/* The private key paired with the certificate (visible once logged in). */
static PKCS11_KEY *card_key(struct p11_card *pc, PKCS11_SLOT *slot)
{
    PKCS11_KEY *keys = NULL;
    unsigned int nk = 0;

    p11_call_start();
    if (PKCS11_enumerate_keys(slot->token, &keys, &nk) != 0)
        nk = 0;
    p11_call_end();
    for (unsigned int i = 0; i < nk; i++)
        if (keys[i].id_len == pc->id_len &&
            (pc->id_len == 0 || memcmp(keys[i].id, pc->id, pc->id_len) == 0))
            return &keys[i];
    return NULL;
}

/*
 * libp11 0.4.12 marks its raw private-key calls deprecated in favour of an EVP_PKEY that runs
 * them through a legacy RSA_METHOD; inside an OpenSSL provider that would re-enter the host's
 * library context. The direct calls are kept on purpose.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int key_private(PKCS11_KEY *key, const uint8_t *in, size_t in_len, uint8_t *out, int padding)
{
    return PKCS11_private_encrypt((int)in_len, in, out, key, padding);
}
#pragma GCC diagnostic pop

/* The DigestInfo inside an EMSA-PKCS1-v1_5 block (00 01 FF..FF 00 T), or NULL. */
static const uint8_t *pkcs1_payload(const uint8_t *in, size_t k, size_t *tlen)
{
    size_t i = 2;

    if (k < 11 || in[0] != 0x00 || in[1] != 0x01)
        return NULL;
    while (i < k && in[i] == 0xFF)
        i++;
    if (i < 10 || i >= k || in[i] != 0x00)
        return NULL;
    *tlen = k - i - 1;
    return in + i + 1;
}

static int mechanism_refused(unsigned long ckr)
{
    return ckr == P11_CKR_MECHANISM_INVALID || ckr == P11_CKR_MECHANISM_PARAM_INVALID ||
           ckr == P11_CKR_FUNCTION_NOT_SUPPORTED || ckr == P11_CKR_KEY_FUNCTION_NOT_PERMITTED ||
           ckr == P11_CKR_KEY_TYPE_INCONSISTENT;
}

tscns_err p11_rsa_private(tscns_card *card, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t *out_len)
{
    struct p11_card *pc = card->p11;
    const uint8_t *t = NULL;
    size_t tlen = 0;
    PKCS11_SLOT *slot;
    PKCS11_KEY *key;
    char name[32];
    unsigned long ckr = 0;
    tscns_err err;
    int rc = -1;

    err = card_slot(card, &slot);
    if (err != TSCNS_OK)
        return err;
    key = card_key(pc, slot);
    if (key == NULL) {
        p11_last(pc, "no private key with the certificate's CKA_ID on token %s, module %s",
                 card->reader, p11_module_path(pc->m));
        err = card->pin_verified ? TSCNS_E_NOT_FOUND : TSCNS_E_SECURITY;
        goto end;
    }
    if (pc->raw != 0) {
        p11_call_start();
        rc = key_private(key, in, in_len, out, RSA_NO_PADDING);
        ckr = p11_call_end();
        if (rc <= 0 && mechanism_refused(ckr))
            pc->raw = 0;
        else if (rc > 0)
            pc->raw = 1;
    }
    if (pc->raw == 0) {
        t = pkcs1_payload(in, in_len, &tlen);
        if (t == NULL) {
            p11_last(pc,
                     "token %s does not do raw RSA (CKM_RSA_X_509), only PKCS#1 v1.5 "
                     "signatures: no RSA-PSS (TLS 1.3 needs it), module %s",
                     card->reader, p11_module_path(pc->m));
            err = TSCNS_E_UNSUPPORTED;
            goto end;
        }
        p11_call_start();
        rc = key_private(key, t, tlen, out, RSA_PKCS1_PADDING);
        ckr = p11_call_end();
    }
    if (rc > 0 && (size_t)rc == in_len) {
        *out_len = (size_t)rc;
    } else if (ckr == P11_CKR_USER_NOT_LOGGED_IN) {
        card->pin_verified = 0;
        p11_last(pc, "C_Sign returned CKR_USER_NOT_LOGGED_IN, module %s", p11_module_path(pc->m));
        err = TSCNS_E_SECURITY;
    } else {
        p11_last(pc, "%s returned %s, module %s",
                 t != NULL ? "C_Sign (CKM_RSA_PKCS)" : "C_Sign (CKM_RSA_X_509)",
                 ckr != 0 ? p11_ckr_name(ckr, name, sizeof(name)) : "a short result",
                 p11_module_path(pc->m));
        err = TSCNS_E_PKCS11;
    }
end:
    p11_module_unlock(pc->m);
    return err;
}
