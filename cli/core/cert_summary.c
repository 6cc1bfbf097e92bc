#include "cert_summary.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* RFC 2253 order and escaping, but UTF-8 kept as is rather than escaped as \XX bytes. */
#define NAME_FLAGS (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)

static int name_text(const X509_NAME *name, char *out, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int n, rc = -1;

    if (bio == NULL)
        return -1;
    if (X509_NAME_print_ex(bio, name, 0, NAME_FLAGS) >= 0) {
        n = BIO_read(bio, out, (int)size - 1);
        out[n > 0 ? n : 0] = '\0';
        rc = 0;
    }
    BIO_free(bio);
    return rc;
}

static int iso_time(const ASN1_TIME *t, char *out, size_t size)
{
    struct tm tm;

    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    return strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0 ? 0 : -1;
}

static int serial_text(const ASN1_INTEGER *serial, char *out, size_t size)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *hex;
    int rc = -1;

    if (bn == NULL)
        return -1;
    hex = BN_bn2hex(bn);
    if (hex != NULL && strlen(hex) < size) {
        strcpy(out, hex);
        rc = 0;
    }
    OPENSSL_free(hex);
    BN_free(bn);
    return rc;
}

int cert_summary_parse(const uint8_t *der, size_t len, struct cert_summary *out)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    EVP_PKEY *key;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (x == NULL)
        return -1;
    key = X509_get0_pubkey(x);
    if (key != NULL &&
        name_text(X509_get_subject_name(x), out->subject, sizeof(out->subject)) == 0 &&
        name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer)) == 0 &&
        iso_time(X509_get0_notBefore(x), out->not_before, sizeof(out->not_before)) == 0 &&
        iso_time(X509_get0_notAfter(x), out->not_after, sizeof(out->not_after)) == 0 &&
        serial_text(X509_get0_serialNumber(x), out->serial, sizeof(out->serial)) == 0) {
        out->key_bits = EVP_PKEY_get_bits(key);
        rc = 0;
    }
    X509_free(x);
    return rc;
}
