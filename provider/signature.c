/*
 * SIGNATURE for RSA card keys: EMSA-PKCS1-v1_5 or EMSA-PSS built on the host (emsa.c), then the
 * card's raw private operation. The result is checked with the public key before it is
 * returned, so a card fault or a certificate that does not belong to the card's key is caught
 * here rather than by the peer.
 *
 * Verification is done in software by the provider's own default-provider context. OpenSSL
 * offers a public key to the first provider that lists "RSA"; when tscns is activated before
 * default, that is this one, and the verification of a server's signature must still work.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "algid.h"
#include "emsa.h"
#include "errors.h"
#include "key.h"
#include "pin.h"

static OSSL_FUNC_signature_newctx_fn sig_newctx;
static OSSL_FUNC_signature_freectx_fn sig_freectx;
static OSSL_FUNC_signature_dupctx_fn sig_dupctx;
static OSSL_FUNC_signature_sign_init_fn sig_sign_init;
static OSSL_FUNC_signature_sign_fn sig_sign;
static OSSL_FUNC_signature_digest_sign_init_fn sig_digest_sign_init;
static OSSL_FUNC_signature_digest_sign_update_fn sig_digest_sign_update;
static OSSL_FUNC_signature_digest_sign_final_fn sig_digest_sign_final;
static OSSL_FUNC_signature_digest_sign_fn sig_digest_sign;
static OSSL_FUNC_signature_verify_init_fn sig_verify_init;
static OSSL_FUNC_signature_verify_fn sig_verify;
static OSSL_FUNC_signature_digest_verify_init_fn sig_digest_verify_init;
static OSSL_FUNC_signature_digest_verify_update_fn sig_digest_verify_update;
static OSSL_FUNC_signature_digest_verify_final_fn sig_digest_verify_final;
static OSSL_FUNC_signature_digest_verify_fn sig_digest_verify;
static OSSL_FUNC_signature_get_ctx_params_fn sig_get_ctx_params;
static OSSL_FUNC_signature_gettable_ctx_params_fn sig_gettable_ctx_params;
static OSSL_FUNC_signature_set_ctx_params_fn sig_set_ctx_params;
static OSSL_FUNC_signature_settable_ctx_params_fn sig_settable_ctx_params;

#define DEFAULT_DIGEST "SHA256"

typedef struct sigctx {
    tsp_prov *prov;
    tsp_key *key;
    int pad;      /* RSA_PKCS1_PADDING or RSA_PKCS1_PSS_PADDING */
    EVP_MD *md;   /* NULL: raw PKCS#1 input (sign only) */
    EVP_MD *mgf1; /* NULL: same as md */
    int saltlen;  /* a count or TSP_SALT_* */
    EVP_MD_CTX *mdctx;
    int digesting; /* data went into mdctx: the digest can no longer change */
    /* Verification: an operation of the software context, which gets the parameters. */
    EVP_PKEY_CTX *vpctx;
    EVP_MD_CTX *vmdctx;
} sigctx;

static const char *const supported_digests[] = {"SHA1", "SHA2-224", "SHA2-256", "SHA2-384",
                                                "SHA2-512"};

static EVP_MD *fetch_digest(sigctx *c, const char *name)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(c->prov);
    EVP_MD *md;
    size_t i;

    if (sw == NULL)
        return NULL;
    if ((md = EVP_MD_fetch(sw, name, NULL)) != NULL)
        for (i = 0; i < sizeof(supported_digests) / sizeof(supported_digests[0]); i++)
            if (EVP_MD_is_a(md, supported_digests[i]))
                return md;
    EVP_MD_free(md);
    tsp_raise(c->prov, TSP_R_UNSUPPORTED,
              "digest %s (supported: SHA-1, SHA-224, SHA-256, SHA-384, SHA-512)", name);
    return NULL;
}

static void *sig_newctx(void *provctx, const char *propq)
{
    sigctx *c = OPENSSL_zalloc(sizeof(*c));

    (void)propq;
    if (c == NULL)
        return NULL;
    c->prov = provctx;
    c->pad = RSA_PKCS1_PADDING;
    c->saltlen = TSP_SALT_AUTO;
    return c;
}

static void sig_freectx(void *vctx)
{
    sigctx *c = vctx;

    if (c == NULL)
        return;
    tsp_key_free(c->key);
    EVP_MD_free(c->md);
    EVP_MD_free(c->mgf1);
    EVP_MD_CTX_free(c->mdctx);
    EVP_PKEY_CTX_free(c->vpctx);
    EVP_MD_CTX_free(c->vmdctx);
    OPENSSL_free(c);
}

