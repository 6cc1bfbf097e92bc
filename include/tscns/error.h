/**
 * @file error.h
 * @brief The one error enum of cardio and its message function.
 *
 * Every cardio call returns a tscns_err. Callers (the CLI, the provider) turn it into words with
 * tscns_strerror() and, where there is one, the detail string of the card or context
 * (tscns_card_detail(), tscns_ctx_detail()) which names the reader, the ATR or the status word.
 */
#ifndef TSCNS_ERROR_H
#define TSCNS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tscns_err {
    TSCNS_OK = 0,
    TSCNS_E_INVALID_ARG,   /**< a caller passed something malformed (bad PIN format, NULL, ...) */
    TSCNS_E_NOMEM,         /**< out of memory */
    TSCNS_E_NO_SERVICE,    /**< the PC/SC daemon (pcscd) is not running or not reachable */
    TSCNS_E_NO_READER,     /**< no smart-card reader (or none matching the requested name) */
    TSCNS_E_NO_CARD,       /**< the reader is empty (or no card matches the requested serial) */
    TSCNS_E_CARD_REMOVED,  /**< the card was pulled during or since the last operation */
    TSCNS_E_CARD_RESET,    /**< another program reset the card: its PIN state is gone */
    TSCNS_E_SHARING,       /**< another program holds the card exclusively */
    TSCNS_E_UNKNOWN_CARD,  /**< the card is not a TS-CNS card this software knows (detail: ATR) */
    TSCNS_E_CONTACTLESS,   /**< the card answered over the contactless interface */
    TSCNS_E_COMM,          /**< the reader or daemon failed to move an APDU */
    TSCNS_E_BAD_RESPONSE,  /**< the card's answer is malformed (wrong length, bad data) */
    TSCNS_E_NOT_FOUND,     /**< a file or application is not on the card (6A82) */
    TSCNS_E_PIN_INCORRECT, /**< wrong PIN or PUK; tries left are reported separately */
    TSCNS_E_PIN_BLOCKED,   /**< the PIN is blocked (unblock with the PUK) */
    TSCNS_E_PUK_BLOCKED,   /**< the PUK is blocked: the card's PIN can never be unblocked */
    TSCNS_E_PIN_REJECTED,  /**< refused by policy, never sent: a PIN already rejected, last try */
    TSCNS_E_SECURITY,      /**< the card refused: security status not satisfied (6982) */
    TSCNS_E_CARD_STATUS,   /**< the card answered an unexpected status word (detail: SW) */
    TSCNS_E_TOO_LARGE,     /**< data does not fit the card file or the APDU */
    TSCNS_E_MISMATCH,      /**< read-back after a write differs from what was written */
    TSCNS_E_CANCELLED,     /**< the user cancelled (no PIN given) */
    TSCNS_E_INTERNAL,      /**< a bug: a state that should not happen */
    TSCNS_E_TIMEOUT,       /**< the card, the reader or pcscd did not answer within the deadline */
    TSCNS_E_UNSUPPORTED,   /**< this card or token cannot do it (e.g. through a PKCS#11 module) */
    TSCNS_E_PKCS11         /**< the PKCS#11 module failed to load or a call of it failed */
} tscns_err;

/** A short, actionable English sentence for @p err; never NULL. */
const char *tscns_strerror(tscns_err err);

#ifdef __cplusplus
}
#endif
#endif
