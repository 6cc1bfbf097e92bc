#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "algid.h"

/* X509_ALGOR for a hash: the parameters are absent for SHA-2 and SHA-1 in RSASSA-PSS. */
static X509_ALGOR *hash_algor(const EVP_MD *md)
{
    X509_ALGOR *a = X509_ALGOR_new();

    if (a == NULL)
        return NULL;
    if (!X509_ALGOR_set0(a, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_UNDEF, NULL)) {
        X509_ALGOR_free(a);
        return NULL;
    }
    return a;
}

static int pss_params(const EVP_MD *md, const EVP_MD *mgf1, int salt_bytes, ASN1_STRING **out)
{
    RSA_PSS_PARAMS *pss = RSA_PSS_PARAMS_new();
    X509_ALGOR *mgf1_hash = NULL;
    ASN1_STRING *mgf1_der = NULL;
    int ok = 0;

    if (pss == NULL)
        return 0;
    if (EVP_MD_get_type(md) != NID_sha1 && (pss->hashAlgorithm = hash_algor(md)) == NULL)
        goto end;
    if (EVP_MD_get_type(mgf1) != NID_sha1) {
        if ((mgf1_hash = hash_algor(mgf1)) == NULL ||
            ASN1_item_pack(mgf1_hash, ASN1_ITEM_rptr(X509_ALGOR), &mgf1_der) == NULL ||
            (pss->maskGenAlgorithm = X509_ALGOR_new()) == NULL ||
            !X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE,
                             mgf1_der))
            goto end;
        mgf1_der = NULL;
    }
    if (salt_bytes != 20) {
        if ((pss->saltLength = ASN1_INTEGER_new()) == NULL ||
            !ASN1_INTEGER_set(pss->saltLength, salt_bytes))
            goto end;
    }
    ok = ASN1_item_pack(pss, ASN1_ITEM_rptr(RSA_PSS_PARAMS), out) != NULL;
end:
    ASN1_STRING_free(mgf1_der);
    X509_ALGOR_free(mgf1_hash);
    RSA_PSS_PARAMS_free(pss);
    return ok;
}

int tsp_algid_der(const EVP_MD *md, int pss, const EVP_MD *mgf1, int salt_bytes,
                  unsigned char **der, size_t *len)
{
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_STRING *params = NULL;
    unsigned char *out = NULL;
    int sig_nid, n, ok = 0;

    if (alg == NULL)
        return 0;
    if (pss) {
        if (!pss_params(md, mgf1, salt_bytes, &params) ||
            !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params))
            goto end;
        params = NULL;
    } else {
        if (!OBJ_find_sigid_by_algs(&sig_nid, EVP_MD_get_type(md), NID_rsaEncryption) ||
            !X509_ALGOR_set0(alg, OBJ_nid2obj(sig_nid), V_ASN1_NULL, NULL))
            goto end;
    }
    if ((n = i2d_X509_ALGOR(alg, &out)) <= 0)
        goto end;
    *der = out;
    *len = (size_t)n;
    ok = 1;
end:
    ASN1_STRING_free(params);
    X509_ALGOR_free(alg);
    return ok;
}
