/*
 * C_Login for a token card, straight through the module's function list on a session of
 * tscns' own. libp11 0.4.12's PKCS11_login keeps a heap copy of every PIN it logs in with (to
 * log in again after fork), which tscns could neither cleanse nor free: the PIN would stay in
 * the process for as long as the module is loaded. Here the only copy is the job's, cleansed
 * when the job ends, on whichever thread ends it. The login holds for every session of the
 * token in this process (PKCS#11 v2.40, section 5.6), libp11's included.
 */
#include "p11_card.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

typedef struct login_job {
    p11_job j;
    unsigned long slot_id;
    char pin[64];
    size_t pin_len;
    /* Results. */
    int no_slot;
    const char *step;
    CK_RV rv;
    CK_FLAGS flags;
    int have_flags;
} login_job;

/*
 * The session lives for this C_Login only. The login outlives it: PKCS#11 logs the user in for
 * every session of the token in the process, and libp11 keeps its own sessions open (its pool)
 * for as long as the module is loaded; PKCS11_is_logged_in below makes sure it has one. A
 * session of tscns' kept open would have to be closed before the module's own exit handlers
 * run and never in a child after fork, for no gain.
 */
static void login_fn(p11_job *job)
{
    login_job *l = (login_job *)job;
    CK_FUNCTION_LIST *fl = p11_module_functions(job->m);
    PKCS11_SLOT *slot = p11_module_slot(job->m, l->slot_id);
    CK_SESSION_HANDLE session;
    CK_TOKEN_INFO ti;
    int in = 0;

    if (slot == NULL) {
        l->no_slot = 1;
        return;
    }
    /* In a forked child libp11 starts the module afresh at its next call: let that come first. */
    p11_call_start();
    PKCS11_is_logged_in(slot, 0, &in);
    p11_call_end();
    l->step = "C_OpenSession";
    l->rv = fl->C_OpenSession(l->slot_id, CKF_SERIAL_SESSION, NULL, NULL, &session);
    if (l->rv != CKR_OK)
        return;
    l->step = "C_Login";
    l->rv = fl->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)l->pin, l->pin_len);
    fl->C_CloseSession(session);
    if (l->rv != CKR_PIN_INCORRECT && l->rv != CKR_PIN_LOCKED)
        return;
    /* What the token tells of the tries left after this failure. */
    if (fl->C_GetTokenInfo(l->slot_id, &ti) == CKR_OK) {
        l->flags = ti.flags;
        l->have_flags = 1;
    }
}

static void login_drop(p11_job *job)
{
    login_job *l = (login_job *)job;

    OPENSSL_cleanse(l->pin, sizeof(l->pin));
}

tscns_err p11_login(tscns_card *card, const char *pin, uint16_t *sw)
{
    struct p11_card *pc = card->p11;
    const char *path = p11_module_path(pc->m);
    size_t len = strlen(pin);
    login_job *l;
    char name[32];
    tscns_err err;

    *sw = 0;
    if (len >= sizeof(l->pin))
        return TSCNS_E_INVALID_ARG;
    l = p11_job_new(sizeof(*l), login_fn, login_drop);
    if (l == NULL)
        return TSCNS_E_NOMEM;
    l->slot_id = pc->slot_id;
    memcpy(l->pin, pin, len);
    l->pin_len = len;
    p11_module_lock(pc->m);
    err = p11_module_run(pc->m, &l->j, "C_Login", pc->last, sizeof(pc->last));
    p11_module_unlock(pc->m);
    if (err != TSCNS_OK)
        return err;
    if (l->no_slot) {
        p11_last(pc, "the module no longer shows the token's slot, module %s", path);
        err = TSCNS_E_CARD_REMOVED;
    } else if (l->rv == CKR_OK || l->rv == CKR_USER_ALREADY_LOGGED_IN) {
        *sw = 0x9000;
    } else if (l->rv == CKR_PIN_INCORRECT || l->rv == CKR_PIN_LOCKED) {
        int final_try = l->have_flags && (l->flags & CKF_USER_PIN_FINAL_TRY) != 0;
        int locked = l->have_flags && (l->flags & CKF_USER_PIN_LOCKED) != 0;

        /* A flag that was up before this wrong PIN, which the token did count, was false. */
        if (l->rv == CKR_PIN_INCORRECT && locked && pc->locked_flag)
            locked = 0;
        else
            pc->locked_flag = locked;
        *sw = l->rv == CKR_PIN_LOCKED || locked ? 0x6983 : final_try ? 0x63C1 : 0x6300;
    } else {
        p11_last(pc, "%s returned %s, module %s", l->step, p11_ckr_name(l->rv, name, sizeof(name)),
                 path);
        err = TSCNS_E_PKCS11;
    }
    p11_job_free(&l->j);
    return err;
}

void p11_login_detail(tscns_card *card, int tries)
{
    const char *path = p11_module_path(card->p11->m);

    if (tries == 0)
        handle_detail(card,
                      "C_Login: the token reports the user PIN locked (CKR_PIN_LOCKED, or "
                      "CKF_USER_PIN_LOCKED after a wrong PIN); tscns cannot unblock a token: use "
                      "the token's own tools, token %s, module %s",
                      card->reader, path);
    else if (tries == 1)
        handle_detail(card,
                      "C_Login: CKR_PIN_INCORRECT, 1 try left (the token flags "
                      "CKF_USER_PIN_FINAL_TRY), token %s, module %s",
                      card->reader, path);
    else
        handle_detail(card,
                      "C_Login: CKR_PIN_INCORRECT, tries left unknown (the token does not flag "
                      "a final try), token %s, module %s",
                      card->reader, path);
}
