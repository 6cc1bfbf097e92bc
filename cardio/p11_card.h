/**
 * @file p11_card.h
 * @brief What a card served by a PKCS#11 token keeps (p11_card.c opens it and signs with it,
 * p11_login.c logs the user in).
 */
#ifndef CARDIO_P11_CARD_H
#define CARDIO_P11_CARD_H

#include "p11_module.h"

/* The largest CKA_ID kept: tokens use 1 to 20 bytes (a SHA-1 of the key is common). */
#define P11_ID_MAX 64

struct p11_card {
    p11_module *m;
    unsigned long slot_id;
    unsigned char id[P11_ID_MAX];
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

/** Set what failed last. */
void p11_last(struct p11_card *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
