/**
 * @file checks.h
 * @brief What a certificate must satisfy before it may replace the one on the card.
 */
#ifndef TSCNS_CLI_EXTEND_CHECKS_H
#define TSCNS_CLI_EXTEND_CHECKS_H

#include <stddef.h>

#include <openssl/x509.h>

struct check_input {
    X509 *card_cert;        /* what the card holds now; NULL when it cannot be parsed */
    X509 *new_cert;         /* what would be written */
    STACK_OF(X509) * chain; /* intermediates that came with it (may be empty) */
    const char *ca_file;    /* trusted CAs; NULL skips the chain check (restore only) */
    size_t new_len;         /* DER size of new_cert */
    size_t capacity;        /* certificate file size, 0 when the card does not say */
    int need_later;         /* notAfter must be later than the card's (not for a restore) */
    int keep_uses;          /* version, keyUsage, extendedKeyUsage kept (not for a restore) */
};

/**
 * Run every check (not just up to the first failure, so one run shows all that is wrong),
 * print a progress line for each and a "refused:" line for each failure.
 * Returns the number of checks that failed.
 */
int checks_run(const struct check_input *in);

#endif
