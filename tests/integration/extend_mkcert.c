/*
 * tscns-test-mkcert: the test CA's side of `tscns extend` tests. Issues a certificate modelled
 * on the card's (same subject, key and extensions unless told otherwise), so a test can make a
 * good renewal and each kind of bad one: another key, another subject, another CA, an earlier
 * end, one too large for the card's file, or one that drops the version or key usages.
 * OpenSSL 3.0's `x509` cannot put an arbitrary public key into a certificate (-force_pubkey came
 * later), hence this helper.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

static const char usage[] =
    "usage: tscns-test-mkcert --ca-cert F --ca-key F --like CERT --out F [options]\n"
    "  --days N          valid from now for N days (default 3650)\n"
    "  --pubkey-from F   take the public key from F (PEM certificate or key), not from CERT\n"
    "  --cn-suffix S     append S to the subject's commonName\n"
    "  --pad N           add a comment extension of N bytes (a certificate too large)\n"
    "  --serial-from F   use the serial number of certificate F (OpenSSL 3.0's CMP mock\n"
    "                    server takes a kur only for a certificate with the old one's serial)\n"
    "  --v1              an X.509 v1 certificate (no extensions at all)\n"
    "  --key-usage U     keyUsage U (openssl x509v3_config syntax) instead of CERT's;\n"
    "                    \"none\" leaves the extension out\n"
    "  --ext-key-usage U extendedKeyUsage U instead of CERT's; \"none\" leaves it out\n"
    "  --der             write DER instead of PEM\n";

static void die(const char *what)
{
    fprintf(stderr, "tscns-test-mkcert: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static X509 *read_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    X509 *c = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

    if (f != NULL)
        fclose(f);
    if (c == NULL)
        die(path);
    return c;
}

static EVP_PKEY *read_key(const char *path, int private)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;

    if (f == NULL)
        die(path);
    if (private) {
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    } else {
        X509 *c = PEM_read_X509(f, NULL, NULL, NULL);

        if (c != NULL) {
            k = X509_get_pubkey(c);
            X509_free(c);
        } else {
            rewind(f);
            ERR_clear_error();
            k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        }
    }
    fclose(f);
    if (k == NULL)
        die(path);
    return k;
}

static void append_cn(X509_NAME *name, const char *suffix)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    X509_NAME_ENTRY *e;
    ASN1_STRING *d;
    char buf[512];

    if (i < 0)
        die("the model certificate has no commonName");
    d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    snprintf(buf, sizeof(buf), "%.*s%s", ASN1_STRING_length(d),
             (const char *)ASN1_STRING_get0_data(d), suffix);
    /* Delete and re-add: editing the entry in place would keep the cached DER of the name. */
    e = X509_NAME_delete_entry(name, i);
    X509_NAME_ENTRY_free(e);
    if (!X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, (unsigned char *)buf, -1,
                                    i, 0))
        die("cannot change the commonName");
}

static void pad(X509 *c, size_t n)
{
    char *text = malloc(n + 1);
    X509_EXTENSION *ext;

    if (text == NULL)
        die("out of memory");
    memset(text, 'x', n);
    text[n] = '\0';
    ext = X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, text);
    if (ext == NULL || !X509_add_ext(c, ext, -1))
        die("cannot add the padding extension");
    X509_EXTENSION_free(ext);
    free(text);
}

/* Add extension @p nid with value @p value, unless @p value is NULL (keep) or "none" (drop). */
static void set_ext(X509 *c, int nid, const char *value)
{
    X509_EXTENSION *ext;

    if (value == NULL || strcmp(value, "none") == 0)
        return;
    ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
    if (ext == NULL || !X509_add_ext(c, ext, -1))
        die(value);
    X509_EXTENSION_free(ext);
}