static void *sig_dupctx(void *vctx)
{
    const sigctx *src = vctx;
    sigctx *c = OPENSSL_memdup(src, sizeof(*src));

    if (c == NULL)
        return NULL;
    c->mdctx = NULL;
    c->vpctx = NULL;
    c->vmdctx = NULL;
    if (c->key != NULL)
        tsp_key_up(c->key);
    if (c->md != NULL && !EVP_MD_up_ref(c->md))
        c->md = NULL;
    if (c->mgf1 != NULL && !EVP_MD_up_ref(c->mgf1))
        c->mgf1 = NULL;
    if ((src->md != NULL && c->md == NULL) || (src->mgf1 != NULL && c->mgf1 == NULL))
        goto err;
    if (src->mdctx != NULL &&
        ((c->mdctx = EVP_MD_CTX_new()) == NULL || !EVP_MD_CTX_copy_ex(c->mdctx, src->mdctx)))
        goto err;
    if (src->vmdctx != NULL &&
        ((c->vmdctx = EVP_MD_CTX_new()) == NULL || !EVP_MD_CTX_copy_ex(c->vmdctx, src->vmdctx)))
        goto err;
    if (src->vpctx != NULL && (c->vpctx = EVP_PKEY_CTX_dup(src->vpctx)) == NULL)
        goto err;
    return c;
err:
    sig_freectx(c);
    return NULL;
}

/* Hold @p key for the operation; a verification context left from an earlier use goes. */
static void take_key(sigctx *c, tsp_key *key)
{
    tsp_key_up(key);
    tsp_key_free(c->key);
    c->key = key;
    EVP_PKEY_CTX_free(c->vpctx);
    EVP_MD_CTX_free(c->vmdctx);
    c->vpctx = NULL;
    c->vmdctx = NULL;
}

/* A NULL @p provkey re-initialises the operation with the key given before. */
static int set_sign_key(sigctx *c, void *provkey)
{
    tsp_key *key = provkey != NULL ? provkey : c->key;

    if (key == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, "no key");
        return 0;
    }
    if (!key->on_card || key->pub == NULL) {
        tsp_raise(c->prov, TSP_R_UNSUPPORTED, "only the card's key can sign here");
        return 0;
    }
    take_key(c, key);
    return 1;
}

static int sig_sign_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    sigctx *c = vctx;

    if (!set_sign_key(c, provkey))
        return 0;
    EVP_MD_CTX_free(c->mdctx);
    c->mdctx = NULL;
    c->digesting = 0;
    return sig_set_ctx_params(c, params);
}

static int start_digest(sigctx *c)
{
    if (c->mdctx == NULL && (c->mdctx = EVP_MD_CTX_new()) == NULL)
        return 0;
    c->digesting = 0;
    if (!EVP_DigestInit_ex2(c->mdctx, c->md, NULL)) {
        tsp_raise(c->prov, TSP_R_SOFTWARE, "digest init");
        return 0;
    }
    return 1;
}

static int sig_digest_sign_init(void *vctx, const char *mdname, void *provkey,
                                const OSSL_PARAM params[])
{
    sigctx *c = vctx;
    EVP_MD *md;

    if (!set_sign_key(c, provkey))
        return 0;
    if (mdname != NULL || c->md == NULL) {
        if ((md = fetch_digest(c, mdname != NULL ? mdname : DEFAULT_DIGEST)) == NULL)
            return 0;
        EVP_MD_free(c->md);
        c->md = md;
    }
    if (!sig_set_ctx_params(c, params))
        return 0;
    return start_digest(c);
}

static int sig_digest_sign_update(void *vctx, const unsigned char *data, size_t datalen)
{
    sigctx *c = vctx;

    if (c->mdctx == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, NULL);
        return 0;
    }
    c->digesting = 1;
    return EVP_DigestUpdate(c->mdctx, data, datalen);
}

/* Check @p sig against the block that was sent, with the public key from the certificate. */
static int check_signature(sigctx *c, const unsigned char *sig, const unsigned char *block,
                           size_t k)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(c->prov);
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *back = NULL;
    size_t backlen = k;
    int ok = 0;

    if (sw == NULL || (back = OPENSSL_malloc(k)) == NULL ||
        (pctx = EVP_PKEY_CTX_new_from_pkey(sw, c->key->pub, NULL)) == NULL ||
        EVP_PKEY_encrypt_init(pctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_NO_PADDING) <= 0 ||
        EVP_PKEY_encrypt(pctx, back, &backlen, sig, k) <= 0)
        goto end;
    ok = backlen == k && CRYPTO_memcmp(back, block, k) == 0;
