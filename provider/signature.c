/*
 * The SIGNATURE operation's context and dispatch table. Signing is the card's
 * (signature_sign.c); verification is done in software (signature_verify.c), because OpenSSL
 * offers a public key to the first provider that lists "RSA", and when tscns is activated
 * before default that is this one.
 */
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "emsa.h"
#include "signature.h"

static OSSL_FUNC_signature_newctx_fn sig_newctx;
static OSSL_FUNC_signature_freectx_fn sig_freectx;
static OSSL_FUNC_signature_dupctx_fn sig_dupctx;

/*
 * The propq of the caller's fetch is not used for the digests: it selects among the caller's
 * providers (often "provider=tscns" itself), while the digests come from the software context,
 * which holds only the default provider. PROPERTIES and MGF1_PROPERTIES are the digests' own.
 */
static void *sig_newctx(void *provctx, const char *propq)
{
    tsp_sigctx *c = OPENSSL_zalloc(sizeof(*c));

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
    tsp_sigctx *c = vctx;

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
    const tsp_sigctx *src = vctx;
    tsp_sigctx *c = OPENSSL_memdup(src, sizeof(*src));

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

void tsp_sig_take_key(tsp_sigctx *c, tsp_key *key)
{
    tsp_key_up(key);
    tsp_key_free(c->key);
    c->key = key;
    EVP_PKEY_CTX_free(c->vpctx);
    EVP_MD_CTX_free(c->vmdctx);
    c->vpctx = NULL;
    c->vmdctx = NULL;
}

const OSSL_DISPATCH tsp_rsa_signature_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))tsp_sig_sign_init},
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))tsp_sig_sign},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))tsp_sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))tsp_sig_digest_sign_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))tsp_sig_digest_sign_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN, (void (*)(void))tsp_sig_digest_sign},
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))tsp_sig_verify_init},
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))tsp_sig_verify},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))tsp_sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))tsp_sig_digest_verify_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))tsp_sig_digest_verify_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY, (void (*)(void))tsp_sig_digest_verify},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))tsp_sig_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))tsp_sig_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))tsp_sig_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))tsp_sig_settable_ctx_params},
    {0, NULL}};
