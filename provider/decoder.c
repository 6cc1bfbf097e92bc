/*
 * DECODER for the PEM key-reference file that `tscns keyref` writes:
 *   -----BEGIN TSCNS KEY REFERENCE-----
 *   base64 of an ASCII cns: URI
 *   -----END TSCNS KEY REFERENCE-----
 * Programs that only read key files (curl --key, Python's load_cert_chain) call
 * PEM_read_bio_PrivateKey(); OpenSSL's decoder chain then offers the PEM text to every key
 * decoder that takes "pem" input. The default provider's PEM reader passes a label it does not
 * know on as untyped DER that no key decoder accepts, so this decoder reads the PEM itself.
 * It is named after the RSA key type because OpenSSL only chains key decoders whose name
 * matches a KEYMGMT.
 */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "errors.h"
#include "key.h"
#include "uri.h"

#define KEYREF_LABEL "TSCNS KEY REFERENCE"
/* A URI longer than this is not one of ours; it also bounds the work on foreign input. */
#define KEYREF_MAX 1024
/* Key files hold a handful of PEM blocks at most. */
#define MAX_BLOCKS 16

static OSSL_FUNC_decoder_newctx_fn keyref_newctx;
static OSSL_FUNC_decoder_freectx_fn keyref_freectx;
static OSSL_FUNC_decoder_does_selection_fn keyref_does_selection;
static OSSL_FUNC_decoder_decode_fn keyref_decode;
static OSSL_FUNC_decoder_export_object_fn keyref_export_object;

static void *keyref_newctx(void *provctx)
{
    return provctx;
}

static void keyref_freectx(void *ctx)
{
    (void)ctx;
}

static int keyref_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_KEYPAIR) != 0;
}

/* The URI from our PEM block, or NULL (nothing raised) when the input is not ours. */
static char *find_keyref(BIO *in)
{
    char *name = NULL, *header = NULL, *uri = NULL;
    unsigned char *data = NULL;
    long len = 0;
    int i;

    for (i = 0; i < MAX_BLOCKS && uri == NULL; i++) {
        if (!PEM_read_bio(in, &name, &header, &data, &len))
            break;
        if (strcmp(name, KEYREF_LABEL) == 0 && len > 0 && len < KEYREF_MAX &&
            memchr(data, '\0', (size_t)len) == NULL)
            uri = OPENSSL_strndup((const char *)data, (size_t)len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    return uri;
}

static int keyref_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                         void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    tscns_prov *prov = ctx;
    OSSL_LIB_CTX *sw = tscns_prov_swctx(prov);
    OSSL_PARAM params[4];
    tscns_uri uri;
    tscns_key *key = NULL;
    const char *why = NULL;
    char *text;
    BIO *in;
    int type = OSSL_OBJECT_PKEY, ok;

    if (sw == NULL || (in = BIO_new_from_core_bio(sw, cin)) == NULL)
        return 0;
    ERR_set_mark();
    text = find_keyref(in);
    /* PEM errors from foreign input are not ours to report. */
    ERR_pop_to_mark();
    BIO_free(in);
    if (text == NULL)
        return 1;
    if (!tscns_uri_parse(text, &uri, &why) ||
        (uri.type != TSCNS_URI_ANY && uri.type != TSCNS_URI_PRIVATE)) {
        tscns_raise(prov, TSCNS_R_BAD_KEY_REFERENCE, "%s: %s", text,
                    why != NULL ? why : "type= must be private");
        if (why == NULL)
            tscns_uri_clear(&uri);
        OPENSSL_free(text);
        return 0;
    }
    OPENSSL_free(text);
    key = tscns_key_open(prov, &uri, pw_cb, pw_cbarg,
                         selection == 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0);
    tscns_uri_clear(&uri);
    if (key == NULL) {
        /*
         * Python's load_cert_chain() reports errno instead of the error queue when errno is
         * set; a leftover from the PC/SC library would hide the reason raised here.
         */
        errno = 0;
        return 0;
    }
    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "RSA", 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key));
    params[3] = OSSL_PARAM_construct_end();
    ok = data_cb(params, data_cbarg);
    tscns_key_free(key);
    return ok;
}

/* Refused: the card key never becomes another provider's key (it has no private parts to give). */
static int keyref_export_object(void *ctx, const void *objref, size_t objref_sz,
                                OSSL_CALLBACK *export_cb, void *export_cbarg)
{
    (void)ctx;
    (void)objref;
    (void)objref_sz;
    (void)export_cb;
    (void)export_cbarg;
    return 0;
}

const OSSL_DISPATCH tscns_keyref_decoder_functions[] = {
    {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))keyref_newctx},
    {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))keyref_freectx},
    {OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))keyref_does_selection},
    {OSSL_FUNC_DECODER_DECODE, (void (*)(void))keyref_decode},
    {OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))keyref_export_object},
    {0, NULL}};
