/*
 * SIGNATURE for RSA keys, one job per file:
 *   signature.c         the operation context and the dispatch table
 *   signature_sign.c    signing by the card, checked before the caller sees it
 *   signature_verify.c  verification, forwarded to the provider's software context
 *   signature_params.c  the parameters (digest, padding, salt, MGF1, property queries)
 */
#ifndef TSP_SIGNATURE_H
#define TSP_SIGNATURE_H

#include <openssl/core_dispatch.h>
#include <openssl/types.h>

#include "key.h"
#include "provider.h"

#define TSP_DEFAULT_DIGEST "SHA256"

typedef struct tsp_sigctx {
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
} tsp_sigctx;

/* signature.c: hold @p key for the operation; a verification left from an earlier use goes. */
void tsp_sig_take_key(tsp_sigctx *c, tsp_key *key);

/* signature_sign.c */
OSSL_FUNC_signature_sign_init_fn tsp_sig_sign_init;
OSSL_FUNC_signature_sign_fn tsp_sig_sign;
OSSL_FUNC_signature_digest_sign_init_fn tsp_sig_digest_sign_init;
OSSL_FUNC_signature_digest_sign_update_fn tsp_sig_digest_sign_update;
OSSL_FUNC_signature_digest_sign_final_fn tsp_sig_digest_sign_final;
OSSL_FUNC_signature_digest_sign_fn tsp_sig_digest_sign;
/* (Re)start the message digest with c->md; 1 on success, 0 with an error raised. */
int tsp_sig_start_digest(tsp_sigctx *c);

/* signature_verify.c */
OSSL_FUNC_signature_verify_init_fn tsp_sig_verify_init;
OSSL_FUNC_signature_verify_fn tsp_sig_verify;
OSSL_FUNC_signature_digest_verify_init_fn tsp_sig_digest_verify_init;
OSSL_FUNC_signature_digest_verify_update_fn tsp_sig_digest_verify_update;
OSSL_FUNC_signature_digest_verify_final_fn tsp_sig_digest_verify_final;
OSSL_FUNC_signature_digest_verify_fn tsp_sig_digest_verify;
/* The software operation behind a verification, or NULL when signing. */
EVP_PKEY_CTX *tsp_sig_verify_pctx(const tsp_sigctx *c);

/* signature_params.c */
OSSL_FUNC_signature_get_ctx_params_fn tsp_sig_get_ctx_params;
OSSL_FUNC_signature_gettable_ctx_params_fn tsp_sig_gettable_ctx_params;
OSSL_FUNC_signature_set_ctx_params_fn tsp_sig_set_ctx_params;
OSSL_FUNC_signature_settable_ctx_params_fn tsp_sig_settable_ctx_params;
/*
 * A digest the card can sign with, fetched from the software context with the property query
 * @p propq (NULL: none). NULL with an error raised when there is none.
 */
EVP_MD *tsp_sig_fetch_digest(tsp_sigctx *c, const char *name, const char *propq);
/* The PROPERTIES value in @p params (NULL when absent or not a string). */
const char *tsp_sig_properties(const OSSL_PARAM params[], const char *key);

#endif
