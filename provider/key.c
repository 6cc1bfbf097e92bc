#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "card_cache.h"
#include "errors.h"
#include "key.h"
#include "pin.h"

tsp_key *tsp_key_new(tsp_prov *prov)
{
    tsp_key *key = OPENSSL_zalloc(sizeof(*key));

    if (key == NULL) {
        tsp_raise(prov, TSCNS_PR_MALLOC, NULL);
        return NULL;
    }
    key->prov = prov;
    atomic_init(&key->refs, 1);
    return key;
}

void tsp_key_up(tsp_key *key)
{
    atomic_fetch_add(&key->refs, 1);
}

void tsp_key_free(tsp_key *key)
{
    if (key == NULL || atomic_fetch_sub(&key->refs, 1) != 1)
        return;
    EVP_PKEY_free(key->pub);
    BN_free(key->n);
    BN_free(key->e);
    OPENSSL_free(key->reader);
    OPENSSL_free(key->serial);
    OPENSSL_free(key);
}

static int take_public(tsp_key *key, EVP_PKEY *pub)
{
    if (!EVP_PKEY_is_a(pub, "RSA")) {
        tsp_raise(key->prov, TSCNS_PR_UNSUPPORTED, "the card's key is not RSA");
        return 0;
    }
    if (!EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &key->n) ||
        !EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &key->e)) {
        tsp_raise(key->prov, TSCNS_PR_SOFTWARE, "cannot read the RSA public key");
        return 0;
    }
    key->pub = pub;
    key->bits = EVP_PKEY_get_bits(pub);
    key->security_bits = EVP_PKEY_get_security_bits(pub);
    key->bytes = (size_t)EVP_PKEY_get_size(pub);
    return 1;
}

int tsp_key_set_public(tsp_key *key, const BIGNUM *n, const BIGNUM *e)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(key->prov);
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pub = NULL;
    int ok = 0;

    if (sw == NULL || key->pub != NULL)
        return 0;
    if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
        (pctx = EVP_PKEY_CTX_new_from_name(sw, "RSA", NULL)) == NULL ||
        EVP_PKEY_fromdata_init(pctx) <= 0 ||
        EVP_PKEY_fromdata(pctx, &pub, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        tsp_raise(key->prov, TSCNS_PR_SOFTWARE, "cannot build the RSA public key");
        goto end;
    }
    if (!(ok = take_public(key, pub)))
        EVP_PKEY_free(pub);
end:
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return ok;
}

/* The reader and serial a URI names; the configuration's where it names none. */
static void uri_target(const tsp_prov *prov, const tsp_uri *uri, const char **reader,
                       const char **serial)
{
    *reader = uri->reader != NULL ? uri->reader : prov->reader;
    *serial = uri->serial != NULL ? uri->serial : prov->serial;
}

tscns_card *tsp_uri_card(tsp_prov *prov, const tsp_uri *uri)
{
    const char *reader, *serial;

    uri_target(prov, uri, &reader, &serial);
    return tsp_cache_card(prov, reader, serial);
}

static int key_from_certificate(tsp_key *key, tscns_card *card)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(key->prov);
    const uint8_t *der, *p;
    size_t len;
    X509 *x = NULL;
    EVP_PKEY *pub;
    tscns_err err;
    int ok = 0;

    if (sw == NULL)
        return 0;
    if ((err = tscns_card_certificate(card, &der, &len)) != TSCNS_OK) {
        tsp_raise_card(key->prov, err, card, NULL, -1);
        return 0;
    }
    p = der;
    if ((x = X509_new_ex(sw, NULL)) == NULL || d2i_X509(&x, &p, (long)len) == NULL ||
        (pub = X509_get_pubkey(x)) == NULL) {
        tsp_raise(key->prov, TSCNS_PR_BAD_CERTIFICATE, "card in %s", tscns_card_reader(card));
        goto end;
    }
    if (!(ok = take_public(key, pub)))
        EVP_PKEY_free(pub);
end:
    X509_free(x);
    return ok;
}

/* Verify the PIN now, through the caller's callback; 1 when verified. */
static int verify_pin_now(tsp_prov *prov, tscns_card *card, OSSL_PASSPHRASE_CALLBACK *cb,
                          void *cbarg)
{
    tscns_err err;
    int ok;

    if ((err = tscns_card_lock(card)) != TSCNS_OK) {
        tsp_raise_card(prov, err, card, NULL, -1);
        return 0;
    }
    ok = tsp_pin_at_load(prov, card, cb, cbarg);
    tscns_card_unlock(card);
    return ok;
}

tsp_key *tsp_key_open(tsp_prov *prov, const tsp_uri *uri, OSSL_PASSPHRASE_CALLBACK *cb, void *cbarg,
                      int want_pin)
{
    const char *reader, *serial;
    tsp_key *key;
    tscns_card *card;

    uri_target(prov, uri, &reader, &serial);
    if ((card = tsp_cache_card(prov, reader, serial)) == NULL)
        return NULL;
    if ((key = tsp_key_new(prov)) == NULL)
        return NULL;
    key->on_card = 1;
    if ((reader != NULL && (key->reader = OPENSSL_strdup(reader)) == NULL) ||
        (serial != NULL && (key->serial = OPENSSL_strdup(serial)) == NULL)) {
        tsp_raise(prov, TSCNS_PR_MALLOC, NULL);
        goto err;
    }
    if (!key_from_certificate(key, card))
        goto err;
    /*
     * With pin-source set, signing verifies the PIN when the card needs it (after a reset
     * too), so nothing is sent before a signature is asked for (tsp_pin_at_load).
     */
    if (want_pin && !verify_pin_now(prov, card, cb, cbarg))
        goto err;
    return key;
err:
    tsp_key_free(key);
    return NULL;
}

tscns_card *tsp_key_card(const tsp_key *key)
{
    if (!key->on_card) {
        tsp_raise(key->prov, TSCNS_PR_UNSUPPORTED, "a public key cannot sign");
        return NULL;
    }
    return tsp_cache_card(key->prov, key->reader, key->serial);
}
