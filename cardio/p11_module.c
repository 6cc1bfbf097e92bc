/* A PKCS#11 module loaded through libp11: shared by a context and its token cards. */
#include "p11_module.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>

struct p11_module {
    pthread_mutex_t mu;
    /* The process's loaded modules (all_mu), for the unload at exit. */
    p11_module *next;
    /* The context's reference and one per open card: a card outlives nothing it points into. */
    int refs;
    char path[512];
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots;
    unsigned int nslots;
};

/*
 * Modules are unloaded at exit before OpenSSL's own clean-up (registered earlier, so run later):
 * a module that uses libcrypto itself (SoftHSM) crashes in C_Finalize once OpenSSL is gone, and
 * the provider's last teardown runs inside OPENSSL_cleanup().
 */
static pthread_mutex_t all_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static p11_module *all_modules;

static void unload(p11_module *m)
{
    if (m->ctx == NULL)
        return;
    p11_call_start();
    if (m->slots != NULL)
        PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
    PKCS11_CTX_unload(m->ctx);
    PKCS11_CTX_free(m->ctx);
    p11_call_end();
    m->ctx = NULL;
    m->slots = NULL;
    m->nslots = 0;
}

static void unload_all(void)
{
    pthread_mutex_lock(&all_mu);
    for (p11_module *m = all_modules; m != NULL; m = m->next) {
        pthread_mutex_lock(&m->mu);
        unload(m);
        pthread_mutex_unlock(&m->mu);
    }
    pthread_mutex_unlock(&all_mu);
}

static void exit_init(void)
{
    atexit(unload_all);
}

void p11_call_start(void)
{
    ERR_set_mark();
}

unsigned long p11_call_end(void)
{
    unsigned long e = ERR_peek_last_error();
    unsigned long ckr = 0;

    /* libp11 files every failed PKCS#11 call under its own library with the CKR as reason. */
    if (e != 0 && ERR_GET_LIB(e) == ERR_get_CKR_code())
        ckr = (unsigned long)ERR_GET_REASON(e);
    ERR_pop_to_mark();
    return ckr;
}

