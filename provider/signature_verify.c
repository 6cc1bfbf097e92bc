/*
 * Verification, forwarded to an operation of the provider's own software context (default
 * provider only). OpenSSL offers a public key to the first provider that lists "RSA"; when
 * tscns is activated before default that is this one, and a server's signature must still
 * verify. The forwarded operation also takes the parameters (signature_params.c).
 */
#include <openssl/evp.h>

#include "errors.h"
#include "signature.h"

/* Any key with a public part verifies, on the card or imported; NULL: the key given before. */
static int set_verify_key(tsp_sigctx *c, void *provkey)
{
    tsp_key *key = provkey != NULL ? provkey : c->key;

    if (key == NULL || key->pub == NULL) {
        tsp_raise(c->prov, TSCNS_PR_NOT_INITIALISED, "no public key");
        return 0;
    }
    if (tsp_prov_swctx(c->prov) == NULL)
        return 0;
    tsp_sig_take_key(c, key);
    return 1;
}

int tsp_sig_verify_init(void *vctx, void *provkey, const OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;

    if (!set_verify_key(c, provkey))
        return 0;
    c->vpctx = EVP_PKEY_CTX_new_from_pkey(c->prov->sw_libctx, c->key->pub, NULL);
    return c->vpctx != NULL && EVP_PKEY_verify_init_ex(c->vpctx, params) > 0;
}

int tsp_sig_verify(void *vctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
                   size_t tbslen)
{
    tsp_sigctx *c = vctx;

    return c->vpctx != NULL && EVP_PKEY_verify(c->vpctx, sig, siglen, tbs, tbslen) > 0;
}

int tsp_sig_digest_verify_init(void *vctx, const char *mdname, void *provkey,
                               const OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;

    if (!set_verify_key(c, provkey))
        return 0;
    if ((c->vmdctx = EVP_MD_CTX_new()) == NULL)
        return 0;
    return EVP_DigestVerifyInit_ex(c->vmdctx, NULL, mdname != NULL ? mdname : TSP_DEFAULT_DIGEST,
                                   c->prov->sw_libctx, NULL, c->key->pub, params) > 0;
}

int tsp_sig_digest_verify_update(void *vctx, const unsigned char *data, size_t datalen)
{
    tsp_sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerifyUpdate(c->vmdctx, data, datalen) > 0;
}

int tsp_sig_digest_verify_final(void *vctx, const unsigned char *sig, size_t siglen)
{
    tsp_sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerifyFinal(c->vmdctx, sig, siglen) > 0;
}

int tsp_sig_digest_verify(void *vctx, const unsigned char *sig, size_t siglen,
                          const unsigned char *tbs, size_t tbslen)
{
    tsp_sigctx *c = vctx;

    return c->vmdctx != NULL && EVP_DigestVerify(c->vmdctx, sig, siglen, tbs, tbslen) > 0;
}

EVP_PKEY_CTX *tsp_sig_verify_pctx(const tsp_sigctx *c)
{
    if (c->vmdctx != NULL)
        return EVP_MD_CTX_get_pkey_ctx(c->vmdctx);
    return c->vpctx;
}
