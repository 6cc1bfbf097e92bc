/* The test PKI: a CA in the style of the CNS regional CAs and the CNS authentication cert. */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "mkcard.h"

EVP_PKEY *mk_rsa_key(unsigned bits)
{
    return EVP_RSA_gen(bits);
}

static int random_serial(X509 *x)
{
    uint8_t rnd[16];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return -1;
    }
    rnd[0] &= 0x7F; /* positive, as RFC 5280 wants */
    BIGNUM *bn = BN_bin2bn(rnd, sizeof(rnd), NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok ? 0 : -1;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    int ok = ext && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int add_entry(X509_NAME *name, const char *field, const char *value)
{
    if (value[0] == '\0') {
        return 0;
    }
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value, -1,
                                      -1, 0) == 1
               ? 0
               : -1;
}

static int set_validity(X509 *x, long days)
{
    long from = days > 0 ? -1 : days - 365;
    return X509_gmtime_adj(X509_getm_notBefore(x), from * 86400) &&
                   X509_gmtime_adj(X509_getm_notAfter(x), days * 86400)
               ? 0
               : -1;
}

int mk_ca_new(X509 **ca, EVP_PKEY **ca_key)
{
    *ca = X509_new();
    *ca_key = mk_rsa_key(2048);
    X509_NAME *name = X509_NAME_new();
    int ok = *ca && *ca_key && name && X509_set_version(*ca, 2) && random_serial(*ca) == 0 &&
             add_entry(name, "C", "IT") == 0 && add_entry(name, "O", "Regione Test") == 0 &&
             add_entry(name, "OU", "Servizi di Certificazione") == 0 &&
             add_entry(name, "CN", "Regione Test - CA Cittadini Test") == 0 &&
             X509_set_subject_name(*ca, name) && X509_set_issuer_name(*ca, name) &&
             set_validity(*ca, 3650) == 0 && X509_set_pubkey(*ca, *ca_key) &&
             add_ext(*ca, *ca, NID_basic_constraints, "critical,CA:TRUE") == 0 &&
             add_ext(*ca, *ca, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
             add_ext(*ca, *ca, NID_subject_key_identifier, "hash") == 0 &&
             X509_sign(*ca, *ca_key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        fprintf(stderr, "tscns-mkcard: cannot create the test CA\n");
        X509_free(*ca);
        EVP_PKEY_free(*ca_key);
        *ca = NULL;
        *ca_key = NULL;
        return -1;
    }
    return 0;
}

int mk_ca_load(const char *dir, X509 **ca, EVP_PKEY **ca_key)
{
    char path[4096];
    *ca = NULL;
    *ca_key = NULL;
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        *ca = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/ca.key", dir);
    f = fopen(path, "r");
    if (f) {
        *ca_key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    if (!*ca || !*ca_key || X509_check_private_key(*ca, *ca_key) != 1) {
        fprintf(stderr, "tscns-mkcard: %s needs ca.pem and the matching ca.key\n", dir);
        X509_free(*ca);
        EVP_PKEY_free(*ca_key);
        return -1;
    }
    return 0;
}

/* "CF/SERIAL.<base64 SHA-1 of the public key>": unique per card and per key [guess at what
 * the real CAs hash]. */
static int cns_common_name(EVP_PKEY *key, const char *cf, const char *serial, char *out,
                           size_t out_len)
{
    uint8_t *der = NULL;
    uint8_t md[20];
    unsigned char b64[32];
    int der_len = i2d_PUBKEY(key, &der);
    if (der_len <= 0) {
        return -1;
    }
    int ok = EVP_Digest(der, (size_t)der_len, md, NULL, EVP_sha1(), NULL) == 1;
    OPENSSL_free(der);
    if (!ok || EVP_EncodeBlock(b64, md, sizeof(md)) != 28) {
        return -1;
    }
    int n = snprintf(out, out_len, "%s/%s.%s", cf, serial, (const char *)b64);
    return n > 0 && (size_t)n < out_len ? 0 : -1;
}

X509 *mk_cns_cert(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const tscns_personal *p,
                  const char *serial, long days)
{
    char cn[128];
    const char *cf = p->field[TSCNS_PD_CODICE_FISCALE];
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    int ok = x && name && cns_common_name(key, cf, serial, cn, sizeof(cn)) == 0 &&
             X509_set_version(x, 2) && random_serial(x) == 0 && add_entry(name, "C", "IT") == 0 &&
             add_entry(name, "O", "Regione Test") == 0 &&
             add_entry(name, "OU", "Tessera Sanitaria - Carta Nazionale dei Servizi") == 0 &&
             add_entry(name, "SN", p->field[TSCNS_PD_SURNAME]) == 0 &&
             add_entry(name, "GN", p->field[TSCNS_PD_GIVEN_NAME]) == 0 &&
             add_entry(name, "serialNumber", cf) == 0 && add_entry(name, "CN", cn) == 0 &&
             X509_set_subject_name(x, name) && X509_set_issuer_name(x, X509_get_subject_name(ca)) &&
             set_validity(x, days) == 0 && X509_set_pubkey(x, key) &&
             add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
             add_ext(x, ca, NID_key_usage, "critical,digitalSignature") == 0 &&
             add_ext(x, ca, NID_ext_key_usage, "clientAuth") == 0 &&
             add_ext(x, ca, NID_subject_key_identifier, "hash") == 0 &&
             add_ext(x, ca, NID_authority_key_identifier, "keyid:always") == 0 &&
             X509_sign(x, ca_key, EVP_sha256()) > 0;
    X509_NAME_free(name);
    if (!ok) {
        fprintf(stderr, "tscns-mkcard: cannot issue the CNS certificate\n");
        X509_free(x);
        return NULL;
    }
    return x;
}
