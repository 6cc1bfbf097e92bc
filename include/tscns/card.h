/**
 * @file card.h
 * @brief cardio's public API: find a TS-CNS card, read it, use its PIN and its CNS key.
 *
 * Plain C types only (no OpenSSL types): the CLI and the OpenSSL provider both sit on this.
 *
 * Life cycle: tscns_ctx_new() makes no PC/SC call; the PC/SC context is established on the first
 * call that needs it (and again after pcscd restarts or in a child after fork()).
 * tscns_card_open() connects and identifies the card (ATR hint confirmed by probing files).
 *
 * Threads: every tscns_card_* operation is atomic with respect to other threads using the same
 * card (an internal recursive mutex) and to other processes (one PC/SC transaction around each
 * multi-APDU operation). tscns_card_lock()/tscns_card_unlock() group several operations (e.g.
 * VERIFY then the signature) into one.
 *
 * PIN safety (docs/card.md section 5): no operation ever sends an empty VERIFY; a PIN or PUK that
 * the card rejected on this card handle is refused (TSCNS_E_PIN_REJECTED) if passed again, without
 * being sent; PIN and PUK bytes are cleansed from cardio's buffers after use and never traced.
 * Tries left are reported through the @p tries_left out-parameters: the count from the card's
 * 63Cx answer, 0 when blocked, -1 when unknown. Every answer of the card to a PIN command also
 * goes to the user's PIN record of the card (tscns/pin_state.h), which other processes read.
 */
#ifndef TSCNS_CARD_H
#define TSCNS_CARD_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/error.h"
#include "tscns/personal.h"
#include "tscns/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tscns_ctx tscns_ctx;
typedef struct tscns_card tscns_card;

/* ---- context and readers ---- */

/** Make a context. No PC/SC call happens here. */
tscns_err tscns_ctx_new(tscns_ctx **out);
void tscns_ctx_free(tscns_ctx *ctx);
/** Detail of the last error on @p ctx, "" if none: as tscns_card_detail() (reader, PC/SC call
 * and code, the serial asked for). */
const char *tscns_ctx_detail(const tscns_ctx *ctx);

typedef struct tscns_reader {
    char name[256];
    int card_present;
    uint8_t atr[TSCNS_MAX_ATR];
    size_t atr_len;
    /** Profile name recognised from the ATR alone ("athena", ...), or NULL. */
    const char *family;
} tscns_reader;

/** List readers and what is in them; free *list with free(). TSCNS_E_NO_READER if none. */
tscns_err tscns_ctx_readers(tscns_ctx *ctx, tscns_reader **list, size_t *count);

/* ---- backends: the card's own commands over PC/SC, or a PKCS#11 module ---- */

typedef enum tscns_backend {
    /** Native for cards cardio recognises; the module (when set) for everything else. */
    TSCNS_BACKEND_AUTO,
    /** cardio's own APDUs over PC/SC only. */
    TSCNS_BACKEND_NATIVE,
    /** The PKCS#11 module only (through libp11). */
    TSCNS_BACKEND_PKCS11
} tscns_backend;

/** "auto", "native", "pkcs11" into @p out; 0 for anything else. */
int tscns_backend_parse(const char *name, tscns_backend *out);
const char *tscns_backend_name(tscns_backend backend);

/**
 * Choose the backend and the PKCS#11 module (a path, or NULL for none) for the cards
 * tscns_card_open() opens from now on. Nothing is loaded here: the module is loaded by the first
 * call that needs it, once per context. TSCNS_E_INVALID_ARG for TSCNS_BACKEND_PKCS11 without a
 * module.
 */
tscns_err tscns_ctx_set_backend(tscns_ctx *ctx, tscns_backend backend, const char *module);

/** A token the PKCS#11 module shows (strings as the module gives them, trailing blanks cut). */
typedef struct tscns_token {
    char label[33];
    char serial[17];
    char manufacturer[33];
    char model[17];
    /** The slot's description: for a smart-card module, usually the PC/SC reader's name. */
    char slot[65];
    /** The token holds a certificate (the one tscns would use: paired by CKA_ID with a private
     * key where the module shows its keys before login). */
    int has_cert;
} tscns_token;

