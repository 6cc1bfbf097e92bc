#include "checks.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>

#include "certfile.h"
#include "keep_uses.h"
#include "progress.h"

static int same_key(const struct check_input *in)
{
    EVP_PKEY *card = X509_get0_pubkey(in->card_cert);
    EVP_PKEY *new = X509_get0_pubkey(in->new_cert);

    if (card != NULL && new != NULL && EVP_PKEY_eq(card, new) == 1) {
        progress("check: same public key as the card's certificate: yes");
        return 0;
    }
    refuse("the certificate is for a different key than the one on the card; the card can only "
           "use a certificate for its own key");
    return 1;
}

static int same_subject(const struct check_input *in)
{
    const X509_NAME *card = X509_get_subject_name(in->card_cert);
    const X509_NAME *new = X509_get_subject_name(in->new_cert);
    char *a, *b;

    if (X509_NAME_cmp(card, new) == 0) {
        progress("check: same subject: yes");
        return 0;
    }
    a = cert_name_words(card);
    b = cert_name_words(new);
    refuse("the subject differs: the card's is %s, the new one is %s", a != NULL ? a : "?",
           b != NULL ? b : "?");
    OPENSSL_free(a);
    OPENSSL_free(b);
    return 1;
}

static int chain_ok(const struct check_input *in)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int bad = 1;

    if (store == NULL || ctx == NULL) {
        refuse("out of memory while checking the chain");
    } else if (!X509_STORE_load_file(store, in->ca_file)) {
        refuse("cannot read CA certificates from %s", in->ca_file);
    } else if (!X509_STORE_CTX_init(ctx, store, in->new_cert, in->chain)) {
        refuse("cannot set up the chain check");
    } else if (X509_verify_cert(ctx) != 1) {
        refuse("the certificate does not verify against %s: %s", in->ca_file,
               X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    } else {
        progress("check: chain verifies against %s: yes", in->ca_file);
        bad = 0;
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return bad;
}

static int later(const struct check_input *in)
{
    const ASN1_TIME *old = X509_get0_notAfter(in->card_cert);
    const ASN1_TIME *new = X509_get0_notAfter(in->new_cert);
    char a[64], b[64];

    cert_time_words(old, a, sizeof(a));
    cert_time_words(new, b, sizeof(b));
    if (ASN1_TIME_compare(new, old) > 0) {
        progress("check: valid until %s, later than the card's %s: yes", b, a);
        return 0;
    }
    refuse("the certificate ends on %s, not later than the card's (%s): it would not extend it", b,
           a);
    return 1;
}

static int fits(const struct check_input *in)
{
    if (in->capacity == 0) {
        progress("check: the card does not report its certificate file size; %zu bytes will be "
                 "written and read back (a failed write is rolled back)",
                 in->new_len);
        return 0;
    }
    if (in->new_len <= in->capacity) {
        progress("check: %zu bytes fit the certificate file (%zu bytes): yes", in->new_len,
                 in->capacity);
        return 0;
    }
    refuse("the certificate is %zu bytes; the card's certificate file holds %zu", in->new_len,
           in->capacity);
    return 1;
}

/*
 * Without the card's certificate nothing on the card says which key it holds (cardio takes the
 * key size for signing from that certificate, so the card cannot prove it either): then only a
 * certificate the CA vouches for may go on the card.
 */
static int key_vouched_for(const struct check_input *in)
{
    if (in->ca_file != NULL)
        return 0;
    refuse("the card's certificate cannot be read, so nothing shows that this certificate is "
           "for the card's key; give --ca-cert with the CA certificates it must verify against");
    return 1;
}

int checks_run(const struct check_input *in)
{
    int failed = 0;

    if (in->card_cert != NULL) {
        failed += same_key(in);
        failed += same_subject(in);
    } else {
        failed += key_vouched_for(in);
    }
    if (in->ca_file != NULL)
        failed += chain_ok(in);
    if (in->need_later && in->card_cert != NULL)
        failed += later(in);
    if (in->keep_uses && in->card_cert != NULL)
        failed += keep_uses(in->card_cert, in->new_cert);
    failed += fits(in);
    return failed;
}
