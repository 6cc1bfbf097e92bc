/*
 * A certificate can pass every other check (same key, same subject, chains, later end) and still
 * make every login fail: a CA that issues a v1 certificate, or one without digitalSignature or
 * clientAuth, breaks TLS client authentication the day it is written. So a renewal must allow
 * at least what the card's certificate allowed. When the card's certificate has no keyUsage
 * (or extendedKeyUsage) extension, every use was allowed; the new one must then still allow
 * what a login needs: digitalSignature (or clientAuth).
 */
#include "keep_uses.h"

#include <stdio.h>
#include <stdint.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "progress.h"

static const struct {
    uint32_t bit;
    const char *name;
} ku_names[] = {
    {KU_DIGITAL_SIGNATURE, "digitalSignature"},
    {KU_NON_REPUDIATION, "nonRepudiation"},
    {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
    {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
    {KU_KEY_AGREEMENT, "keyAgreement"},
    {KU_KEY_CERT_SIGN, "keyCertSign"},
    {KU_CRL_SIGN, "cRLSign"},
    {KU_ENCIPHER_ONLY, "encipherOnly"},
    {KU_DECIPHER_ONLY, "decipherOnly"},
};

static const char *ku_words(uint32_t bits, char *buf, size_t size)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++) {
        if ((bits & ku_names[i].bit) != 0 && used < size)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "",
                                     ku_names[i].name);
    }
    return buf;
}

static int version_kept(X509 *card, X509 *new)
{
    long was = X509_get_version(card), now = X509_get_version(new);

    if (now >= was) {
        progress("check: X.509 version v%ld, as the card's: yes", now + 1);
        return 0;
    }
    refuse("the certificate is X.509 v%ld, the card's is v%ld: a lower version drops the "
           "extensions (keyUsage, extendedKeyUsage) that a login needs",
           now + 1, was + 1);
    return 1;
}

/* X509_get_key_usage() gives UINT32_MAX for a certificate without the extension. */
static int has_ku(X509 *x)
{
    return X509_get_extension_flags(x) & EXFLAG_KUSAGE;
}

static int key_usage_kept(X509 *card, X509 *new)
{
    uint32_t need = has_ku(card) ? X509_get_key_usage(card) : KU_DIGITAL_SIGNATURE;
    uint32_t missing = need & ~X509_get_key_usage(new);
    char words[256];

    if (has_ku(card) && !has_ku(new)) {
        refuse("the certificate has no keyUsage extension; the card's has one (%s)",
               ku_words(need, words, sizeof(words)));
        return 1;
    }
    if (missing != 0) {
        refuse("the certificate's keyUsage lacks %s, which the card's certificate %s",
               ku_words(missing, words, sizeof(words)), has_ku(card) ? "has" : "allows");
        return 1;
    }
    progress("check: keyUsage keeps %s: yes", ku_words(need, words, sizeof(words)));
    return 0;
}

static EXTENDED_KEY_USAGE *eku_of(X509 *x, int *present)
{
    int crit = -1;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);

    /* crit -1: no such extension; anything else without a result is a malformed one. */
    *present = crit != -1;
    ERR_clear_error();
    return eku;
}

static int eku_allows(const EXTENDED_KEY_USAGE *eku, const ASN1_OBJECT *purpose)
{
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);

        if (OBJ_cmp(o, purpose) == 0 || OBJ_obj2nid(o) == NID_anyExtendedKeyUsage)
            return 1;
    }
    return 0;
}

static const char *purpose_words(const ASN1_OBJECT *o, char *buf, size_t size)
{
    int nid = OBJ_obj2nid(o);

    if (nid != NID_undef)
        snprintf(buf, size, "%s", OBJ_nid2sn(nid));
    else if (OBJ_obj2txt(buf, (int)size, o, 1) <= 0)
        snprintf(buf, size, "?");
    return buf;
}

static const char *eku_words(const EXTENDED_KEY_USAGE *eku, char *buf, size_t size)
{
    char name[128];
    size_t used = 0;

    snprintf(buf, size, "?");
    for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "",
                                 purpose_words(sk_ASN1_OBJECT_value(eku, i), name, sizeof(name)));
    return buf;
}

/* Each purpose the card's certificate names that @p new does not allow: refused by name. */
static int purposes_kept(const EXTENDED_KEY_USAGE *card, const EXTENDED_KEY_USAGE *new)
{
    char name[128];
    int bad = 0;

    for (int i = 0; i < sk_ASN1_OBJECT_num(card); i++) {
        const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(card, i);

        if (eku_allows(new, o))
            continue;
        refuse("the certificate's extendedKeyUsage lacks %s, which the card's certificate has",
               purpose_words(o, name, sizeof(name)));
        bad = 1;
    }
    if (!bad)
        progress("check: extendedKeyUsage keeps every purpose of the card's certificate: yes");
    return bad;
}

static int ext_key_usage_kept(X509 *card, X509 *new)
{
    int card_has, new_has, bad = 0;
    char words[256];
    EXTENDED_KEY_USAGE *a = eku_of(card, &card_has);
    EXTENDED_KEY_USAGE *b = eku_of(new, &new_has);
    ASN1_OBJECT *client = OBJ_nid2obj(NID_client_auth);

    if (new_has && b == NULL) {
        refuse("the certificate's extendedKeyUsage extension is malformed");
        bad = 1;
    } else if (card_has && !new_has) {
        refuse("the certificate has no extendedKeyUsage extension; the card's has one (%s)",
               eku_words(a, words, sizeof(words)));
        bad = 1;
    } else if (card_has && a != NULL) {
        bad = purposes_kept(a, b);
    } else if (new_has && !eku_allows(b, client)) {
        refuse("the certificate's extendedKeyUsage lacks clientAuth, which the card's "
               "certificate allows and a login needs");
        bad = 1;
    } else {
        progress("check: extendedKeyUsage allows clientAuth: yes");
    }
    EXTENDED_KEY_USAGE_free(a);
    EXTENDED_KEY_USAGE_free(b);
    return bad;
}

int keep_uses(X509 *card_cert, X509 *new_cert)
{
    return version_kept(card_cert, new_cert) + key_usage_kept(card_cert, new_cert) +
           ext_key_usage_kept(card_cert, new_cert);
}