/**
 * Tokens of the context's PKCS#11 module; free *list with free(). TSCNS_E_UNSUPPORTED when no
 * module is set; TSCNS_E_PKCS11 when it does not load or its call fails (the detail names the
 * module and the call).
 */
tscns_err tscns_ctx_tokens(tscns_ctx *ctx, tscns_token **list, size_t *count);

/* ---- opening a card ---- */

/**
 * Connect to a TS-CNS card through PC/SC, or to a token of the PKCS#11 module
 * (tscns_ctx_set_backend()).
 * @param reader  substring of the reader name (of a token: its label or its slot's
 *                description), or NULL for any reader
 * @param serial  the card serial (EF_IDCarta, 16 digits; a token's serial), or NULL for any card
 * Without @p reader and @p serial: the first reader that holds a card this software recognises.
 * With TSCNS_BACKEND_AUTO and a module, the module's tokens are tried when no recognised card
 * matches.
 */
tscns_err tscns_card_open(tscns_ctx *ctx, const char *reader, const char *serial, tscns_card **out);

/**
 * Open a card over a caller-supplied transport (unit tests: the in-process virtual card).
 * Takes ownership of @p self: ops->close(self) is called by tscns_card_close() or on failure.
 */
tscns_err tscns_card_open_transport(const tscns_transport_ops *ops, void *self,
                                    const char *reader_name, tscns_card **out);

void tscns_card_close(tscns_card *card);

/**
 * Detail of the last operation's error on @p card, "" if none: only what tscns_strerror() of the
 * error does not say (the step, the status word or the failed PC/SC call and its code, the ATR,
 * the reader), so callers print "message (detail)".
 */
const char *tscns_card_detail(const tscns_card *card);

/* ---- what the card is ---- */

const char *tscns_card_reader(const tscns_card *card);
/** Profile name: "athena", "oberthur", "cardos", "st2021", "idemia2021", "ace2025"; "pkcs11"
 * for a token of a PKCS#11 module. */
const char *tscns_card_family(const tscns_card *card);
/** "native" or "pkcs11": which road serves this card. */
const char *tscns_card_backend(const tscns_card *card);
/** One line for people: maker, lot codes, CNS version. */
const char *tscns_card_family_description(const tscns_card *card);
const uint8_t *tscns_card_atr(const tscns_card *card, size_t *len);

/* ---- reading ---- */

/** EF_IDCarta: 16 ASCII digits, NUL-terminated into @p serial. */
tscns_err tscns_card_serial(tscns_card *card, char serial[17]);
/** EF_DatiPersonali, parsed strictly (tscns_parse_personal). */
tscns_err tscns_card_personal(tscns_card *card, tscns_personal *out);
/**
 * The CNS authentication certificate (DER). Read once per card serial for the life of the
 * process, and again after this handle sees a reset or a reconnect of the card (another program
 * may have written a renewed certificate: `tscns extend` resets the card after every write).
 * A cache hit sends no APDU: the reset check is the start of the PC/SC transaction, which
 * pcscd answers with SCARD_W_RESET_CARD after a reset. *der stays valid until the process ends
 * or tscns_cert_cache_clear() (the cache owns it, replaced versions included).
 */
tscns_err tscns_card_certificate(tscns_card *card, const uint8_t **der, size_t *len);
/**
 * Free the process-wide certificate cache. Only when no card is open and no pointer from
 * tscns_card_certificate() is held: the provider calls it at its last teardown.
 */
void tscns_cert_cache_clear(void);
/** Size of the certificate file if the card reports it in the FCI, else 0 with TSCNS_OK. */
tscns_err tscns_card_certificate_capacity(tscns_card *card, size_t *capacity);

/* ---- PIN and PUK ---- */

/** PIN and PUK format: 5 to 8 ASCII digits. Checked before anything is sent. */
int tscns_pin_format_ok(const char *pin);

