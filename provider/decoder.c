/*
 * DECODERs for the key-reference file that `tscns keyref` writes:
 *   -----BEGIN TSCNS KEY REFERENCE-----
 *   base64 of an ASCII cns: URI
 *   -----END TSCNS KEY REFERENCE-----
 *
 * OpenSSL 3.0 reaches a key file by two routes, and only a two-step chain, the shape of its
 * own PEM keys, serves both:
 *  - "DER" from PEM: our PEM block becomes DER, an IA5String holding the URI (the default
 *    provider's PEM-to-DER decoder drops a label it does not know);
 *  - "RSA" from DER: that IA5String becomes a reference to the card key.
 * PEM_read_bio_PrivateKey() (curl --key, Python's load_cert_chain) asks the key decoders and
 * whatever chains in front of them, so the two steps run back to back.
 * OSSL_STORE's file: loader (openssl pkey -in, s_client -key FILE) builds a chain of its own,
 * from decoders named DER, MSBLOB or PVK to an opaque "object", and only then offers the
 * object's bytes to the key decoders. A key decoder for PEM input is never in that chain:
 * with one, curl and Python worked while the openssl command read the PEM text as a bad DER
 * blob and said "unsupported", whatever the order of -provider options or the configuration.
 * The DER step names no data structure, because the loader's DER-to-object step would skip
 * data that names one.
 *
 * RSA is the key step's name because OpenSSL only chains key decoders whose name is a
 * KEYMGMT's. Every PEM block and every DER private key a program decodes is offered to these
 * decoders, so they read with the core's BIO functions (no library context is built) and
 * decline anything else early: the PEM step at the first BEGIN line, the DER step at the
 * first byte. README.md says what their mere presence costs other programs.
 */
#include <errno.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tscns/keyref.h"

#include "errors.h"
#include "key.h"
#include "uri.h"

#define PEM_BEGIN "-----BEGIN " TSCNS_KEYREF_PEM_LABEL "-----"
#define PEM_END "-----END " TSCNS_KEYREF_PEM_LABEL "-----"
/* Longer than the 64 characters `tscns keyref` writes, with room for a line end. */
#define PEM_LINE 128
/* A URI longer than this is not one of ours; it also bounds the work on foreign input. */
#define KEYREF_MAX 1024
/* The base64 of the longest URI, with line ends. */
#define KEYREF_PEM_MAX (2 * KEYREF_MAX)
/* How far into the input the block may start: past a certificate chain, not a whole file. */
#define KEYREF_SCAN_MAX 65536
/* The DER of the longest URI: tag, a three-byte length, the URI. */
#define KEYREF_DER_MAX (KEYREF_MAX + 4)

static OSSL_FUNC_decoder_newctx_fn keyref_newctx;
static OSSL_FUNC_decoder_freectx_fn keyref_freectx;
static OSSL_FUNC_decoder_does_selection_fn keyref_does_selection;
static OSSL_FUNC_decoder_decode_fn keyref_pem_decode;
static OSSL_FUNC_decoder_decode_fn keyref_der_decode;
static OSSL_FUNC_decoder_export_object_fn keyref_export_object;

static void *keyref_newctx(void *provctx)
{
    return provctx;
}

static void keyref_freectx(void *ctx)
{
    (void)ctx;
}

/*
 * A key reference is only ever loaded as a private key. OpenSSL 3.0 asks this before it puts
 * the decoder into a chain, so the public-key chains of every certificate a program decodes
 * (d2i_X509, TLS peer certificates, PEM_read_bio_PUBKEY) are built without it.
 */
static int keyref_does_selection(void *provctx, int selection)
{
    (void)provctx;
    return selection == 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0;
}

/* 1 if [p, p+len) is a URI we could have written: the cns: scheme, bounded, no NUL. */
static int looks_like_keyref(const unsigned char *p, size_t len)
{
    /* len >= 4 first: the scheme check reads four bytes of a buffer with no terminator. */
    return len >= 4 && len <= KEYREF_MAX && tsp_uri_is_cns((const char *)p) &&
           memchr(p, '\0', len) == NULL;
}

