/*
 * Signing by the card: EMSA-PKCS1-v1_5 or EMSA-PSS built on the host (emsa.c), then the card's
 * raw private operation. The card writes into a buffer of ours, which is checked with the
 * public key and only then copied to the caller: a card fault, or a certificate that does not
 * belong to the card's key, is caught here rather than by the peer, and the faulty bytes never
 * reach the caller's buffer.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "tscns/cert_store.h"

#include "emsa.h"
#include "errors.h"
#include "pin.h"
#include "signature.h"

/* A NULL @p provkey re-initialises the operation with the key given before. */
static int set_sign_key(tsp_sigctx *c, void *provkey)
{
    tsp_key *key = provkey != NULL ? provkey : c->key;

    if (key == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, "no key");
        return 0;
    }
    if (!key->on_card || key->pub == NULL) {
        tsp_raise(c->prov, TSCNS_PR_UNSUPPORTED, "only the card's key can sign here");
        return 0;
    }
    tsp_sig_take_key(c, key);
    return 1;
}

int tsp_sig_sign_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;

    if (!set_sign_key(c, provkey))
        return 0;
    EVP_MD_CTX_free(c->mdctx);
    c->mdctx = NULL;
    c->digesting = 0;
    return tsp_sig_set_ctx_params(c, params);
}

int tsp_sig_start_digest(tsp_sigctx *c)
{
    if (c->mdctx == NULL && (c->mdctx = EVP_MD_CTX_new()) == NULL)
        return 0;
    c->digesting = 0;
    if (!EVP_DigestInit_ex2(c->mdctx, c->md, NULL)) {
        tsp_raise(c->prov, TSCNS_PR_SOFTWARE, "digest init");
        return 0;
    }
    return 1;
}

int tsp_sig_digest_sign_init(void *vctx, const char *mdname, void *provkey,
                             const OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;
    EVP_MD *md;

    if (!set_sign_key(c, provkey))
        return 0;
    if (mdname != NULL || c->md == NULL) {
        md = tsp_sig_fetch_digest(c, mdname != NULL ? mdname : TSP_DEFAULT_DIGEST,
                                  tsp_sig_properties(params, OSSL_SIGNATURE_PARAM_PROPERTIES));
        if (md == NULL)
            return 0;
        EVP_MD_free(c->md);
        c->md = md;
    }
    if (!tsp_sig_set_ctx_params(c, params))
        return 0;
    return tsp_sig_start_digest(c);
}

int tsp_sig_digest_sign_update(void *vctx, const unsigned char *data, size_t datalen)
{
    tsp_sigctx *c = vctx;

    if (c->mdctx == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, NULL);
        return 0;
    }
    c->digesting = 1;
    return EVP_DigestUpdate(c->mdctx, data, datalen);
}

/* Check @p sig against the block that was sent, with the public key from the certificate. */
static int check_signature(tsp_sigctx *c, const unsigned char *sig, const unsigned char *block,
                           size_t k)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(c->prov);
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *back = NULL;
    size_t backlen = k;
    int ok = 0;

    if (sw == NULL || (back = OPENSSL_malloc(k)) == NULL ||
        (pctx = EVP_PKEY_CTX_new_from_pkey(sw, c->key->pub, NULL)) == NULL ||
        EVP_PKEY_encrypt_init(pctx) <= 0 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) <= 0)
        goto end;
    /* A signature not below the certificate's modulus fails the encryption: also a mismatch. */
    ok = EVP_PKEY_encrypt(pctx, back, &backlen, sig, k) > 0 && backlen == k &&
         CRYPTO_memcmp(back, block, k) == 0;
    /* The certificate (from the card or the user's cache file) is not the card key's: the next
     * attempt reads the card again. */
    if (!ok)
        tscns_card_cert_distrust(tsp_key_card(c->key));
end:
    if (!ok)
        tsp_raise(c->prov, TSCNS_PR_CARD_ERROR,
                  "the card's signature does not verify with its certificate's public key; the "
                  "certificate is read from the card again at the next attempt");
    EVP_PKEY_CTX_free(pctx);
    OPENSSL_clear_free(back, k);
    return ok;
}

