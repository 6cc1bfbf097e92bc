/**
 * @file p11_module.h
 * @brief A loaded PKCS#11 module (libp11), shared by a context and the cards opened through it,
 * and the error bookkeeping of its calls.
 */
#ifndef CARDIO_P11_MODULE_H
#define CARDIO_P11_MODULE_H

#include <stddef.h>

#include <libp11.h>

#include "p11.h"

/* Return values of PKCS#11 v2.40 (section 5.1) that cardio tells apart. */
#define P11_CKR_FUNCTION_NOT_SUPPORTED 0x54UL
#define P11_CKR_KEY_FUNCTION_NOT_PERMITTED 0x68UL
#define P11_CKR_KEY_TYPE_INCONSISTENT 0x63UL
#define P11_CKR_MECHANISM_INVALID 0x70UL
#define P11_CKR_MECHANISM_PARAM_INVALID 0x71UL
#define P11_CKR_PIN_INCORRECT 0xA0UL
#define P11_CKR_PIN_LOCKED 0xA4UL
#define P11_CKR_USER_NOT_LOGGED_IN 0x101UL

/** The module's file, for details. */
const char *p11_module_path(const p11_module *m);
/** Take a reference for a card. */
void p11_module_ref(p11_module *m);
/**
 * Find the slot of the first initialised token matching @p reader and @p serial (as p11_open)
 * for which @p accept returns 1 (it may open the token; it runs with the module locked).
 */
tscns_err p11_module_pick(p11_module *m, const char *reader, const char *serial,
                          int (*accept)(PKCS11_SLOT *slot, void *arg), void *arg, char *detail,
                          size_t cap);
/**
 * Lock the module and find the slot of id @p id in its slot list (NULL, still locked, when it is
 * gone). A card keeps ids, never pointers into libp11's lists, and looks them up under this
 * lock.
 */
PKCS11_SLOT *p11_module_lock_slot(p11_module *m, unsigned long id);
/**
 * The token's PIN flags now (C_GetTokenInfo), through a second slot list made and released
 * here: only when the user is not logged in (after a wrong PIN), since releasing it closes the
 * slot's sessions. 0 when the slot is not found. Module locked by the caller.
 */
int p11_module_pin_flags(p11_module *m, unsigned long id, int *final_try, int *locked);
void p11_module_unlock(p11_module *m);

/**
 * The token's certificate that has a private key of the same CKA_ID (that key into *@p key when
 * given); when the module shows no private key (before login), the first certificate and NULL.
 * NULL when the token holds no certificate, or certificates but no key for any.
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
