/*
 * The parameters of a signature operation. While verifying they all go to the software
 * operation (signature_verify.c); while signing they are the card operation's own.
 *
 * PROPERTIES and MGF1_PROPERTIES are property queries for the digest and the MGF1 digest named
 * in the same call (as OpenSSL's RSA does), matched in the software context, which holds only
 * the default provider: "provider=default" can be met, "provider=fips" cannot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "algid.h"
#include "emsa.h"
#include "errors.h"
#include "signature.h"

static const char *const supported_digests[] = {"SHA1", "SHA2-224", "SHA2-256", "SHA2-384",
                                                "SHA2-512"};

EVP_MD *tsp_sig_fetch_digest(tsp_sigctx *c, const char *name, const char *propq)
{
    OSSL_LIB_CTX *sw = tsp_prov_swctx(c->prov);
    EVP_MD *md;
    size_t i;

    if (sw == NULL)
        return NULL;
    if ((md = EVP_MD_fetch(sw, name, propq)) != NULL) {
        for (i = 0; i < sizeof(supported_digests) / sizeof(supported_digests[0]); i++)
            if (EVP_MD_is_a(md, supported_digests[i]))
                return md;
    } else if (propq != NULL && (md = EVP_MD_fetch(sw, name, NULL)) != NULL) {
        EVP_MD_free(md);
        tsp_raise(c->prov, TSCNS_PR_UNSUPPORTED,
                  "digest %s with properties \"%s\" (the provider's digests are the default "
                  "provider's)",
                  name, propq);
        return NULL;
    }
    EVP_MD_free(md);
    tsp_raise(c->prov, TSCNS_PR_UNSUPPORTED,
              "digest %s (supported: SHA-1, SHA-224, SHA-256, SHA-384, SHA-512)", name);
    return NULL;
}

const char *tsp_sig_properties(const OSSL_PARAM params[], const char *key)
{
    const OSSL_PARAM *p = params != NULL ? OSSL_PARAM_locate_const(params, key) : NULL;
    const char *propq = NULL;

    if (p != NULL && !OSSL_PARAM_get_utf8_string_ptr(p, &propq))
        return NULL;
    return propq;
}

static const char *pad_name(int pad)
{
    return pad == RSA_PKCS1_PSS_PADDING ? OSSL_PKEY_RSA_PAD_MODE_PSS
                                        : OSSL_PKEY_RSA_PAD_MODE_PKCSV15;
}

static int get_algorithm_id(tsp_sigctx *c, OSSL_PARAM *p)
{
    const EVP_MD *mgf1 = c->mgf1 != NULL ? c->mgf1 : c->md;
    unsigned char *der = NULL;
    size_t len = 0;
    int salt, ok;

    if (c->md == NULL || c->key == NULL)
        return 1;
    salt = tsp_pss_salt_bytes(c->saltlen, (size_t)EVP_MD_get_size(c->md), c->key->bits);
    if (!tsp_algid_der(c->md, c->pad == RSA_PKCS1_PSS_PADDING, mgf1, salt, &der, &len)) {
        tsp_raise(c->prov, TSCNS_PR_SOFTWARE, "cannot encode the AlgorithmIdentifier");
        return 0;
    }
    ok = OSSL_PARAM_set_octet_string(p, der, len);
    OPENSSL_free(der);
    return ok;
}

static int get_saltlen(tsp_sigctx *c, OSSL_PARAM *p)
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

int tsp_sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;
    EVP_PKEY_CTX *v = tsp_sig_verify_pctx(c);
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

const OSSL_PARAM *tsp_sig_gettable_ctx_params(void *vctx, void *provctx)
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

static int set_pad(tsp_sigctx *c, const OSSL_PARAM *p)
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
        tsp_raise(c->prov, TSCNS_PR_UNSUPPORTED, "padding mode (only pkcs1 and pss can sign)");
        return 0;
    }
    c->pad = pad;
    return 1;
}

static int set_saltlen(tsp_sigctx *c, const OSSL_PARAM *p)
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
                tsp_raise(c->prov, TSCNS_PR_BAD_PARAMETER, "salt length %s", s);
                return 0;
            }
            salt = (int)v;
        }
    } else if (!OSSL_PARAM_get_int(p, &salt) || salt < TSP_SALT_MAX) {
        tsp_raise(c->prov, TSCNS_PR_BAD_PARAMETER, "salt length");
        return 0;
    }
    c->saltlen = salt;
    return 1;
}

/* The digest named by @p p, fetched with the property query @p propq_key of @p params. */
static int set_md_param(tsp_sigctx *c, const OSSL_PARAM *p, const OSSL_PARAM params[],
                        const char *propq_key, EVP_MD **slot)
{
    EVP_MD *md;

    if (p->data_type != OSSL_PARAM_UTF8_STRING)
        return 0;
    if ((md = tsp_sig_fetch_digest(c, p->data, tsp_sig_properties(params, propq_key))) == NULL)
        return 0;
    EVP_MD_free(*slot);
    *slot = md;
    return 1;
}

int tsp_sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
    tsp_sigctx *c = vctx;
    EVP_PKEY_CTX *v = tsp_sig_verify_pctx(c);
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
        !set_md_param(c, p, params, OSSL_SIGNATURE_PARAM_MGF1_PROPERTIES, &c->mgf1))
        return 0;
    if ((p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST)) != NULL) {
        if (c->digesting) {
            tsp_raise(c->prov, TSCNS_PR_BAD_PARAMETER, "the digest cannot change mid-message");
            return 0;
        }
        if (!set_md_param(c, p, params, OSSL_SIGNATURE_PARAM_PROPERTIES, &c->md))
            return 0;
        if (c->mdctx != NULL && !tsp_sig_start_digest(c))
            return 0;
    }
    return 1;
}

const OSSL_PARAM *tsp_sig_settable_ctx_params(void *vctx, void *provctx)
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