const char *p11_ckr_name(unsigned long ckr, char *buf, size_t cap)
{
    static const struct {
        unsigned long v;
        const char *name;
    } names[] = {
        {0x05, "CKR_GENERAL_ERROR"},
        {0x06, "CKR_FUNCTION_FAILED"},
        {0x30, "CKR_DEVICE_ERROR"},
        {0x31, "CKR_DEVICE_MEMORY"},
        {0x32, "CKR_DEVICE_REMOVED"},
        {P11_CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"},
        {P11_CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
        {P11_CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
        {P11_CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
        {P11_CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
        {P11_CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {0xA1, "CKR_PIN_INVALID"},
        {0xA2, "CKR_PIN_LEN_RANGE"},
        {P11_CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
        {0xB3, "CKR_SESSION_HANDLE_INVALID"},
        {0xE0, "CKR_TOKEN_NOT_PRESENT"},
        {0xE1, "CKR_TOKEN_NOT_RECOGNIZED"},
        {P11_CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {0x191, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].v == ckr)
            return names[i].name;
    snprintf(buf, cap, "CKR 0x%lX", ckr);
    return buf;
}

void p11_copy(char *out, size_t cap, const char *s)
{
    size_t n;

    snprintf(out, cap, "%s", s != NULL ? s : "");
    n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

static void set_detail(char *detail, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_detail(char *detail, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (detail == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, cap, fmt, ap);
    va_end(ap);
}

/*
 * The slot list, read once when the module is loaded. libp11 0.4.12's PKCS11_update_slots()
 * crashes on a second call, and a second list of the same slots closes the first one's sessions
 * when it is released (C_CloseAllSessions), logging the user out: a token inserted later is seen
 * by the next process.
 */
static tscns_err list_slots(p11_module *m, char *detail, size_t cap)
{
    char name[32];
    unsigned long ckr;
    int rc;

    p11_call_start();
    rc = PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots);
    ckr = p11_call_end();
    if (rc != 0) {
        set_detail(detail, cap, "C_GetSlotList returned %s, module %s",
                   p11_ckr_name(ckr, name, sizeof(name)), m->path);
        return TSCNS_E_PKCS11;
    }
    return TSCNS_OK;
}

tscns_err p11_module_load(const char *path, p11_module **out, char *detail, size_t cap)
{
    struct stat st;
    p11_module *m;
    tscns_err err;
    int rc;

    *out = NULL;
    /* libp11 says only that the load failed: say why when the file is the reason. */
    if (stat(path, &st) != 0) {
        set_detail(detail, cap, "module %s: %s", path, strerror(errno));
        return TSCNS_E_PKCS11;
    }
    if (!S_ISREG(st.st_mode)) {
        set_detail(detail, cap, "module %s is not a regular file", path);
        return TSCNS_E_PKCS11;
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return TSCNS_E_NOMEM;
    pthread_mutex_init(&m->mu, NULL);
    m->refs = 1;
    snprintf(m->path, sizeof(m->path), "%s", path);
    p11_call_start();
    m->ctx = PKCS11_CTX_new();
    rc = m->ctx != NULL ? PKCS11_CTX_load(m->ctx, path) : -1;
    p11_call_end();
    if (rc != 0) {
        set_detail(detail, cap,
                   "module %s: loading it failed (not a PKCS#11 module: no "
                   "C_GetFunctionList, or C_Initialize failed)",
                   path);
        if (m->ctx != NULL)
            PKCS11_CTX_free(m->ctx);
        m->ctx = NULL;
        p11_module_release(m);
        return TSCNS_E_PKCS11;
    }
    pthread_once(&exit_once, exit_init);
    pthread_mutex_lock(&all_mu);
    m->next = all_modules;
    all_modules = m;
    pthread_mutex_unlock(&all_mu);
    err = list_slots(m, detail, cap);
    if (err != TSCNS_OK) {
        p11_module_release(m);
        return err;
    }
    *out = m;
    return TSCNS_OK;
}

void p11_module_ref(p11_module *m)
{
    pthread_mutex_lock(&m->mu);
    m->refs++;
    pthread_mutex_unlock(&m->mu);
}

void p11_module_release(p11_module *m)
{
    int left;

    if (m == NULL)
        return;
    pthread_mutex_lock(&m->mu);
    left = --m->refs;
    pthread_mutex_unlock(&m->mu);
    if (left > 0)
        return;
    pthread_mutex_lock(&all_mu);
    for (p11_module **p = &all_modules; *p != NULL; p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            break;
        }
    pthread_mutex_unlock(&all_mu);
    unload(m);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

const char *p11_module_path(const p11_module *m)
{
    return m->path;
}

PKCS11_SLOT *p11_module_lock_slot(p11_module *m, unsigned long id)
{
    pthread_mutex_lock(&m->mu);
    for (unsigned int i = 0; i < m->nslots; i++)
        if (PKCS11_get_slotid_from_slot(&m->slots[i]) == id)
            return &m->slots[i];
    return NULL;
}

int p11_module_pin_flags(p11_module *m, unsigned long id, int *final_try, int *locked)
{
    PKCS11_SLOT *slots = NULL;
    unsigned int n = 0;
    int found = 0;

    if (m->ctx == NULL)
        return 0;
    p11_call_start();
    if (PKCS11_enumerate_slots(m->ctx, &slots, &n) == 0) {
        for (unsigned int i = 0; i < n && !found; i++) {
            if (PKCS11_get_slotid_from_slot(&slots[i]) != id || slots[i].token == NULL)
                continue;
            *final_try = slots[i].token->userPinFinalTry;
            *locked = slots[i].token->userPinLocked;
            found = 1;
        }
        PKCS11_release_all_slots(m->ctx, slots, n);
    }
    p11_call_end();
    return found;
}

void p11_module_unlock(p11_module *m)
{
    pthread_mutex_unlock(&m->mu);
}

/* Two objects of a pair share their CKA_ID. */
static int same_id(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

PKCS11_CERT *p11_pick_cert(PKCS11_TOKEN *t, PKCS11_KEY **key)
{
    PKCS11_CERT *certs = NULL, *pick = NULL;
    PKCS11_KEY *keys = NULL;
    unsigned int nc = 0, nk = 0;

    if (key != NULL)
        *key = NULL;
    p11_call_start();
    if (PKCS11_enumerate_certs(t, &certs, &nc) != 0)
        nc = 0;
    if (PKCS11_enumerate_keys(t, &keys, &nk) != 0)
        nk = 0;
    p11_call_end();
    for (unsigned int i = 0; i < nc && pick == NULL; i++)
        for (unsigned int j = 0; j < nk && pick == NULL; j++)
            if (same_id(certs[i].id, certs[i].id_len, keys[j].id, keys[j].id_len)) {
                pick = &certs[i];
                if (key != NULL)
                    *key = &keys[j];
            }
    /* Private keys hidden before login (CKA_PRIVATE): the first certificate, paired later. */
    if (pick == NULL && nk == 0 && nc > 0)
        pick = &certs[0];
    return pick;
}

/* A slot with an initialised token that matches the reader substring and the serial. */
static int matches(const PKCS11_SLOT *slot, const char *reader, const char *serial)
{
    const PKCS11_TOKEN *t = slot->token;
    char s[17];

    if (t == NULL || !t->initialized)
        return 0;
    if (reader != NULL &&
        (slot->description == NULL || strstr(slot->description, reader) == NULL) &&
        (t->label == NULL || strstr(t->label, reader) == NULL))
        return 0;
    p11_copy(s, sizeof(s), t->serialnr);
    return serial == NULL || strcmp(s, serial) == 0;
}

tscns_err p11_module_pick(p11_module *m, const char *reader, const char *serial,
                          int (*accept)(PKCS11_SLOT *slot, void *arg), void *arg, char *detail,
                          size_t cap)
{
    size_t seen = 0;

    pthread_mutex_lock(&m->mu);
    for (unsigned int i = 0; i < m->nslots; i++) {
        if (!matches(&m->slots[i], reader, serial))
            continue;
        seen++;
        if (accept(&m->slots[i], arg)) {
            pthread_mutex_unlock(&m->mu);
            return TSCNS_OK;
        }
    }
    pthread_mutex_unlock(&m->mu);
    if (seen == 0) {
        set_detail(detail, cap, "module %s shows no token%s%s%s%s", m->path,
                   serial != NULL ? " with serial " : "", serial != NULL ? serial : "",
                   reader != NULL ? " named like " : "", reader != NULL ? reader : "");
        return TSCNS_E_NO_CARD;
    }
    return TSCNS_E_NOT_FOUND;
}

tscns_err p11_module_tokens(p11_module *m, tscns_token **list, size_t *count, char *detail,
                            size_t cap)
{
    tscns_token *r;
    size_t n = 0;
    tscns_err err;

    (void)detail;
    (void)cap;
    pthread_mutex_lock(&m->mu);
    r = calloc(m->nslots + 1, sizeof(*r));
    err = r != NULL ? TSCNS_OK : TSCNS_E_NOMEM;
    for (unsigned int i = 0; err == TSCNS_OK && i < m->nslots; i++) {
        const PKCS11_SLOT *slot = &m->slots[i];
        const PKCS11_TOKEN *t = slot->token;

        if (!matches(slot, NULL, NULL))
            continue;
        p11_copy(r[n].label, sizeof(r[n].label), t->label);
        p11_copy(r[n].serial, sizeof(r[n].serial), t->serialnr);
        p11_copy(r[n].manufacturer, sizeof(r[n].manufacturer), t->manufacturer);
        p11_copy(r[n].model, sizeof(r[n].model), t->model);
        p11_copy(r[n].slot, sizeof(r[n].slot), slot->description);
        r[n].has_cert = p11_pick_cert(slot->token, NULL) != NULL;
        n++;
    }
    pthread_mutex_unlock(&m->mu);
    if (err != TSCNS_OK) {
        free(r);
        return err;
    }
    *list = r;
    *count = n;
    return TSCNS_OK;
}
