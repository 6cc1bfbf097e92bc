/*
 * The provider's RSA key object. A card key is a reference: where to find the card again
 * (reader/serial, looked up in the card cache at each use so a forked child reopens) and the
 * public key from the card's certificate. A public-only key (imported) never has a card.
 */
#ifndef TSP_KEY_H
#define TSP_KEY_H

#include <stdatomic.h>
#include <stddef.h>

#include <openssl/core.h>
#include <openssl/types.h>

#include "tscns/card.h"

#include "provider.h"
#include "uri.h"

typedef struct tsp_key {
    tsp_prov *prov;
    atomic_int refs;
    int on_card;
    char *reader;
    char *serial;
    EVP_PKEY *pub; /* in the provider's software library context; NULL while empty */
    BIGNUM *n;
    BIGNUM *e;
    int bits;
    int security_bits;
    size_t bytes;
} tsp_key;

tsp_key *tsp_key_new(tsp_prov *prov);
void tsp_key_up(tsp_key *key);
void tsp_key_free(tsp_key *key);

/* Fill an empty key from RSA n and e (an import of public parts). */
int tsp_key_set_public(tsp_key *key, const BIGNUM *n, const BIGNUM *e);

/*
 * The card the URI names, after the provider's configured reader/serial as defaults.
 * Raises an error and returns NULL if it cannot be reached.
 */
tscns_card *tsp_uri_card(tsp_prov *prov, const tsp_uri *uri);

/*
 * Open the card's authentication key. With @p want_pin, the PIN is made verified now (from
 * pin-source, or @p cb) unless pin-source is configured, which is then used at signing time.
 */
tsp_key *tsp_key_open(tsp_prov *prov, const tsp_uri *uri, OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg,
                      int want_pin);

/* The card behind a card key (reopened through the cache if needed); NULL with error raised. */
tscns_card *tsp_key_card(const tsp_key *key);

#endif