int main(int argc, char **argv)
{
    const char *ca_cert = NULL, *ca_key = NULL, *like = NULL, *out = NULL, *pub = NULL;
    const char *suffix = NULL, *serial_from = NULL, *ku = NULL, *eku = NULL;
    long days = 3650, padding = 0;
    int der = 0, v1 = 0;
    unsigned char serial[16];
    X509 *model, *ca, *c;
    EVP_PKEY *cakey, *key;
    X509_NAME *name;
    BIGNUM *bn;
    FILE *f;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--der") == 0) {
            der = 1;
            continue;
        }
        if (strcmp(a, "--v1") == 0) {
            v1 = 1;
            continue;
        }
        if (v == NULL) {
            fputs(usage, stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--ca-cert") == 0)
            ca_cert = v;
        else if (strcmp(a, "--ca-key") == 0)
            ca_key = v;
        else if (strcmp(a, "--like") == 0)
            like = v;
        else if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--pubkey-from") == 0)
            pub = v;
        else if (strcmp(a, "--serial-from") == 0)
            serial_from = v;
        else if (strcmp(a, "--key-usage") == 0)
            ku = v;
        else if (strcmp(a, "--ext-key-usage") == 0)
            eku = v;
        else if (strcmp(a, "--cn-suffix") == 0)
            suffix = v;
        else if (strcmp(a, "--days") == 0)
            days = strtol(v, NULL, 10);
        else if (strcmp(a, "--pad") == 0)
            padding = strtol(v, NULL, 10);
        else {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (ca_cert == NULL || ca_key == NULL || like == NULL || out == NULL) {
        fputs(usage, stderr);
        return 2;
    }

    model = read_cert(like);
    ca = read_cert(ca_cert);
    cakey = read_key(ca_key, 1);
    key = pub != NULL ? read_key(pub, 0) : X509_get_pubkey(model);
    c = X509_new();
    name = X509_NAME_dup(X509_get_subject_name(model));
    bn = BN_new();
    if (c == NULL || name == NULL || bn == NULL || key == NULL)
        die("out of memory");
    if (suffix != NULL)
        append_cn(name, suffix);
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        die("no randomness");
    serial[0] &= 0x7F;
    if (!BN_bin2bn(serial, sizeof(serial), bn) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) || !X509_set_version(c, v1 ? 0 : 2) ||
        !X509_set_subject_name(c, name) || !X509_set_issuer_name(c, X509_get_subject_name(ca)) ||
        !X509_set_pubkey(c, key) || !X509_gmtime_adj(X509_getm_notBefore(c), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(c), (int)days, 0, NULL))
        die("cannot fill in the certificate");
    /* The card's extensions (key usage, policies) make the renewal look like the original. */
    for (int i = 0; i < X509_get_ext_count(model) && !v1; i++) {
        X509_EXTENSION *e = X509_get_ext(model, i);
        int nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));

        if (nid == NID_authority_key_identifier || nid == NID_subject_key_identifier ||
            (nid == NID_key_usage && ku != NULL) || (nid == NID_ext_key_usage && eku != NULL))
            continue;
        if (!X509_add_ext(c, e, -1))
            die("cannot copy an extension");
    }
    set_ext(c, NID_key_usage, ku);
    set_ext(c, NID_ext_key_usage, eku);
    if (padding > 0)
        pad(c, (size_t)padding);
    if (serial_from != NULL) {
        X509 *old = read_cert(serial_from);

        if (!X509_set_serialNumber(c, X509_get_serialNumber(old)))
            die("cannot copy the serial number");
        X509_free(old);
    }
    if (!X509_sign(c, cakey, EVP_sha256()))
        die("cannot sign");
    f = fopen(out, "wb");
    if (f == NULL || !(der ? i2d_X509_fp(f, c) : PEM_write_X509(f, c)) || fclose(f) != 0)
        die(out);
    X509_free(c);
    X509_free(model);
    X509_free(ca);
    X509_NAME_free(name);
    BN_free(bn);
    EVP_PKEY_free(key);
    EVP_PKEY_free(cakey);
    return 0;
}
