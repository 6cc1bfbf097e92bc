#include "certfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cli.h"

/* Largest certificate file worth reading: far beyond any card's certificate file. */
#define CERTFILE_MAX (256 * 1024)

static int load_pem(BIO *in, X509 **leaf, STACK_OF(X509) * *chain)
{
    X509 *c;

    while ((c = PEM_read_bio_X509(in, NULL, NULL, NULL)) != NULL) {
        if (*leaf == NULL) {
            *leaf = c;
        } else if (!sk_X509_push(*chain, c)) {
            X509_free(c);
            return -1;
        }
    }
    /* The loop ends on "no more PEM blocks", which is not an error once one was read. */
    ERR_clear_error();
    return *leaf != NULL ? 0 : -1;
}

int certfile_load(const char *path, X509 **leaf, STACK_OF(X509) * *chain)
{
    unsigned char *buf = NULL;
    FILE *f = fopen(path, "rb");
    size_t len = 0;
    int rc = CLI_FILE_ERROR;

    *leaf = NULL;
    *chain = sk_X509_new_null();
    if (*chain == NULL) {
        fprintf(stderr, "tscns extend: out of memory\n");
        if (f != NULL)
            fclose(f);
        return CLI_INTERNAL;
    }
    if (f == NULL) {
        fprintf(stderr, "tscns extend: cannot open %s: %s\n", path, strerror(errno));
        return CLI_FILE_ERROR;
    }
    buf = OPENSSL_malloc(CERTFILE_MAX + 1);
    if (buf != NULL)
        len = fread(buf, 1, CERTFILE_MAX + 1, f);
    if (buf == NULL || ferror(f)) {
        fprintf(stderr, "tscns extend: cannot read %s\n", path);
    } else if (len > CERTFILE_MAX) {
        fprintf(stderr, "tscns extend: %s is too large to be a certificate\n", path);
    } else if (len > 0 && buf[0] == 0x30) {
        *leaf = cert_from_der(buf, len);
        if (*leaf != NULL)
            rc = CLI_OK;
        else
            fprintf(stderr, "tscns extend: %s is not one DER certificate\n", path);
    } else {
        BIO *mem = BIO_new_mem_buf(buf, (int)len);

        if (mem != NULL && load_pem(mem, leaf, chain) == 0)
            rc = CLI_OK;
        else
            fprintf(stderr, "tscns extend: no certificate in %s (PEM or DER expected)\n", path);
        BIO_free(mem);
    }
    fclose(f);
    OPENSSL_free(buf);
    if (rc != CLI_OK) {
        X509_free(*leaf);
        *leaf = NULL;
        sk_X509_pop_free(*chain, X509_free);
        *chain = NULL;
    }
    return rc;
}

X509 *cert_from_der(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *c = d2i_X509(NULL, &p, (long)len);

    /* Trailing bytes would not be written to the card: the file must be exactly one cert. */
    if (c != NULL && p != der + len) {
        X509_free(c);
        c = NULL;
    }
    return c;
}

uint8_t *cert_to_der(X509 *cert, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);

    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der;
}

const char *cert_time_words(const ASN1_TIME *t, char *buf, size_t size)
{
    struct tm tm;

    if (!ASN1_TIME_to_tm(t, &tm)) {
        snprintf(buf, size, "(unreadable date)");
        return buf;
    }
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

long cert_days_left(const ASN1_TIME *t)
{
    int days = 0, secs = 0;

    if (!ASN1_TIME_diff(&days, &secs, NULL, t))
        return 0;
    return days;
}

time_t cert_time_epoch(const ASN1_TIME *t)
{
    struct tm tm;

    if (!ASN1_TIME_to_tm(t, &tm))
        return 0;
    return timegm(&tm);
}

char *cert_name_words(const X509_NAME *name)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *out = NULL, *data;
    long len;

    /* RFC 2253 like `tscns info`, keeping UTF-8 as it is. */
    if (mem != NULL &&
        X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        len = BIO_get_mem_data(mem, &data);
        out = OPENSSL_strndup(data, (size_t)len);
    }
    BIO_free(mem);
    return out;
}
