/**
 * @file cert.h
 * @brief The CNS authentication certificate: reading it from the card, and the process-wide
 * cache keyed by reader, card serial and profile (docs/design.md: repeated handshakes cost only
 * signatures).
 */
#ifndef CARDIO_CERT_H
#define CARDIO_CERT_H

#include "handle.h"

/** The profile this process confirmed for the card (reader, serial) before, if any. */
int cert_cache_profile(const char *reader, const char *serial, const cardio_profile **prof);

/**
 * The card (reader, serial, profile) was reset or reconnected: its certificate may have been
 * rewritten by another program, so the next request reads it again.
 */
void cert_cache_forget(const char *reader, const char *serial, const cardio_profile *prof);

/**
 * Read the certificate of @p card (serial known) into the cache unless it is there. The caller
 * holds the card. TSCNS_E_BAD_RESPONSE when the file does not start with a DER header.
 */
tscns_err cert_load(tscns_card *card);

#endif
