/**
 * @file cert_store.h
 * @brief The per-user certificate cache: a cold start proves the card holds the certificate it
 * held before, instead of reading all of it (cardio/README.md, "The certificate cache on disk").
 *
 * One DER file per card serial and family under $XDG_CACHE_HOME/tscns/certs/ (default
 * ~/.cache/tscns/certs/), named SERIAL-FAMILY.der. The certificate is public: nothing secret is
 * kept. The folder is made 0700 and not used when it is a link, another user's or writable by
 * others; files are 0600, written to a temporary file and renamed into place; a file that is not
 * the user's own regular file, is writable by others or is not one DER certificate is ignored
 * (and said so in the APDU trace, TSCNS_TRACE) and replaced after the card is read.
 *
 * Served only when the card's certificate file holds, at the same offsets, the cached
 * certificate's first bytes (its DER length and serial number) and its last 16 bytes (the end
 * of the CA's signature); else the card is read and the file replaced.
 */
#ifndef TSCNS_CERT_STORE_H
#define TSCNS_CERT_STORE_H

#include <stddef.h>

#include "tscns/card.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Turn the cache on or off for this process (all cards). Without a call: on, unless the
 * environment variable TSCNS_CERT_CACHE is "no", "off" or "0". Off: nothing is read or written.
 */
void tscns_cert_store_enable(int on);
/** 1 when the cache is used by this process. */
int tscns_cert_store_enabled(void);

/** The cache folder's path into @p out; -1 when there is no absolute XDG_CACHE_HOME or HOME. */
int tscns_cert_store_dir(char *out, size_t cap);

/** One cache file, for tscns_cert_store_list(). */
typedef struct tscns_cert_store_entry {
    char name[128];  /**< SERIAL-FAMILY.der */
    size_t size;     /**< bytes */
    long long mtime; /**< last written, seconds since the epoch */
    int trusted;     /**< 0: another user's, or writable by others: it is never used */
} tscns_cert_store_entry;

/**
 * Call @p each for every certificate file of the cache. Returns the number of files, or -1 when
 * the folder is there but is not the user's own private folder (nothing is listed then).
 */
int tscns_cert_store_list(void (*each)(const tscns_cert_store_entry *e, void *arg), void *arg);

/** Remove every file of the cache. Returns how many were removed, -1 on an unfit folder. */
int tscns_cert_store_clear(void);

/**
 * The card's signature does not verify with the certificate's key: the certificate this process
 * holds for @p card (from the cache file or the card) is dropped from the process cache and the
 * cache file removed, so that the next request reads the card.
 */
void tscns_card_cert_distrust(tscns_card *card);

#ifdef __cplusplus
}
#endif
#endif
