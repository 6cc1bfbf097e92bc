/**
 * @file card_key.h
 * @brief The card's CNS key as an OpenSSL EVP_PKEY, through the tscns provider loaded in a
 * private library context (nothing global changes for the rest of the process).
 */
#ifndef TSCNS_CLI_EXTEND_CARD_KEY_H
#define TSCNS_CLI_EXTEND_CARD_KEY_H

#include <openssl/evp.h>
#include <openssl/provider.h>

#include "cli.h"

struct card_key {
    OSSL_LIB_CTX *libctx;
    OSSL_PROVIDER *deflt, *tscns;
    EVP_PKEY *pkey;
    const char *pin_file; /* NULL: the provider's own PIN sources, then a terminal prompt */
    int pin_asked;
    int pin_rc; /* why no PIN could be read (enum cli_exit), CLI_OK if none was missing */
};

/**
 * Load the provider (where cli_provider_path() finds it) and open
 * "cns:serial=SERIAL;type=private" (with the reader when --reader was given).
 * The PIN is asked at most once. Prints why on failure; returns an exit code.
 */
int card_key_open(struct card_key *k, const struct cli_global *g, const char *serial,
                  const char *pin_file);

void card_key_close(struct card_key *k);

#endif