end:
    if (!ok)
        tsp_raise(c->prov, TSP_R_CARD_ERROR,
                  "the card's signature does not verify with its certificate's public key");
    EVP_PKEY_CTX_free(pctx);
    OPENSSL_free(back);
    return ok;
}

/* The raw private operation, with the PIN made verified first (at most once more after a reset). */
static int card_private(sigctx *c, const unsigned char *block, unsigned char *sig, size_t k)
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

/* Encode @p in (a digest, or raw input for PKCS#1 without a digest) and sign it on the card. */
static int card_sign(sigctx *c, unsigned char *sig, size_t *siglen, size_t sigsize,
                     const unsigned char *in, size_t inlen)
{
    size_t k = c->key->bytes;
    unsigned char *block = NULL;
    int ok = 0;

    if (sigsize < k) {
        tsp_raise(c->prov, TSP_R_BAD_LENGTH, "signature buffer of %zu bytes, need %zu", sigsize, k);
        return 0;
    }
    if ((block = OPENSSL_malloc(k)) == NULL)
        return 0;
    if (c->pad == RSA_PKCS1_PSS_PADDING) {
        OSSL_LIB_CTX *sw = tsp_prov_swctx(c->prov);

        if (c->md == NULL) {
            tsp_raise(c->prov, TSP_R_BAD_PARAMETER, "RSA-PSS needs a digest");
            goto end;
        }
        if (sw == NULL || !tsp_emsa_pss(sw, c->md, c->mgf1 != NULL ? c->mgf1 : c->md, in, inlen,
                                        c->saltlen, c->key->bits, block, k)) {
            tsp_raise(c->prov, TSP_R_BAD_LENGTH,
                      "cannot encode RSA-PSS (digest length %zu, salt length %d, key %d bits)",
                      inlen, c->saltlen, c->key->bits);
            goto end;
        }
    } else if (!tsp_emsa_pkcs1(c->md, in, inlen, block, k)) {
        tsp_raise(c->prov, TSP_R_BAD_LENGTH, "cannot encode PKCS#1 v1.5 for %zu bytes", inlen);
        goto end;
    }
    if (!card_private(c, block, sig, k) || !check_signature(c, sig, block, k))
        goto end;
    *siglen = k;
    ok = 1;
end:
    OPENSSL_free(block);
    return ok;
}

static int sig_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                    const unsigned char *tbs, size_t tbslen)
{
    sigctx *c = vctx;

    if (c->key == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    return card_sign(c, sig, siglen, sigsize, tbs, tbslen);
}

static int sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
    sigctx *c = vctx;
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hlen;

    if (c->key == NULL || c->mdctx == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    c->digesting = 0;
    if (!EVP_DigestFinal_ex(c->mdctx, hash, &hlen)) {
        tsp_raise(c->prov, TSP_R_SOFTWARE, "digest");
        return 0;
    }
    return card_sign(c, sig, siglen, sigsize, hash, hlen);
}

static int sig_digest_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
                           const unsigned char *tbs, size_t tbslen)
{
    sigctx *c = vctx;

    if (c->key == NULL || c->md == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, NULL);
        return 0;
    }
    if (sig == NULL) {
        *siglen = c->key->bytes;
        return 1;
    }
    if (!start_digest(c) || !sig_digest_sign_update(c, tbs, tbslen))
        return 0;
    return sig_digest_sign_final(c, sig, siglen, sigsize);
}

/* Any key with a public part verifies, on the card or imported; NULL: the key given before. */
static int set_verify_key(sigctx *c, void *provkey)
{
    tsp_key *key = provkey != NULL ? provkey : c->key;

    if (key == NULL || key->pub == NULL) {
        tsp_raise(c->prov, TSP_R_NOT_INITIALISED, "no public key");
        return 0;
    }
    if (tsp_prov_swctx(c->prov) == NULL)
        return 0;
    take_key(c, key);
    return 1;
}

