/**
 * @file cert_store.h
 * @brief The certificate cache on disk, as cert.c uses it (include/tscns/cert_store.h is the
 * public side): load, save and drop one card's file. No card I/O here.
 */
#ifndef CARDIO_CERT_STORE_H
#define CARDIO_CERT_STORE_H

#include <stddef.h>
#include <stdint.h>

/** Bytes of the certificate's end compared with the card: the end of the CA's signature. */
#define CERT_STORE_TAIL 16

/**
 * The cached certificate of card @p serial read through family @p profile (malloc'd, *len set),
 * or NULL: cache off, no file, or a file not to be trusted (said in the trace for @p reader).
 */
uint8_t *cert_store_load(const char *reader, const char *serial, const char *profile, size_t *len);

/** Write (replace) the file of (@p serial, @p profile); failures only reach the trace. */
void cert_store_save(const char *reader, const char *serial, const char *profile,
                     const uint8_t *der, size_t len);

/** Remove the file of (@p serial, @p profile). */
void cert_store_drop(const char *reader, const char *serial, const char *profile);

/**
 * How many leading bytes of @p der to compare with the card: through the certificate's serial
 * number (outer and TBS headers, version, serial), at most @p cap.
 */
size_t cert_store_head_len(const uint8_t *der, size_t len, size_t cap);

#endif
