/**
 * @file p11_call.h
 * @brief The bookkeeping of one libp11 or module call: its error, its CKR name, token strings.
 */
#ifndef CARDIO_P11_CALL_H
#define CARDIO_P11_CALL_H

#include <stddef.h>

/** Start a libp11 call: its errors will not reach the caller's OpenSSL error queue. */
void p11_call_start(void);
/** End it: the PKCS#11 return value (CKR_*) libp11 recorded, 0 if none; the queue as before. */
unsigned long p11_call_end(void);
/** "CKR_PIN_INCORRECT" and the like, or "CKR 0x..." into @p buf. */
const char *p11_ckr_name(unsigned long ckr, char *buf, size_t cap);
/** Copy @p s (a token string) into @p out with trailing blanks cut. */
void p11_copy(char *out, size_t cap, const char *s);

#endif