static int sig_verify_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    sigctx *c = vctx;

    if (!set_verify_key(c, provkey))
        return 0;
    c->vpctx = EVP_PKEY_CTX_new_from_pkey(c->prov->sw_libctx, c->key->pub, NULL);
    return c->vpctx != NULL && EVP_PKEY_verify_init_ex(c->vpctx, params) > 0;
}

static int sig_verify(void *vctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
                      size_t tbslen)
{
    sigctx *c = vctx;

    return c->vpctx != NULL && EVP_PKEY_verify(c->vpctx, sig, siglen, tbs, tbslen) > 0;
}

static int sig_digest_verify_init(void *vctx, const char *mdname, void *provkey,
                                  const OSSL_PARAM params[])
{
    sigctx *c = vctx;

    if (!set_verify_key(c, provkey))
        return 0;
    if ((c->vmdctx = EVP_MD_CTX_new()) == NULL)
        return 0;
    return EVP_DigestVerifyInit_ex(c->vmdctx, NULL, mdname != NULL ? mdname : DEFAULT_DIGEST,
                                   c->prov->sw_libctx, NULL, c->key->pub, params) > 0;
}

static int sig_digest_verify_update(void *vctx, const unsigned char *data, size_t datalen)
{
    sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerifyUpdate(c->vmdctx, data, datalen) > 0;
}

static int sig_digest_verify_final(void *vctx, const unsigned char *sig, size_t siglen)
{
    sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerifyFinal(c->vmdctx, sig, siglen) > 0;
}

static int sig_digest_verify(void *vctx, const unsigned char *sig, size_t siglen,
                             const unsigned char *tbs, size_t tbslen)
{
    sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerify(c->vmdctx, sig, siglen, tbs, tbslen) > 0;
}

/* The software operation behind a verification, or NULL when signing. */
static EVP_PKEY_CTX *verify_pctx(const sigctx *c)
{
    if (c->vmdctx != NULL)
        return EVP_MD_CTX_get_pkey_ctx(c->vmdctx);
    return c->vpctx;
}

static const char *pad_name(int pad)
{
    return pad == RSA_PKCS1_PSS_PADDING ? OSSL_PKEY_RSA_PAD_MODE_PSS
                                        : OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
}

static int get_algorithm_id(sigctx *c, OSSL_PARAM *p)
{
    const EVP_MD *mgf1 = c->mgf1 != NULL ? c->mgf1 : c->md;
    unsigned char *der = NULL;
    size_t len = 0;
    int salt, ok;

    if (c->md == NULL || c->key == NULL)
        return 1;
    salt = tsp_pss_salt_bytes(c->saltlen, (size_t)EVP_MD_get_size(c->md), c->key->bits);
    if (!tsp_algid_der(c->md, c->pad == RSA_PKCS1_PSS_PADDING, mgf1, salt, &der, &len)) {
        tsp_raise(c->prov, TSP_R_SOFTWARE, "cannot encode the AlgorithmIdentifier");
        return 0;
    }
    ok = OSSL_PARAM_set_octet_string(p, der, len);
    OPENSSL_free(der);
    return ok;
}

static int get_saltlen(sigctx *c, OSSL_PARAM *p)
{
    char buf[16];

    if (p->data_type == OSSL_PARAM_INTEGER)
        return OSSL_PARAM_set_int(p, c->saltlen);
    switch (c->saltlen) {
    case TSP_SALT_DIGEST:
        return OSSL_PARAM_set_utf8_string(p, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST);
    case TSP_SALT_MAX:
        return OSSL_PARAM_set_utf8_string(p, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX);
    case TSP_SALT_AUTO:
        return OSSL_PARAM_set_utf8_string(p, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO);
    default:
        snprintf(buf, sizeof(buf), "%d", c->saltlen);
        return OSSL_PARAM_set_utf8_string(p, buf);
    }
}

static int sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    sigctx *c = vctx;
    EVP_PKEY_CTX *v = verify_pctx(c);
    OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if (v != NULL)
        return EVP_PKEY_CTX_get_params(v, params);
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID)) != NULL &&
        !get_algorithm_id(c, p))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL && c->md != NULL &&
        !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(c->md)))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL) {
        if (p->data_type == OSSL_PARAM_INTEGER ? !OSSL_PARAM_set_int(p, c->pad)
                                               : !OSSL_PARAM_set_utf8_string(p, pad_name(c->pad)))
            return 0;
    }
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL &&
        !get_saltlen(c, p))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL) {
        const EVP_MD *mgf1 = c->mgf1 != NULL ? c->mgf1 : c->md;

        if (mgf1 != NULL && !OSSL_PARAM_set_utf8_string(p, EVP_MD_get0_name(mgf1)))
            return 0;
    }
    return 1;
}

