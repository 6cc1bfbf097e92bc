/**
 * @file p11.h
 * @brief The PKCS#11 backend: a tscns_card served by a token of a PKCS#11 module, through libp11.
 *
 * A token card is a base handle (handle.c) whose transport carries no APDU: every public
 * operation that would talk to the card asks the module instead, at one dispatch point per
 * operation (cert.c, efs.c, pin.c, sign.c). The handle keeps what it keeps for a native card:
 * the mutex, the detail, the serial (the token's), the PIN counter and the rejected-PIN digests,
 * so pin.c's rules hold unchanged.
 */
#ifndef CARDIO_P11_H
#define CARDIO_P11_H

#include <stddef.h>
#include <stdint.h>

#include "handle.h"

typedef struct p11_module p11_module;

/**
 * Load the module at @p path (dlopen and C_Initialize through libp11). On failure the detail
 * names the module and what failed.
 */
tscns_err p11_module_load(const char *path, p11_module **out, char *detail, size_t cap);
/** Drop a reference: the context's, and one per card opened through the module. */
void p11_module_release(p11_module *m);
/** The tokens the module shows now (slots are listed again: tokens come and go). */
tscns_err p11_module_tokens(p11_module *m, tscns_token **list, size_t *count, char *detail,
                            size_t cap);
/**
 * Open the first token matching @p reader (a substring of its label or of its slot's
 * description) and @p serial (its serial, exactly), each NULL for any, that holds a certificate.
 * TSCNS_E_NO_CARD when no token matches; TSCNS_E_NOT_FOUND for a token without a certificate.
 */
tscns_err p11_open(p11_module *m, const char *reader, const char *serial, tscns_card **out,
                   char *detail, size_t cap);

/** The token's certificate (DER), owned by the card: valid until tscns_card_close(). */
tscns_err p11_certificate(tscns_card *card, const uint8_t **der, size_t *len);
/**
 * C_Login as the user with @p pin. The answer in the ISO terms pin.c handles: 9000 (logged in),
 * 63C1 (wrong, and the token flags CKF_USER_PIN_FINAL_TRY), 6300 (wrong, tries left not told),
 * 6983 (locked). TSCNS_E_PKCS11 when the call fails otherwise (detail through the transport).
 */
tscns_err p11_login(tscns_card *card, const char *pin, uint16_t *sw);
/** The detail after a wrong PIN: what the token's flags tell of the tries left (0: locked). */
void p11_login_detail(tscns_card *card, int tries);
/**
 * The private RSA operation on a block of the modulus length: CKM_RSA_X_509 where the token
 * does it; else, for an EMSA-PKCS1-v1_5 block only, CKM_RSA_PKCS on the DigestInfo inside it
 * (the same signature), and TSCNS_E_UNSUPPORTED with a reason for anything else (PSS).
 */
tscns_err p11_rsa_private(tscns_card *card, const uint8_t *in, size_t in_len, uint8_t *out,
                          size_t *out_len);

#endif
