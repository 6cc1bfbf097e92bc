/**
 * @file cert_summary.h
 * @brief The parts of the authentication certificate `tscns info` shows, parsed with libcrypto.
 */
#ifndef TSCNS_CLI_CERT_SUMMARY_H
#define TSCNS_CLI_CERT_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct cert_summary {
    char subject[1024]; /* RFC 2253, UTF-8 */
    char issuer[1024];
    char not_before[32]; /* ISO 8601 UTC, e.g. 2026-11-27T05:21:27Z */
    char not_after[32];
    char serial[128]; /* upper-case hex */
    int key_bits;
};

/** Fill @p out from a DER certificate; 0 on success, -1 if it does not parse. */
int cert_summary_parse(const uint8_t *der, size_t len, struct cert_summary *out);

#endif
