/*
 * KEYMGMT for RSA card keys. The key is a reference (key.h); its public parts come from the
 * card's certificate. Private parts never leave: export gives n and e only, and only when the
 * caller does not ask for the private key, so OpenSSL never mistakes a public copy in another
 * provider for a usable private key. Import takes public parts only (what EVP_PKEY_eq needs to
 * compare a certificate with a card key); a software private key is refused so it stays with
 * the provider it came from.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "errors.h"
#include "key.h"

static OSSL_FUNC_keymgmt_new_fn rsa_new;
static OSSL_FUNC_keymgmt_free_fn rsa_free;
static OSSL_FUNC_keymgmt_load_fn rsa_load;
static OSSL_FUNC_keymgmt_get_params_fn rsa_get_params;
static OSSL_FUNC_keymgmt_gettable_params_fn rsa_gettable_params;
static OSSL_FUNC_keymgmt_query_operation_name_fn rsa_query_operation_name;
static OSSL_FUNC_keymgmt_has_fn rsa_has;
static OSSL_FUNC_keymgmt_match_fn rsa_match;
static OSSL_FUNC_keymgmt_import_fn rsa_import;
static OSSL_FUNC_keymgmt_import_types_fn rsa_import_types;
static OSSL_FUNC_keymgmt_export_fn rsa_export;
static OSSL_FUNC_keymgmt_export_types_fn rsa_export_types;

#define DEFAULT_DIGEST "SHA256"

static void *rsa_new(void *provctx)
{
    return tsp_key_new(provctx);
}

static void rsa_free(void *keydata)
{
    tsp_key_free(keydata);
}

/* The reference is the address of a key object; whoever made it keeps its own reference. */
static void *rsa_load(const void *reference, size_t reference_sz)
{
    tsp_key *key;

    if (reference == NULL || reference_sz != sizeof(key))
        return NULL;
    memcpy(&key, reference, sizeof(key));
    if (key == NULL)
        return NULL;
    tsp_key_up(key);
    return key;
}

static int rsa_get_params(void *keydata, OSSL_PARAM params[])
{
    tsp_key *key = keydata;
    OSSL_PARAM *p;

    if (key->pub == NULL)
        return 1;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_BITS)) != NULL &&
        !OSSL_PARAM_set_int(p, key->bits))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_SECURITY_BITS)) != NULL &&
        !OSSL_PARAM_set_int(p, key->security_bits))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MAX_SIZE)) != NULL &&
        !OSSL_PARAM_set_int(p, (int)key->bytes))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST)) != NULL &&
        !OSSL_PARAM_set_utf8_string(p, DEFAULT_DIGEST))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_N)) != NULL &&
        !OSSL_PARAM_set_BN(p, key->n))
        return 0;
    if ((p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_RSA_E)) != NULL &&
        !OSSL_PARAM_set_BN(p, key->e))
        return 0;
    return 1;
}

static const OSSL_PARAM *rsa_gettable_params(void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_END};

    (void)provctx;
    return gettable;
}

static const char *rsa_query_operation_name(int operation_id)
{
    (void)operation_id;
    return "RSA";
}

static int rsa_has(const void *keydata, int selection)
{
    const tsp_key *key = keydata;

    if (key == NULL)
        return 0;
    /* RSA has no domain parameters: asking only for them is always satisfied. */
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 && key->pub == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0 && !key->on_card)
        return 0;
    return 1;
}

static int rsa_match(const void *keydata1, const void *keydata2, int selection)
{
    const tsp_key *a = keydata1, *b = keydata2;

    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0)
        return 1;
    /* The private half lives on the card; the public half identifies the pair. */
    if (a->pub == NULL || b->pub == NULL)
        return 0;
    return BN_cmp(a->n, b->n) == 0 && BN_cmp(a->e, b->e) == 0;
}

static int rsa_import(void *keydata, int selection, const OSSL_PARAM params[])
{
    tsp_key *key = keydata;
    const OSSL_PARAM *pn, *pe;
    BIGNUM *n = NULL, *e = NULL;
    int ok = 0;

    if (key == NULL || key->on_card || key->pub != NULL)
        return 0;
    if (OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_D) != NULL ||
        OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_FACTOR1) != NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) == 0)
        return 0;
    pn = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_N);
    pe = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_RSA_E);
    if (pn == NULL || pe == NULL || !OSSL_PARAM_get_BN(pn, &n) || !OSSL_PARAM_get_BN(pe, &e))
        goto end;
    ok = tsp_key_set_public(key, n, e);
end:
    BN_free(n);
    BN_free(e);
    return ok;
}

static const OSSL_PARAM public_types[] = {OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
                                          OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
                                          OSSL_PARAM_END};

static const OSSL_PARAM *rsa_import_types(int selection)
{
    return (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) != 0 ? public_types : NULL;
}

static int rsa_export(void *keydata, int selection, OSSL_CALLBACK *param_cb, void *cbarg)
{
    tsp_key *key = keydata;
    OSSL_PARAM params[3];
    unsigned char *nbuf = NULL, *ebuf = NULL;
    int nlen, elen, ok = 0;

    if (key == NULL || key->pub == NULL)
        return 0;
    /*
     * No error raised: OpenSSL asks for everything when it probes whether another provider
     * could run the operation, and takes a refusal as "use this provider".
     */
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) == 0)
        return 1;
    nlen = BN_num_bytes(key->n);
    elen = BN_num_bytes(key->e);
    if ((nbuf = OPENSSL_malloc((size_t)nlen)) == NULL ||
        (ebuf = OPENSSL_malloc((size_t)elen)) == NULL || BN_bn2nativepad(key->n, nbuf, nlen) < 0 ||
        BN_bn2nativepad(key->e, ebuf, elen) < 0)
        goto end;
    params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nbuf, (size_t)nlen);
    params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, ebuf, (size_t)elen);
    params[2] = OSSL_PARAM_construct_end();
    ok = param_cb(params, cbarg);
end:
    OPENSSL_free(nbuf);
    OPENSSL_free(ebuf);
    return ok;
}

static const OSSL_PARAM *rsa_export_types(int selection)
{
    return rsa_import_types(selection);
}

const OSSL_DISPATCH tsp_rsa_keymgmt_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))rsa_new},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))rsa_free},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))rsa_load},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))rsa_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))rsa_gettable_params},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))rsa_query_operation_name},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))rsa_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))rsa_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))rsa_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))rsa_import_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))rsa_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))rsa_export_types},
    {0, NULL}};
