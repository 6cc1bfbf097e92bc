/**
 * @file provider_reasons.h
 * @brief The reason codes of the errors the tscns provider raises (ERR_GET_REASON of an error
 * whose library is the provider). They are part of the provider's interface: a program (the
 * `tscns` command among them) may act on them, so a code never changes meaning and a new
 * reason takes a new number.
 */
#ifndef TSCNS_PROVIDER_REASONS_H
#define TSCNS_PROVIDER_REASONS_H

enum tscns_provider_reason {
    TSCNS_PR_NO_SERVICE = 1,
    TSCNS_PR_NO_READER = 2,
    TSCNS_PR_NO_CARD = 3,
    TSCNS_PR_CARD_REMOVED = 4,
    TSCNS_PR_CARD_BUSY = 5,
    TSCNS_PR_UNKNOWN_CARD = 6,
    TSCNS_PR_CONTACTLESS = 7,
    TSCNS_PR_CARD_ERROR = 8,
    TSCNS_PR_WRONG_PIN = 9,
    TSCNS_PR_PIN_BLOCKED = 10,
    TSCNS_PR_PIN_NOT_SENT = 11,
    TSCNS_PR_NO_PIN = 12,
    TSCNS_PR_PIN_SOURCE = 13,
    TSCNS_PR_BAD_URI = 14,
    TSCNS_PR_BAD_KEY_REFERENCE = 15,
    TSCNS_PR_BAD_CERTIFICATE = 16,
    TSCNS_PR_UNSUPPORTED = 17,
    TSCNS_PR_BAD_PARAMETER = 18,
    TSCNS_PR_BAD_LENGTH = 19,
    TSCNS_PR_NOT_INITIALISED = 20,
    TSCNS_PR_SOFTWARE = 21,
    TSCNS_PR_MALLOC = 22,
    TSCNS_PR_INTERNAL = 23,
    /* A wrong PIN, with the count in the reason string itself: programs that print only the
     * reason string (curl) then show how many tries are left. */
    TSCNS_PR_WRONG_PIN_2_LEFT = 24,
    TSCNS_PR_WRONG_PIN_1_LEFT = 25
};

#endif