/* The raw private operation, with the PIN made verified first (at most once more after a reset). */
static int card_private(tsp_sigctx *c, const unsigned char *block, unsigned char *sig, size_t k)
{
    tscns_card *card = tsp_key_card(c->key);
    tscns_err err;
    size_t outlen;
    int attempt, ok = 0;

    if (card == NULL)
        return 0;
    if ((err = tscns_card_lock(card)) != TSCNS_OK) {
        tsp_raise_card(c->prov, err, card, NULL, -1);
        return 0;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        if (!tsp_pin_ensure(c->prov, card, NULL, NULL))
            break;
        outlen = k;
        err = tscns_card_rsa_private(card, block, k, sig, &outlen);
        if (err == TSCNS_OK && outlen == k) {
            ok = 1;
            break;
        }
        /* A reset between VERIFY and the signature loses the PIN state: verify again once. */
        if (err != TSCNS_E_SECURITY && err != TSCNS_E_CARD_RESET) {
            tsp_raise_card(c->prov, err == TSCNS_OK ? TSCNS_E_BAD_RESPONSE : err, card, NULL, -1);
            break;
        }
        if (attempt == 1)
            tsp_raise_card(c->prov, err, card, NULL, -1);
    }
    tscns_card_unlock(card);
    return ok;
}

/* The encoded message for @p in into @p block of @p k bytes; 0 with an error raised. */
static int encode(tsp_sigctx *c, const unsigned char *in, size_t inlen, unsigned char *block,
                  size_t k)
{
    OSSL_LIB_CTX *sw;

    if (c->pad != RSA_PKCS1_PSS_PADDING) {
        if (tsp_emsa_pkcs1(c->md, in, inlen, block, k))
            return 1;
        tsp_raise(c->prov, TSCNS_PR_BAD_LENGTH, "cannot encode PKCS#1 v1.5 for %zu bytes", inlen);
        return 0;
    }
    if (c->md == NULL) {
        tsp_raise(c->prov, TSCNS_PR_BAD_PARAMETER, "RSA-PSS needs a digest");
        return 0;
    }
    if ((sw = tsp_prov_swctx(c->prov)) == NULL)
        return 0;
    if (tsp_emsa_pss(sw, c->md, c->mgf1 != NULL ? c->mgf1 : c->md, in, inlen, c->saltlen,
                     c->key->bits, block, k))
        return 1;
    tsp_raise(c->prov, TSCNS_PR_BAD_LENGTH,
              "cannot encode RSA-PSS (digest length %zu, salt length %d, key %d bits)", inlen,
              c->saltlen, c->key->bits);
    return 0;
}

/*
 * Encode @p in (a digest, or raw input for PKCS#1 without a digest) and sign it on the card.
 * On failure the @p k bytes of the caller's @p sig are zero, whatever the card answered.
 */
static int card_sign(tsp_sigctx *c, unsigned char *sig, size_t *siglen, size_t sigsize,
                     const unsigned char *in, size_t inlen)
{
    size_t k = c->key->bytes;
    unsigned char *block = NULL, *out = NULL;
    int ok = 0;

    if (sigsize < k) {
        tsp_raise(c->prov, TSCNS_PR_BAD_LENGTH, "signature buffer of %zu bytes, need %zu", sigsize,
                  k);
        return 0;
    }
    if ((block = OPENSSL_malloc(k)) != NULL && (out = OPENSSL_malloc(k)) != NULL &&
        encode(c, in, inlen, block, k) && card_private(c, block, out, k) &&
        check_signature(c, out, block, k)) {
        memcpy(sig, out, k);
        *siglen = k;
        ok = 1;
    }
    if (!ok)
        OPENSSL_cleanse(sig, k);
    OPENSSL_clear_free(out, k);
    OPENSSL_clear_free(block, k);
    return ok;
}

int tsp_sig_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                 const unsigned char *tbs, size_t tbslen)
{
    tsp_sigctx *c = vctx;

    if (c->key == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    return card_sign(c, sig, siglen, sigsize, tbs, tbslen);
}

int tsp_sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
    tsp_sigctx *c = vctx;
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hlen;

    if (c->key == NULL || c->mdctx == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    c->digesting = 0;
    if (!EVP_DigestFinal_ex(c->mdctx, hash, &hlen)) {
        tsp_raise(c->prov, TSCNS_PR_SOFTWARE, "digest");
        return 0;
    }
    return card_sign(c, sig, siglen, sigsize, hash, hlen);
}

int tsp_sig_digest_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                        const unsigned char *tbs, size_t tbslen)
{
    tsp_sigctx *c = vctx;

    if (c->key == NULL || c->md == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    if (!tsp_sig_start_digest(c) || !tsp_sig_digest_sign_update(c, tbs, tbslen))
        return 0;
    return tsp_sig_digest_sign_final(c, sig, siglen, sigsize);
}
