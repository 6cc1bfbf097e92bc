/*
 * A tscns_card served by a token of a PKCS#11 module (libp11): the token's serial, its
 * certificate paired by CKA_ID with a private key, and the RSA private operation; the login is
 * in p11_login.c. The handle underneath (handle.c) has a transport that carries no APDU. Every
 * module call runs as a job under the deadline (p11_module_run): a job holds copies of what its
 * calls read and room for what they write, since a call that misses the deadline outlives its
 * caller, and this card may be closed by then.
 */
#include "p11_card.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

void p11_last(struct p11_card *pc, const char *fmt, ...)
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

typedef struct open_job {
    p11_job j;
    char reader[256];
    int any_reader;
    char serial_want[17];
    int any_serial;
    /* Results. */
    size_t seen;
    int found;
    char detail[512];
    char label[33];
    char serial[17];
    unsigned long slot_id;
    unsigned char id[P11_ID_MAX];
    size_t id_len;
    uint8_t *der;
    size_t der_len;
    int pin_tries;
    int locked_flag;
    char description[200];
} open_job;

/* Take the token if it holds a certificate (with its key where the module shows keys). */
static int take_token(PKCS11_SLOT *slot, void *arg)
{
    open_job *a = arg;
    PKCS11_TOKEN *t = slot->token;
    PKCS11_CERT *cert = p11_pick_cert(t, NULL);
    const char *path = p11_module_path(a->j.m);
    unsigned char *p = NULL;
    int n;

    p11_copy(a->label, sizeof(a->label), t->label);
    if (cert == NULL || cert->x509 == NULL) {
        snprintf(a->detail, sizeof(a->detail),
                 "token \"%s\" (module %s) holds no certificate with a private key of the same "
                 "CKA_ID",
                 a->label, path);
        return 0;
    }
    if (cert->id_len > P11_ID_MAX || (n = i2d_X509(cert->x509, &p)) <= 0) {
        snprintf(a->detail, sizeof(a->detail),
                 "token \"%s\" (module %s): its certificate is unusable", a->label, path);
        return 0;
    }
    a->der = p;
    a->der_len = (size_t)n;
    a->id_len = cert->id_len;
    if (cert->id_len > 0)
        memcpy(a->id, cert->id, cert->id_len);
    a->slot_id = PKCS11_get_slotid_from_slot(slot);
    p11_copy(a->serial, sizeof(a->serial), t->serialnr);
    /* What the token says of its PIN now: the configured PIN is not tried on the final try. */
    a->locked_flag = t->userPinLocked;
    a->pin_tries = !t->userPinLocked && t->userPinFinalTry ? 1 : -1;
    snprintf(a->description, sizeof(a->description), "%s %s token \"%s\" through %s",
             t->manufacturer != NULL ? t->manufacturer : "", t->model != NULL ? t->model : "",
             a->label, path);
    return 1;
}

static void open_fn(p11_job *job)
{
    open_job *a = (open_job *)job;

    a->found =
        p11_module_pick(job->m, a->any_reader ? NULL : a->reader,
                        a->any_serial ? NULL : a->serial_want, take_token, a, &a->seen) != NULL;
}

static void open_drop(p11_job *job)
{
    OPENSSL_free(((open_job *)job)->der);
}

static void copy_detail(char *detail, size_t cap, const char *s)
{
    if (detail != NULL && cap > 0)
        snprintf(detail, cap, "%s", s);
}