/* The parsed URI of a key reference, or 0 with the reason raised. */
static int parse_keyref(const tsp_prov *prov, const char *text, tsp_uri *uri)
{
    const char *why = NULL;

    if (!tsp_uri_parse(text, uri, &why)) {
        tsp_raise(prov, TSCNS_PR_BAD_KEY_REFERENCE, "%s: %s", text, why);
        return 0;
    }
    if (uri->type != TSP_URI_ANY && uri->type != TSP_URI_PRIVATE) {
        tsp_raise(prov, TSCNS_PR_BAD_KEY_REFERENCE, "%s: type= must be private", text);
        tsp_uri_clear(uri);
        return 0;
    }
    return 1;
}

/*
 * Open the card key that @p text names: the PIN is verified now when the caller wants the
 * private key (see tsp_key_open). NULL with the reason raised.
 */
static tsp_key *open_keyref(tsp_prov *prov, const char *text, int selection,
                            OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    tsp_uri uri;
    tsp_key *key;

    if (!parse_keyref(prov, text, &uri))
        return NULL;
    key = tsp_key_open(prov, &uri, pw_cb, pw_cbarg,
                       selection == 0 || (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0);
    tsp_uri_clear(&uri);
    /*
     * Python's load_cert_chain() reports errno instead of the error queue when errno is set;
     * a leftover from the PC/SC library would hide the reason raised here.
     */
    if (key == NULL)
        errno = 0;
    return key;
}

/* One line without its line end into @p line; its length, or -1 at the end of the input. */
static int read_line(const tsp_prov *prov, OSSL_CORE_BIO *cin, char line[PEM_LINE], size_t *seen)
{
    int n = prov->core_bio_gets(cin, line, PEM_LINE);

    if (n <= 0)
        return -1;
    *seen += (size_t)n;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return n;
}

/* The base64 lines up to our END line, decoded into @p out; the length, or -1. */
static int read_body(const tsp_prov *prov, OSSL_CORE_BIO *cin, unsigned char *out)
{
    EVP_ENCODE_CTX *b64 = EVP_ENCODE_CTX_new();
    char line[PEM_LINE];
    size_t seen = 0;
    int n, outl, total = -1;

    if (b64 == NULL)
        return -1;
    EVP_DecodeInit(b64);
    for (n = 0;;) {
        if (read_line(prov, cin, line, &seen) < 0 || seen > KEYREF_PEM_MAX)
            goto end;
        if (strcmp(line, PEM_END) == 0)
            break;
        if (EVP_DecodeUpdate(b64, out + n, &outl, (unsigned char *)line, (int)strlen(line)) < 0)
            goto end;
        if ((n += outl) > KEYREF_MAX)
            goto end;
    }
    if (EVP_DecodeFinal(b64, out + n, &outl) == 1)
        total = n + outl;
end:
    EVP_ENCODE_CTX_free(b64);
    return total;
}

/*
 * The URI of the first PEM block if it is ours, NUL-terminated in @p text; 0 for anything
 * else. The label is checked before any base64 is decoded: PEM_read_bio() would decode every
 * PEM key a program reads (about 0.1 ms each) only to find another label.
 */
static int pem_to_uri(const tsp_prov *prov, OSSL_CORE_BIO *cin, char text[KEYREF_MAX + 1])
{
    /* Room past the limit for one line's output and the final block, checked after them. */
    unsigned char uri[KEYREF_MAX + 2 * PEM_LINE];
    char line[PEM_LINE];
    size_t seen = 0;
    int len;

    if (prov->core_bio_gets == NULL)
        return 0;
    /* PEM allows text before the block; the size of a certificate chain, not of a file. */
    do
        if (read_line(prov, cin, line, &seen) < 0 || seen > KEYREF_SCAN_MAX)
            return 0;
    while (strncmp(line, "-----BEGIN ", 11) != 0);
    if (strcmp(line, PEM_BEGIN) != 0 || (len = read_body(prov, cin, uri)) < 0 ||
        !looks_like_keyref(uri, (size_t)len))
        return 0;
    memcpy(text, uri, (size_t)len);
    text[len] = '\0';
    return 1;
}

/* The URI as the DER of an IA5String, OPENSSL_malloc'ed; 0 on allocation failure. */
static int uri_to_der(const char *text, unsigned char **der, int *derlen)
{
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    int ok;

    *der = NULL;
    ok = s != NULL && ASN1_STRING_set(s, text, -1) && (*derlen = i2d_ASN1_IA5STRING(s, der)) > 0;
    ASN1_IA5STRING_free(s);
    return ok;
}

static int keyref_pem_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                             void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    tsp_prov *prov = ctx;
    char text[KEYREF_MAX + 1];
    OSSL_PARAM params[2];
    unsigned char *der = NULL;
    int derlen = 0, ok;
    tsp_key *key;

    /* Not ours: an empty-handed success lets the next decoder try. */
    if (!pem_to_uri(prov, cin, text))
        return 1;
    /*
     * The card is opened (and the PIN verified) here although the next step opens the key
     * again: on the file: route OpenSSL 3.0 discards what a key decoder raises and reports
     * "unsupported", so a wrong PIN or a missing card would go unexplained. Errors from this
     * step reach the user. The next step then finds the card open and the PIN verified.
     */
    if ((key = open_keyref(prov, text, selection, pw_cb, pw_cbarg)) == NULL)
        return 0;
    tsp_key_free(key);
    if (!uri_to_der(text, &der, &derlen)) {
        tsp_raise(prov, TSCNS_PR_MALLOC, NULL);
        return 0;
    }
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_DATA, der, (size_t)derlen);
    params[1] = OSSL_PARAM_construct_end();
    ok = data_cb(params, data_cbarg);
    OPENSSL_free(der);
    return ok;
}

