/**
 * @file p11_module.h
 * @brief A loaded PKCS#11 module (libp11), shared by a context and the cards opened through it;
 * every call into it runs on a worker thread under the card-timeout deadline (p11_module_run).
 *
 * A module has no timeout of its own: OpenSC waits on PC/SC for as long as a stalled card or a
 * frozen pcscd takes. The caller stops waiting at the deadline, and the module is then given up
 * for the rest of the process: the stuck call may hold the module's own locks and libp11's, so
 * any later call could wait behind it. A given-up module is never called, unloaded or freed
 * again (the stuck worker may still use its slot list); the next process starts afresh.
 */
#ifndef CARDIO_P11_MODULE_H
#define CARDIO_P11_MODULE_H

#include <stddef.h>

#include <libp11.h>
#include <p11-kit/pkcs11.h>

#include "deadline.h"
#include "p11.h"

/**
 * One piece of work for the module (any number of libp11 or module calls), allocated with
 * p11_job_new() as the first member of a bigger struct that holds its inputs and results: after
 * the deadline the worker still writes them, when the caller is gone.
 */
typedef struct p11_job p11_job;
struct p11_job {
    deadline_job base;
    p11_module *m;
    /** The calls, on the worker thread. */
    void (*fn)(p11_job *job);
    /** Free (and cleanse) what the job owns; NULL if nothing. Runs on the side that ends it. */
    void (*drop)(p11_job *job);
};

/** A zeroed job of @p size bytes (a struct starting with p11_job); NULL without memory. */
void *p11_job_new(size_t size, void (*fn)(p11_job *), void (*drop)(p11_job *));
/**
 * Run @p job on module @p m, which the caller has locked (p11_module_lock). TSCNS_OK: the calls
 * returned; read the results, then p11_job_free(). Any error: the job is no longer the caller's.
 * TSCNS_E_TIMEOUT: @p call (e.g. "C_Sign") missed the deadline now, or the module was given up
 * earlier; the detail says which and that the module is not called again.
 */
tscns_err p11_module_run(p11_module *m, p11_job *job, const char *call, char *detail, size_t cap);
/** End a job whose calls returned. */
void p11_job_free(p11_job *job);

/** The module's file, for details. */
const char *p11_module_path(const p11_module *m);
/** The module's own function list, for the calls libp11 would not make as tscns needs them. */
CK_FUNCTION_LIST *p11_module_functions(const p11_module *m);
/** Take a reference for a card. */
void p11_module_ref(p11_module *m);
/** Serialise the module's use: one call at a time, and the slot list stays as it is. */
void p11_module_lock(p11_module *m);
void p11_module_unlock(p11_module *m);

/**
 * On the worker: the first slot of an initialised token matching @p reader (a substring of the
 * slot's description or the token's label) and @p serial (exactly), each NULL for any, for which
 * @p accept returns 1. *@p seen counts the matching tokens. NULL when none is accepted.
 */
PKCS11_SLOT *p11_module_pick(p11_module *m, const char *reader, const char *serial,
                             int (*accept)(PKCS11_SLOT *slot, void *arg), void *arg, size_t *seen);
/** On the worker: the slot of id @p id in the module's list; NULL when it has no token. */
PKCS11_SLOT *p11_module_slot(p11_module *m, unsigned long id);

/**
 * On the worker: the token's certificate that has a private key of the same CKA_ID (that key
 * into *@p key when given); when the module shows no private key (before login), the first
 * certificate and NULL. NULL when the token holds no certificate, or none with a key.
 */
PKCS11_CERT *p11_pick_cert(PKCS11_TOKEN *t, PKCS11_KEY **key);

/** Start a libp11 call: its errors will not reach the caller's OpenSSL error queue. */
void p11_call_start(void);
/** End it: the PKCS#11 return value (CKR_*) libp11 recorded, 0 if none; the queue as before. */
unsigned long p11_call_end(void);
/** "CKR_PIN_INCORRECT" and the like, or "CKR 0x..." into @p buf. */
const char *p11_ckr_name(unsigned long ckr, char *buf, size_t cap);
/** Copy @p s (a token string) into @p out with trailing blanks cut. */
void p11_copy(char *out, size_t cap, const char *s);

#endif