static const OSSL_PARAM *sig_gettable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
        OSSL_PARAM_END};

    (void)vctx;
    (void)provctx;
    return gettable;
}

static int set_pad(sigctx *c, const OSSL_PARAM *p)
{
    int pad = 0;

    if (p->data_type == OSSL_PARAM_UTF8_STRING) {
        if (strcmp(p->data, OSSL_PKEY_RSA_PAD_MODE_PKCSV15) == 0)
            pad = RSA_PKCS1_PADDING;
        else if (strcmp(p->data, OSSL_PKEY_RSA_PAD_MODE_PSS) == 0)
            pad = RSA_PKCS1_PSS_PADDING;
    } else if (!OSSL_PARAM_get_int(p, &pad)) {
        pad = 0;
    }
    if (pad != RSA_PKCS1_PADDING && pad != RSA_PKCS1_PSS_PADDING) {
        tsp_raise(c->prov, TSP_R_UNSUPPORTED, "padding mode (only pkcs1 and pss can sign)");
        return 0;
    }
    c->pad = pad;
    return 1;
}

static int set_saltlen(sigctx *c, const OSSL_PARAM *p)
{
    int salt;

    if (p->data_type == OSSL_PARAM_UTF8_STRING) {
        const char *s = p->data;
        char *end;
        long v;

        if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_DIGEST) == 0)
            salt = TSP_SALT_DIGEST;
        else if (strcmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_MAX) == 0)
            salt = TSP_SALT_MAX;
        else if (strncmp(s, OSSL_PKEY_RSA_PSS_SALT_LEN_AUTO, 4) == 0)
            salt = TSP_SALT_AUTO; /* "auto" and 3.1's "auto-digestmax" */
        else {
            v = strtol(s, &end, 10);
            if (*s == '\0' || *end != '\0' || v < 0 || v > 4096) {
                tsp_raise(c->prov, TSP_R_BAD_PARAMETER, "salt length %s", s);
                return 0;
            }
            salt = (int)v;
        }
    } else if (!OSSL_PARAM_get_int(p, &salt) || salt < TSP_SALT_MAX) {
        tsp_raise(c->prov, TSP_R_BAD_PARAMETER, "salt length");
        return 0;
    }
    c->saltlen = salt;
    return 1;
}

static int set_md_param(sigctx *c, const OSSL_PARAM *p, EVP_MD **slot)
{
    EVP_MD *md;

    if (p->data_type != OSSL_PARAM_UTF8_STRING)
        return 0;
    if ((md = fetch_digest(c, p->data)) == NULL)
        return 0;
    EVP_MD_free(*slot);
    *slot = md;
    return 1;
}

static int sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    sigctx *c = vctx;
    EVP_PKEY_CTX *v = verify_pctx(c);
    const OSSL_PARAM *p;

    if (params == NULL)
        return 1;
    if (v != NULL)
        return EVP_PKEY_CTX_set_params(v, params);
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PAD_MODE)) != NULL &&
        !set_pad(c, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_PSS_SALTLEN)) != NULL &&
        !set_saltlen(c, p))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_MGF1_DIGEST)) != NULL &&
        !set_md_param(c, p, &c->mgf1))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
        if (c->digesting) {
            tsp_raise(c->prov, TSP_R_BAD_PARAMETER, "the digest cannot change mid-message");
            return 0;
        }
        if (!set_md_param(c, p, &c->md))
            return 0;
        if (c->mdctx != NULL && !start_digest(c))
            return 0;
    }
    return 1;
}

static const OSSL_PARAM *sig_settable_ctx_params(void *vctx, void *provctx)
{
    static const OSSL_PARAM settable[] = {
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PROPERTIES, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PAD_MODE, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_PSS_SALTLEN, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, NULL, 0),
        OSSL_PARAM_END};

    (void)vctx;
    (void)provctx;
    return settable;
}

const OSSL_DISPATCH tsp_rsa_signature_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sig_sign_init},
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))sig_sign},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))sig_digest_sign_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))sig_digest_sign_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))sig_digest_sign},
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))sig_verify_init},
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))sig_verify},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))sig_digest_verify_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))sig_digest_verify_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))sig_digest_verify},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))sig_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))sig_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))sig_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))sig_settable_ctx_params},
    {0, NULL}};