/**
 * VERIFY the PIN. Results: TSCNS_OK; TSCNS_E_PIN_INCORRECT with the tries left (63Cx);
 * TSCNS_E_PIN_BLOCKED with 0 when the card answers 6983 (some cards answer so to the last wrong
 * try instead of 63C0), or without sending anything when the card already said so on this
 * handle; TSCNS_E_PIN_REJECTED without sending when this value was rejected before on this
 * handle; TSCNS_E_INVALID_ARG for a bad format (nothing sent). The same rules apply to the PUK in
 * tscns_card_verify_puk() and tscns_card_unblock_pin() (TSCNS_E_PUK_BLOCKED for a blocked PUK),
 * and to the old PIN in tscns_card_change_pin(). A successful change or unblock forgets the
 * rejected PIN values (the PIN is new); rejected PUK values stay refused.
 */
tscns_err tscns_card_verify_pin(tscns_card *card, const char *pin, int *tries_left);
/** Verify the PUK alone (the access rule for writing the certificate file). */
tscns_err tscns_card_verify_puk(tscns_card *card, const char *puk, int *tries_left);
tscns_err tscns_card_change_pin(tscns_card *card, const char *old_pin, const char *new_pin,
                                int *tries_left);
tscns_err tscns_card_unblock_pin(tscns_card *card, const char *puk, const char *new_pin,
                                 int *tries_left);
/** 1 if the PIN was verified on this connection and the card has not been reset since. */
int tscns_card_pin_verified(tscns_card *card);
/** PIN tries left as the card last reported them on this handle; -1 when unknown (never
 * reported, or back to full after a correct PIN). */
int tscns_card_pin_tries_known(const tscns_card *card);

/* ---- the CNS key ---- */

/** Modulus size in bytes (from the certificate). */
tscns_err tscns_card_key_bytes(tscns_card *card, size_t *bytes);
/**
 * The raw RSA private operation on a block of exactly the modulus length (MSE RESTORE, MSE SET,
 * PSO DECIPHER). The caller builds the padding. TSCNS_E_SECURITY if the PIN is not verified;
 * TSCNS_E_CARD_RESET (once, nothing sent) if a reset or reconnect took away a PIN verified on
 * this handle: verify again, then sign.
 * *out_len is the buffer size on entry and the result length (= modulus bytes) on return.
 */
tscns_err tscns_card_rsa_private(tscns_card *card, const uint8_t *in, size_t in_len, uint8_t *out,
                                 size_t *out_len);

/* ---- writing the certificate (extend) ---- */

/**
 * Write @p der to the certificate file with UPDATE BINARY (the access rule of the profile must
 * already be satisfied, e.g. tscns_card_verify_puk()), then read it back and compare.
 * TSCNS_E_TOO_LARGE, before anything is written, when the file is too small (its FCI size, or a
 * READ BINARY at the last offset the certificate needs when the FCI has no size).
 * Updates the process cache on success.
 */
tscns_err tscns_card_write_certificate(tscns_card *card, const uint8_t *der, size_t len);

/**
 * Reset the card (PC/SC: SCardReconnect with SCARD_RESET_CARD), within tscns_card_lock() or
 * not: the card forgets a verified PIN or PUK, and every other process using the card sees the
 * reset, drops its cached certificate and verifies the PIN again before signing. This handle
 * drops its PIN state and the process's cached certificate of this card too.
 * TSCNS_E_CARD_REMOVED, with nothing sent, when the card was pulled (its state went with its
 * power); TSCNS_E_INTERNAL if the transport cannot reset a card.
 */
tscns_err tscns_card_reset(tscns_card *card);

/* ---- grouping ---- */

tscns_err tscns_card_lock(tscns_card *card);
void tscns_card_unlock(tscns_card *card);

/* ---- measuring ---- */

/**
 * Command APDUs sent through this handle so far, GET RESPONSE and 6Cxx resends included (the
 * benchmark's APDU budget and the tests' "never re-sent" checks count with it).
 */
unsigned long tscns_card_apdu_count(const tscns_card *card);

#ifdef __cplusplus
}
#endif
#endif