/* Read up to @p want bytes; the count read (short only at the end of the input). */
static size_t read_some(const tsp_prov *prov, OSSL_CORE_BIO *cin, unsigned char *buf, size_t want)
{
    size_t done = 0, n;

    while (done < want && prov->core_bio_read_ex(cin, buf + done, want - done, &n) && n > 0)
        done += n;
    return done;
}

/*
 * The URI from the IA5String DER that keyref_pem_decode() made, NUL-terminated in @p text;
 * 0 when the input is anything else. One byte tells a real DER key (a SEQUENCE) apart.
 */
static int der_to_uri(const tsp_prov *prov, OSSL_CORE_BIO *cin, char text[KEYREF_MAX + 1])
{
    unsigned char der[KEYREF_DER_MAX + 1];
    const unsigned char *p = der;
    ASN1_IA5STRING *s;
    size_t len;
    int ok = 0;

    if (prov->core_bio_read_ex == NULL || read_some(prov, cin, der, 1) != 1 ||
        der[0] != V_ASN1_IA5STRING)
        return 0;
    len = 1 + read_some(prov, cin, der + 1, sizeof(der) - 1);
    if (len > KEYREF_DER_MAX)
        return 0;
    ERR_set_mark();
    s = d2i_ASN1_IA5STRING(NULL, &p, (long)len);
    ERR_pop_to_mark();
    if (s != NULL && p == der + len &&
        looks_like_keyref(ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s))) {
        memcpy(text, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
        text[ASN1_STRING_length(s)] = '\0';
        ok = 1;
    }
    ASN1_IA5STRING_free(s);
    return ok;
}

static int keyref_der_decode(void *ctx, OSSL_CORE_BIO *cin, int selection, OSSL_CALLBACK *data_cb,
                             void *data_cbarg, OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
    tsp_prov *prov = ctx;
    char text[KEYREF_MAX + 1];
    OSSL_PARAM params[4];
    tsp_key *key;
    int type = OSSL_OBJECT_PKEY, ok;

    if (!der_to_uri(prov, cin, text))
        return 1;
    if ((key = open_keyref(prov, text, selection, pw_cb, pw_cbarg)) == NULL)
        return 0;
    params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "RSA", 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key));
    params[3] = OSSL_PARAM_construct_end();
    ok = data_cb(params, data_cbarg);
    tsp_key_free(key);
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

const OSSL_DISPATCH tsp_keyref_pem_decoder_functions[] = {
    {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))keyref_newctx},
    {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))keyref_freectx},
    {OSSL_FUNC_DECODER_DECODE, (void (*)(void))keyref_pem_decode},
    {0, NULL}};

const OSSL_DISPATCH tsp_keyref_der_decoder_functions[] = {
    {OSSL_FUNC_DECODER_NEWCTX, (void (*)(void))keyref_newctx},
    {OSSL_FUNC_DECODER_FREECTX, (void (*)(void))keyref_freectx},
    {OSSL_FUNC_DECODER_DOES_SELECTION, (void (*)(void))keyref_does_selection},
    {OSSL_FUNC_DECODER_DECODE, (void (*)(void))keyref_der_decode},
    {OSSL_FUNC_DECODER_EXPORT_OBJECT, (void (*)(void))keyref_export_object},
    {0, NULL}};
