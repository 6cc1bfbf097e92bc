/**
 * @file certfile.h
 * @brief Certificates in and out of files and DER buffers, and their dates in words.
 */
#ifndef TSCNS_CLI_EXTEND_CERTFILE_H
#define TSCNS_CLI_EXTEND_CERTFILE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

/**
 * Read @p path: one DER certificate, or PEM with one or more. The first is the leaf (*leaf),
 * the others go to *chain (empty stack if none). Prints why on failure; returns an exit code.
 */
int certfile_load(const char *path, X509 **leaf, STACK_OF(X509) * *chain);

/** Parse exactly one DER certificate that fills @p len bytes; NULL if it does not. */
X509 *cert_from_der(const uint8_t *der, size_t len);

/** DER of @p cert into a new buffer (OPENSSL_free it); NULL on failure. */
uint8_t *cert_to_der(X509 *cert, size_t *len);

/** ISO 8601 UTC ("2026-11-27T05:30:00Z", as `tscns info` shows) into @p buf. */
const char *cert_time_words(const ASN1_TIME *t, char *buf, size_t size);

/** @p name in RFC 2253 form, as `tscns info` shows it; OPENSSL_free() it. NULL on failure. */
char *cert_name_words(const X509_NAME *name);

/** Whole days from now until @p t (negative once past). */
long cert_days_left(const ASN1_TIME *t);

/** Seconds since the epoch of @p t, for JSON. */
time_t cert_time_epoch(const ASN1_TIME *t);

#endif