tscns_err p11_open(p11_module *m, const char *reader, const char *serial, tscns_card **out,
                   char *detail, size_t cap)
{
    open_job *a = p11_job_new(sizeof(*a), open_fn, open_drop);
    struct p11_card *pc;
    tscns_card *card = NULL;
    tscns_err err;

    *out = NULL;
    if (a == NULL)
        return TSCNS_E_NOMEM;
    a->any_reader = reader == NULL;
    snprintf(a->reader, sizeof(a->reader), "%s", reader != NULL ? reader : "");
    a->any_serial = serial == NULL;
    snprintf(a->serial_want, sizeof(a->serial_want), "%s", serial != NULL ? serial : "");
    p11_module_lock(m);
    err = p11_module_run(m, &a->j, "C_FindObjects", detail, cap);
    p11_module_unlock(m);
    if (err != TSCNS_OK)
        return err;
    if (!a->found) {
        if (a->seen == 0) {
            snprintf(a->detail, sizeof(a->detail), "module %s shows no token%s%s%s%s",
                     p11_module_path(m), serial != NULL ? " with serial " : "",
                     serial != NULL ? serial : "", reader != NULL ? " named like " : "",
                     reader != NULL ? reader : "");
        }
        copy_detail(detail, cap, a->detail);
        err = a->seen == 0 ? TSCNS_E_NO_CARD : TSCNS_E_NOT_FOUND;
        p11_job_free(&a->j);
        return err;
    }
    pc = calloc(1, sizeof(*pc));
    if (pc == NULL) {
        p11_job_free(&a->j);
        return TSCNS_E_NOMEM;
    }
    pc->m = m;
    pc->raw = -1;
    pc->der = a->der;
    pc->der_len = a->der_len;
    a->der = NULL;
    pc->id_len = a->id_len;
    memcpy(pc->id, a->id, a->id_len);
    pc->slot_id = a->slot_id;
    pc->locked_flag = a->locked_flag;
    snprintf(pc->description, sizeof(pc->description), "%s", a->description);
    p11_module_ref(m);
    pc->prof.name = "pkcs11";
    pc->prof.description = pc->description;
    err = handle_new(&p11_ops, pc, a->label[0] != '\0' ? a->label : a->serial, &card);
    if (card == NULL) {
        p11_job_free(&a->j);
        return err;
    }
    card->p11 = pc;
    handle_use_profile(card, &pc->prof);
    snprintf(card->serial, sizeof(card->serial), "%s", a->serial);
    card->have_serial = a->serial[0] != '\0';
    card->pin_tries = a->pin_tries;
    p11_job_free(&a->j);
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

/* The largest RSA block signed: 8192-bit keys. */
#define BLOCK_MAX 1024

typedef struct sign_job {
    p11_job j;
    unsigned long slot_id;
    unsigned char id[P11_ID_MAX];
    size_t id_len;
    uint8_t in[BLOCK_MAX];
    size_t in_len;
    /* In: what the card knows of CKM_RSA_X_509; out: what this call learnt. */
    int raw;
    /* Results. */
    int no_slot;
    int no_key;
    int pss_refused;
    int key_size;
    int used_pkcs1;
    int rc;
    unsigned long ckr;
    uint8_t out[BLOCK_MAX];
} sign_job;

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

static int key_bytes(PKCS11_KEY *key)
{
    return PKCS11_get_key_size(key);
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
    return ckr == CKR_MECHANISM_INVALID || ckr == CKR_MECHANISM_PARAM_INVALID ||
           ckr == CKR_FUNCTION_NOT_SUPPORTED || ckr == CKR_KEY_FUNCTION_NOT_PERMITTED ||
           ckr == CKR_KEY_TYPE_INCONSISTENT;
}

/* The private key paired with the certificate (visible once logged in). */
static PKCS11_KEY *job_key(sign_job *s, PKCS11_SLOT *slot)
{
    PKCS11_KEY *keys = NULL;
    unsigned int nk = 0;

    p11_call_start();
    if (PKCS11_enumerate_keys(slot->token, &keys, &nk) != 0)
        nk = 0;
    p11_call_end();
    for (unsigned int i = 0; i < nk; i++)
        if (keys[i].id_len == s->id_len &&
            (s->id_len == 0 || memcmp(keys[i].id, s->id, s->id_len) == 0))
            return &keys[i];
    return NULL;
}

static void sign_fn(p11_job *job)
{
    sign_job *s = (sign_job *)job;
    PKCS11_SLOT *slot = p11_module_slot(job->m, s->slot_id);
    PKCS11_KEY *key;
    const uint8_t *t;
    size_t tlen = 0;

    s->rc = -1;
    if (slot == NULL) {
        s->no_slot = 1;
        return;
    }
    key = job_key(s, slot);
    if (key == NULL) {
        s->no_key = 1;
        return;
    }
    /* libp11 writes a whole modulus' worth: a key larger than the room is not used. */
    p11_call_start();
    s->key_size = key_bytes(key);
    p11_call_end();
    if (s->key_size <= 0 || (size_t)s->key_size > sizeof(s->out))
        return;
    if (s->raw != 0) {
        p11_call_start();
        s->rc = key_private(key, s->in, s->in_len, s->out, RSA_NO_PADDING);
        s->ckr = p11_call_end();
        if (s->rc <= 0 && mechanism_refused(s->ckr))
            s->raw = 0;
        else if (s->rc > 0)
            s->raw = 1;
    }
    if (s->raw != 0)
        return;
    t = pkcs1_payload(s->in, s->in_len, &tlen);
    if (t == NULL) {
        s->pss_refused = 1;
        return;
    }
    s->used_pkcs1 = 1;
    p11_call_start();
    s->rc = key_private(key, t, tlen, s->out, RSA_PKCS1_PADDING);
    s->ckr = p11_call_end();
}

tscns_err p11_rsa_private(tscns_card *card, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t *out_len)
{
    struct p11_card *pc = card->p11;
    const char *path = p11_module_path(pc->m);
    sign_job *s;
    char name[32];
    tscns_err err;

    if (in_len > BLOCK_MAX) {
        p11_last(pc, "a %zu-byte RSA block is more than tscns signs, token %s", in_len,
                 card->reader);
        return TSCNS_E_UNSUPPORTED;
    }
    s = p11_job_new(sizeof(*s), sign_fn, NULL);
    if (s == NULL)
        return TSCNS_E_NOMEM;
    s->slot_id = pc->slot_id;
    s->id_len = pc->id_len;
    memcpy(s->id, pc->id, pc->id_len);
    memcpy(s->in, in, in_len);
    s->in_len = in_len;
    s->raw = pc->raw;
    p11_module_lock(pc->m);
    err = p11_module_run(pc->m, &s->j, "C_Sign", pc->last, sizeof(pc->last));
    p11_module_unlock(pc->m);
    if (err != TSCNS_OK)
        return err;
    pc->raw = s->raw;
    if (s->no_slot) {
        p11_last(pc, "the module no longer shows the token's slot, module %s", path);
        err = TSCNS_E_CARD_REMOVED;
    } else if (s->no_key) {
        p11_last(pc, "no private key with the certificate's CKA_ID on token %s, module %s",
                 card->reader, path);
        err = card->pin_verified ? TSCNS_E_NOT_FOUND : TSCNS_E_SECURITY;
    } else if (s->key_size <= 0 || (size_t)s->key_size > BLOCK_MAX) {
        p11_last(pc,
                 "the key on token %s is of a size tscns does not sign with (%d bytes), module %s",
                 card->reader, s->key_size, path);
        err = TSCNS_E_UNSUPPORTED;
    } else if (s->pss_refused) {
        p11_last(pc,
                 "token %s does not do raw RSA (CKM_RSA_X_509), only PKCS#1 v1.5 signatures: "
                 "no RSA-PSS (TLS 1.3 needs it), module %s",
                 card->reader, path);
        err = TSCNS_E_UNSUPPORTED;
    } else if (s->rc > 0 && (size_t)s->rc == in_len) {
        memcpy(out, s->out, in_len);
        *out_len = in_len;
    } else if (s->ckr == CKR_USER_NOT_LOGGED_IN) {
        card->pin_verified = 0;
        p11_last(pc, "C_Sign returned CKR_USER_NOT_LOGGED_IN, module %s", path);
        err = TSCNS_E_SECURITY;
    } else {
        p11_last(pc, "%s returned %s, module %s",
                 s->used_pkcs1 ? "C_Sign (CKM_RSA_PKCS)" : "C_Sign (CKM_RSA_X_509)",
                 s->ckr != 0 ? p11_ckr_name(s->ckr, name, sizeof(name)) : "a short result", path);
        err = TSCNS_E_PKCS11;
    }
    p11_job_free(&s->j);
    return err;
}
