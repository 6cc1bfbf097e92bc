/*
 * Whole cardio operations through the in-process virtual card, for one card image
 * (argv[1], made by tscns-mkcard). Each test works on a private copy of the image, so PIN
 * counters and certificate writes never leak from one test to the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tscns/card.h"
#include "vcard_transport.h"

static const char *g_image;

typedef struct fixture {
    char dir[256];
    char reader[64];
    void *self;
    tscns_card *card;
    char pin[16];
    char puk[16];
    char serial[32];
    char profile[32];
} fixture;

/* A flat string value of image.json ("key": "value"); the personal fields are unique keys. */
static int json_str(const char *dir, const char *key, char *out, size_t cap)
{
    char path[512];
    char buf[8192];
    char pat[64];
    const char *at;
    const char *end;
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/image.json", dir);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(pat, sizeof(pat), "\"%s\": \"", key);
    at = strstr(buf, pat);
    if (at == NULL)
        return -1;
    at += strlen(pat);
    end = strchr(at, '"');
    if (end == NULL || (size_t)(end - at) >= cap)
        return -1;
    memcpy(out, at, (size_t)(end - at));
    out[end - at] = '\0';
    return 0;
}

static unsigned char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    unsigned char *buf;
    long n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static EVP_PKEY *load_key(const char *dir)
{
    char path[512];
    EVP_PKEY *k;
    FILE *f;

    snprintf(path, sizeof(path), "%s/key.pem", dir);
    f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static int setup(void **state)
{
    static unsigned counter;
    fixture *fx = calloc(1, sizeof(*fx));
    char cmd[600];
    const tscns_transport_ops *ops = NULL;

    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/cardio-unit-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    snprintf(cmd, sizeof(cmd), "cp -R '%s'/. '%s'/", g_image, fx->dir);
    if (system(cmd) != 0)
        return -1;
    /* A reader name per test: the certificate cache is per process, keyed by reader, serial and
     * profile. */
    snprintf(fx->reader, sizeof(fx->reader), "vcard %u", counter++);
    if (json_str(fx->dir, "pin", fx->pin, sizeof(fx->pin)) != 0 ||
        json_str(fx->dir, "puk", fx->puk, sizeof(fx->puk)) != 0 ||
        json_str(fx->dir, "serial", fx->serial, sizeof(fx->serial)) != 0 ||
        json_str(fx->dir, "profile", fx->profile, sizeof(fx->profile)) != 0)
        return -1;
    if (vcard_transport_open(fx->dir, &ops, &fx->self) != TSCNS_OK)
        return -1;
    if (tscns_card_open_transport(ops, fx->self, fx->reader, &fx->card) != TSCNS_OK)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char cmd[300];

    tscns_card_close(fx->card);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static vcard *engine(fixture *fx)
{
    return vcard_transport_engine(fx->self);
}

static void identity(void **state)
{
    fixture *fx = *state;
    char serial[17];

    assert_string_equal(tscns_card_family(fx->card), fx->profile);
    assert_non_null(tscns_card_family_description(fx->card));
    assert_int_equal(tscns_card_serial(fx->card, serial), TSCNS_OK);
    assert_string_equal(serial, fx->serial);
}

static void personal_data(void **state)
{
    fixture *fx = *state;
    tscns_personal p;

    assert_int_equal(tscns_card_personal(fx->card, &p), TSCNS_OK);
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        char want[256];

        assert_int_equal(json_str(fx->dir, tscns_personal_field_name((tscns_personal_field)f), want,
                                  sizeof(want)),
                         0);
        assert_string_equal(p.field[f], want);
    }
}

static void certificate_and_cache(void **state)
{
    fixture *fx = *state;
    const uint8_t *der = NULL;
    size_t len = 0;
    size_t want_len = 0;
    unsigned char *want = slurp(fx->dir, "cert.der", &want_len);
    unsigned long before;
    size_t k = 0;

    assert_non_null(want);
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    /* Read once per process: asking again costs no APDU. */
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);
    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    {
        EVP_PKEY *key = load_key(fx->dir);

        assert_non_null(key);
        assert_int_equal((int)(k * 8), EVP_PKEY_get_bits(key));
        EVP_PKEY_free(key);
    }
    free(want);
}

/* Compare the card's raw RSA with OpenSSL's on key.pem, and check it with the public key. */
static void check_rsa(fixture *fx)
{
    EVP_PKEY *key = load_key(fx->dir);
    uint8_t in[512], out[512], ref[512], back[512];
    size_t k = 0, out_len = sizeof(out), ref_len = sizeof(ref), back_len = sizeof(back);
    EVP_PKEY_CTX *c;
    const uint8_t *der = NULL;
    const unsigned char *p;
    size_t der_len = 0;
    X509 *x;

    assert_non_null(key);
    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    assert_int_equal(RAND_bytes(in, (int)k), 1);
    in[0] = 0x00; /* below the modulus */
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
    assert_int_equal(out_len, k);

    c = EVP_PKEY_CTX_new(key, NULL);
    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(c, ref, &ref_len, in, k), 1);
    assert_int_equal(ref_len, k);
    assert_memory_equal(out, ref, k);
    EVP_PKEY_CTX_free(c);

    assert_int_equal(tscns_card_certificate(fx->card, &der, &der_len), TSCNS_OK);
    p = der;
    x = d2i_X509(NULL, &p, (long)der_len);
    assert_non_null(x);
    c = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL);
    assert_int_equal(EVP_PKEY_verify_recover_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_verify_recover(c, back, &back_len, out, k), 1);
    assert_int_equal(back_len, k);
    assert_memory_equal(back, in, k);
    EVP_PKEY_CTX_free(c);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void sign_needs_pin_then_works(void **state)
{
    fixture *fx = *state;
    uint8_t in[512] = {0}, out[512];
    size_t k = 0, out_len = sizeof(out);
    int tries = 9;

    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    in[k - 1] = 1;
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_E_SECURITY);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    assert_true(tscns_card_pin_verified(fx->card));
    check_rsa(fx);
    /* A later signature costs exactly MSE RESTORE, MSE SET, PSO DECIPHER. */
    {
        unsigned long before = vcard_apdu_count(engine(fx));

        out_len = sizeof(out);
        assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
        assert_int_equal(vcard_apdu_count(engine(fx)) - before, 3);
    }
}

static void wrong_pin_never_resent(void **state)
{
    fixture *fx = *state;
    char wrong[16];
    unsigned long before;
    int tries = 9;

    snprintf(wrong, sizeof(wrong), "%s", strcmp(fx->pin, "11111") == 0 ? "22222" : "11111");
    assert_int_equal(tscns_card_verify_pin(fx->card, wrong, &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_int_equal(vcard_pin_tries(engine(fx)), 2);
    assert_int_equal(tscns_card_pin_tries_known(fx->card), 2);
    assert_false(tscns_card_pin_verified(fx->card));

    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_verify_pin(fx->card, wrong, &tries), TSCNS_E_PIN_REJECTED);
    assert_int_equal(tries, 2);
    /* Refused by the handle: not one APDU, the card's counter untouched. */
    assert_int_equal(vcard_apdu_count(engine(fx)), before);
    assert_int_equal(vcard_pin_tries(engine(fx)), 2);
    /* Changing the PIN with it as the old PIN is refused the same way. */
    assert_int_equal(tscns_card_change_pin(fx->card, wrong, "24680", &tries), TSCNS_E_PIN_REJECTED);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);

    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    assert_int_equal(vcard_pin_tries(engine(fx)), 3);
    assert_true(tscns_card_pin_verified(fx->card));
}

static void change_pin(void **state)
{
    fixture *fx = *state;
    int tries = 9;

    assert_int_equal(tscns_card_change_pin(fx->card, "99999", "13579", &tries),
                     TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_int_equal(tscns_card_change_pin(fx->card, fx->pin, "13579", &tries), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, "13579", &tries), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tscns_card_change_pin(fx->card, "13579", fx->pin, &tries), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
}

static void block_and_unblock(void **state)
{
    fixture *fx = *state;
    unsigned long before;
    int tries = 9;

    assert_int_equal(tscns_card_verify_pin(fx->card, "00001", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tscns_card_verify_pin(fx->card, "00002", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 1);
    assert_int_equal(tscns_card_verify_pin(fx->card, "00003", &tries), TSCNS_E_PIN_BLOCKED);
    assert_int_equal(tries, 0);
    assert_int_equal(vcard_pin_tries(engine(fx)), 0);
    /* Blocked: even the right PIN is not sent. */
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_E_PIN_BLOCKED);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);

    assert_int_equal(tscns_card_unblock_pin(fx->card, "00000000", "11223", &tries),
                     TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_int_equal(vcard_puk_tries(engine(fx)), 2);
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_unblock_pin(fx->card, "00000000", "11223", &tries),
                     TSCNS_E_PIN_REJECTED);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);

    assert_int_equal(tscns_card_unblock_pin(fx->card, fx->puk, "11223", &tries), TSCNS_OK);
    assert_int_equal(vcard_pin_tries(engine(fx)), 3);
    assert_int_equal(vcard_puk_tries(engine(fx)), 3);
    /* "00001" was rejected as the old PIN; the new PIN is accepted and works. */
    assert_int_equal(tscns_card_verify_pin(fx->card, "11223", &tries), TSCNS_OK);
}

/* A different certificate for the same key: the card's certificate with a new serial. */
static unsigned char *renewed(fixture *fx, int *len)
{
    size_t der_len = 0;
    unsigned char *der = slurp(fx->dir, "cert.der", &der_len);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)der_len);
    EVP_PKEY *key = load_key(fx->dir);
    ASN1_INTEGER *sn = ASN1_INTEGER_new();
    unsigned char *out = NULL;

    assert_non_null(x);
    assert_int_equal(ASN1_INTEGER_set(sn, 424242), 1);
    assert_int_equal(X509_set_serialNumber(x, sn), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    *len = i2d_X509(x, &out);
    assert_true(*len > 0);
    ASN1_INTEGER_free(sn);
    EVP_PKEY_free(key);
    X509_free(x);
    free(der);
    return out;
}

static void write_certificate(void **state)
{
    fixture *fx = *state;
    const uint8_t *der = NULL;
    size_t len = 0, file_len = 0, old_len = 0;
    unsigned char *old = slurp(fx->dir, "cert.der", &old_len);
    int new_len = 0;
    unsigned char *fresh = renewed(fx, &new_len);
    unsigned char *file;
    int tries = 9;

    assert_non_null(old);
    assert_int_equal(tscns_card_write_certificate(fx->card, fresh, (size_t)new_len),
                     TSCNS_E_SECURITY);
    assert_int_equal(tscns_card_verify_puk(fx->card, "00000000", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_int_equal(tscns_card_verify_puk(fx->card, fx->puk, &tries), TSCNS_OK);
    assert_int_equal(tscns_card_write_certificate(fx->card, fresh, (size_t)new_len), TSCNS_OK);
    /* The cache follows the write. */
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_int_equal(len, (size_t)new_len);
    assert_memory_equal(der, fresh, len);
    /* And the card's file holds it (the engine's persistent state). */
    file = slurp(fx->dir, "ef_cert.bin", &file_len);
    assert_non_null(file);
    assert_true(file_len >= (size_t)new_len);
    assert_memory_equal(file, fresh, (size_t)new_len);
    free(file);
    /* Put the original back. */
    assert_int_equal(tscns_card_write_certificate(fx->card, old, old_len), TSCNS_OK);
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_memory_equal(der, old, old_len);
    /* Malformed input is refused before any APDU. */
    assert_int_equal(tscns_card_write_certificate(fx->card, old, old_len - 1), TSCNS_E_INVALID_ARG);
    free(old);
    OPENSSL_free(fresh);
}

/* A number of image.json ("key": 123). */
static long json_num(const char *dir, const char *key)
{
    char path[512];
    char buf[8192];
    char pat[64];
    const char *at;
    size_t n;
    FILE *f;

    snprintf(path, sizeof(path), "%s/image.json", dir);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    at = strstr(buf, pat);
    return at != NULL ? strtol(at + strlen(pat), NULL, 10) : -1;
}

static void certificate_too_large(void **state)
{
    fixture *fx = *state;
    long capacity = json_num(fx->dir, "cert_capacity");
    size_t reported = 0, old_len = 0, file_len = 0;
    unsigned char *old = slurp(fx->dir, "cert.der", &old_len);
    unsigned char *file;
    uint8_t *big;
    size_t big_len;
    int tries = 9;

    assert_true(capacity > 0);
    assert_non_null(old);
    assert_int_equal(tscns_card_certificate_capacity(fx->card, &reported), TSCNS_OK);
    /* The card says its file size in the FCI, or nothing (0): never something else. Without
     * it, cardio finds the end of the file by reading before it writes. */
    assert_true(reported == 0 || reported == (size_t)capacity);
    big_len = (size_t)capacity + 1;
    big = calloc(1, big_len);
    assert_non_null(big);
    big[0] = 0x30;
    big[1] = 0x82;
    big[2] = (uint8_t)((big_len - 4) >> 8);
    big[3] = (uint8_t)(big_len - 4);
    assert_int_equal(tscns_card_verify_puk(fx->card, fx->puk, &tries), TSCNS_OK);
    assert_int_equal(tscns_card_write_certificate(fx->card, big, big_len), TSCNS_E_TOO_LARGE);
    /* Refused before the first UPDATE BINARY: the card still holds its certificate. */
    file = slurp(fx->dir, "ef_cert.bin", &file_len);
    assert_non_null(file);
    assert_memory_equal(file, old, old_len);
    free(file);
    free(big);
    free(old);
}

/*
 * Another program on the same card: a second cardio handle under another reader name (so it
 * has its own cache entry) whose transport talks to this fixture's engine, and whose reset
 * reaches this fixture's handle the way pcscd's SCARD_W_RESET_CARD does.
 */
typedef struct other_program {
    fixture *fx;
    uint8_t answer[VCARD_MAX_RESPONSE];
} other_program;

static tscns_err op_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    other_program *o = self;
    size_t len;
    const uint8_t *a = vcard_atr(engine(o->fx), &len);

    if (*atr_len < len)
        return TSCNS_E_INVALID_ARG;
    memcpy(atr, a, len);
    *atr_len = len;
    return TSCNS_OK;
}

static tscns_err op_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t *resp_len)
{
    other_program *o = self;
    size_t n = vcard_transmit(engine(o->fx), cmd, cmd_len, o->answer);

    if (n > *resp_len)
        return TSCNS_E_TOO_LARGE;
    memcpy(resp, o->answer, n);
    *resp_len = n;
    return TSCNS_OK;
}

static tscns_err op_begin(void *self)
{
    (void)self;
    return TSCNS_OK;
}

static void op_end(void *self)
{
    (void)self;
}

static int op_was_reset(void *self)
{
    (void)self;
    return 0;
}

static void op_close(void *self)
{
    free(self);
}

static tscns_err op_reset(void *self)
{
    other_program *o = self;

    vcard_transport_reset(o->fx->self);
    return TSCNS_OK;
}

static const tscns_transport_ops other_ops = {
    .connect = op_connect,
    .transmit = op_transmit,
    .begin = op_begin,
    .end = op_end,
    .was_reset = op_was_reset,
    .close = op_close,
    .reset = op_reset,
};

/* A renewed certificate written by another program is served once the card was reset. */
static void certificate_fresh_after_reset(void **state)
{
    fixture *fx = *state;
    other_program *o = calloc(1, sizeof(*o));
    char reader[80];
    tscns_card *other = NULL;
    const uint8_t *der = NULL, *old_der = NULL;
    size_t len = 0, old_len = 0, k = 0;
    uint8_t in[512] = {0}, out[512];
    size_t out_len = sizeof(out);
    int new_len = 0;
    unsigned char *fresh = renewed(fx, &new_len);
    unsigned long before;
    int tries = 9;

    assert_non_null(o);
    o->fx = fx;
    snprintf(reader, sizeof(reader), "%s (other program)", fx->reader);
    assert_int_equal(tscns_card_certificate(fx->card, &old_der, &old_len), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    assert_int_equal(tscns_card_open_transport(&other_ops, o, reader, &other), TSCNS_OK);
    assert_int_equal(tscns_card_verify_puk(other, fx->puk, &tries), TSCNS_OK);
    assert_int_equal(tscns_card_write_certificate(other, fresh, (size_t)new_len), TSCNS_OK);
    assert_int_equal(tscns_card_reset(other), TSCNS_OK);
    /* The writer's reset took the PUK state away on the card. */
    assert_int_equal(tscns_card_write_certificate(other, fresh, (size_t)new_len), TSCNS_E_SECURITY);
    tscns_card_close(other);

    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_true(vcard_apdu_count(engine(fx)) > before);
    assert_int_equal(len, (size_t)new_len);
    assert_memory_equal(der, fresh, len);
    /* The pointer handed out before still holds the old certificate (promised for life). */
    assert_int_equal(old_der[0], 0x30);
    /* Read once again after that: cached. */
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);
    /* The PIN state went with the reset: said once, then VERIFY and a 3-APDU signature. */
    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    in[k - 1] = 5;
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_E_CARD_RESET);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    before = vcard_apdu_count(engine(fx));
    out_len = sizeof(out);
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
    assert_int_equal(vcard_apdu_count(engine(fx)) - before, 3);
    OPENSSL_free(fresh);
}

/* tscns_card_reset(): the card forgets the PIN, this handle too, and reads the certificate
 * again; the same connection goes on working. */
static void own_reset(void **state)
{
    fixture *fx = *state;
    const uint8_t *der = NULL;
    size_t len = 0, k = 0;
    uint8_t in[512] = {0}, out[512];
    size_t out_len = sizeof(out);
    unsigned long before;
    int tries = 9;

    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    in[k - 1] = 6;
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    assert_true(vcard_pin_verified(engine(fx)));
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_reset(fx->card), TSCNS_OK);
    assert_int_equal(vcard_apdu_count(engine(fx)), before);
    assert_false(vcard_pin_verified(engine(fx)));
    assert_false(tscns_card_pin_verified(fx->card));
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_E_SECURITY);
    before = vcard_apdu_count(engine(fx));
    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    assert_true(vcard_apdu_count(engine(fx)) > before);
    /* A card that is gone cannot be reset, and says so. */
    vcard_transport_remove_after(fx->self, 0);
    assert_int_equal(tscns_card_reset(fx->card), TSCNS_E_CARD_REMOVED);
    assert_string_not_equal(tscns_card_detail(fx->card), "");
}

static void reset_by_another_program(void **state)
{
    fixture *fx = *state;
    uint8_t in[512] = {0}, out[512];
    size_t k = 0, out_len = sizeof(out);
    int tries = 9;

    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    in[k - 1] = 2;
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    vcard_transport_reset(fx->self);
    assert_false(tscns_card_pin_verified(fx->card));
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_E_CARD_RESET);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    out_len = sizeof(out);
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
}

static void removal_and_reinsertion(void **state)
{
    fixture *fx = *state;
    tscns_personal p;
    char serial[17];

    /* Pulled after the SELECT, in the middle of the read. */
    vcard_transport_remove_after(fx->self, 1);
    assert_int_equal(tscns_card_personal(fx->card, &p), TSCNS_E_CARD_REMOVED);
    assert_int_equal(tscns_card_personal(fx->card, &p), TSCNS_E_CARD_REMOVED);
    vcard_transport_insert(fx->self);
    assert_int_equal(tscns_card_personal(fx->card, &p), TSCNS_OK);
    assert_int_equal(tscns_card_serial(fx->card, serial), TSCNS_OK);
    assert_string_equal(serial, fx->serial);
}

typedef struct worker {
    fixture *fx;
    EVP_PKEY *key;
    int failures;
} worker;

/* Each thread signs its own blocks and checks them against OpenSSL on key.pem. */
static void *sign_loop(void *arg)
{
    worker *w = arg;
    size_t k = 0;

    if (tscns_card_key_bytes(w->fx->card, &k) != TSCNS_OK) {
        w->failures++;
        return NULL;
    }
    for (int i = 0; i < 8; i++) {
        uint8_t in[512] = {0}, out[512], ref[512];
        size_t out_len = sizeof(out), ref_len = sizeof(ref);
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(w->key, NULL);

        RAND_bytes(in + 1, (int)k - 1);
        if (tscns_card_rsa_private(w->fx->card, in, k, out, &out_len) != TSCNS_OK || c == NULL ||
            EVP_PKEY_sign_init(c) != 1 || EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) != 1 ||
            EVP_PKEY_sign(c, ref, &ref_len, in, k) != 1 || ref_len != out_len ||
            memcmp(ref, out, k) != 0)
            w->failures++;
        EVP_PKEY_CTX_free(c);
    }
    return NULL;
}

static void threads_share_one_card(void **state)
{
    fixture *fx = *state;
    pthread_t t[4];
    worker w[4];
    int tries = 9;

    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.fx = fx, .key = load_key(fx->dir)};
        assert_non_null(w[i].key);
        assert_int_equal(pthread_create(&t[i], NULL, sign_loop, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        EVP_PKEY_free(w[i].key);
    }
    /* 32 signatures, 3 APDUs each, nothing interleaved into a broken sequence. */
    assert_int_equal(vcard_pin_tries(engine(fx)), 3);
}

static void lock_groups_operations(void **state)
{
    fixture *fx = *state;
    int tries = 9;

    assert_int_equal(tscns_card_lock(fx->card), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    check_rsa(fx);
    tscns_card_unlock(fx->card);
    assert_true(tscns_card_pin_verified(fx->card));
}

/* Profiles whose cardio row allows extended APDUs (cardio/profile.c). */
/*
 * APDUs per operation and family, written down by hand from the card's files and the family's
 * quirks (see cardio/README.md); never computed from what cardio does, so that one APDU more or
 * less fails the test. EF_IDCarta costs SELECT + READ; the certificate SELECT, then a first READ
 * of 255 bytes and the rest of its 4+LL bytes (981 B: 3 more short reads; 1113 B: 1 extended
 * read); EF_DatiPersonali SELECT + one READ (its length prefix fits the first 255 bytes).
 * IDEMIA-2021 answers 6A86 to the first SELECT with P2=0C (one more SELECT) and selects its key
 * DF before VERIFY; ACe 2025 selects its AID before the certificate's path.
 */
typedef struct budget {
    const char *profile;
    unsigned long cold_cert;  /* open, then the certificate from the cache */
    unsigned long cold_info;  /* ... and EF_DatiPersonali */
    unsigned long cold_sign;  /* open + certificate + VERIFY + signature */
    unsigned long later_sign; /* MSE RESTORE, MSE SET, PSO DECIPHER */
} budget;

static const budget budgets[] = {
    {"athena", 2 + 1 + 4, 2 + 1 + 4 + 2, 2 + 1 + 4 + 4, 3},
    {"oberthur", 2 + 1 + 4, 2 + 1 + 4 + 2, 2 + 1 + 4 + 4, 3},
    {"cardos", 2 + 1 + 4, 2 + 1 + 4 + 2, 2 + 1 + 4 + 4, 3},
    {"st2021", 2 + 1 + 2, 2 + 1 + 2 + 2, 2 + 1 + 2 + 4, 3},
    {"idemia2021", 2 + 1 + 2 + 1, 2 + 1 + 2 + 1 + 2, 2 + 1 + 2 + 1 + 4 + 1, 3},
    {"ace2025", 2 + 1 + 2 + 1, 2 + 1 + 2 + 1 + 2, 2 + 1 + 2 + 1 + 4, 3},
};

static void apdu_budgets(void **state)
{
    fixture *fx = *state;
    const budget *want = NULL;
    const uint8_t *der = NULL;
    size_t len = 0, k = 0;
    uint8_t in[512] = {0}, out[512];
    size_t out_len = sizeof(out);
    unsigned long open_cost, personal_cost, sign_cost, later;
    tscns_personal p;
    int tries = 9;

    for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++)
        if (strcmp(budgets[i].profile, fx->profile) == 0)
            want = &budgets[i];
    assert_non_null(want);

    assert_int_equal(tscns_card_certificate(fx->card, &der, &len), TSCNS_OK);
    open_cost = vcard_apdu_count(engine(fx));
    /* What the card saw, not only what cardio counted. */
    assert_int_equal(open_cost, tscns_card_apdu_count(fx->card));
    print_message("%s: cold tscns cert: %lu APDUs (certificate %zu bytes)\n", fx->profile,
                  open_cost, len);
    assert_int_equal(open_cost, want->cold_cert);

    assert_int_equal(tscns_card_personal(fx->card, &p), TSCNS_OK);
    personal_cost = vcard_apdu_count(engine(fx)) - open_cost;
    print_message("%s: cold tscns info: %lu APDUs\n", fx->profile, open_cost + personal_cost);
    assert_int_equal(open_cost + personal_cost, want->cold_info);

    /* The personal data read above excluded. */
    assert_int_equal(tscns_card_key_bytes(fx->card, &k), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(fx->card, fx->pin, &tries), TSCNS_OK);
    in[k - 1] = 3;
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
    sign_cost = vcard_apdu_count(engine(fx)) - open_cost - personal_cost;
    print_message("%s: cold open + certificate + VERIFY + signature: %lu APDUs\n", fx->profile,
                  open_cost + sign_cost);
    assert_int_equal(open_cost + sign_cost, want->cold_sign);

    later = vcard_apdu_count(engine(fx));
    out_len = sizeof(out);
    assert_int_equal(tscns_card_rsa_private(fx->card, in, k, out, &out_len), TSCNS_OK);
    later = vcard_apdu_count(engine(fx)) - later;
    print_message("%s: later signature: %lu APDUs\n", fx->profile, later);
    assert_int_equal(later, want->later_sign);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identity, setup, teardown),
        cmocka_unit_test_setup_teardown(personal_data, setup, teardown),
        cmocka_unit_test_setup_teardown(certificate_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(sign_needs_pin_then_works, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_pin_never_resent, setup, teardown),
        cmocka_unit_test_setup_teardown(change_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(block_and_unblock, setup, teardown),
        cmocka_unit_test_setup_teardown(write_certificate, setup, teardown),
        cmocka_unit_test_setup_teardown(certificate_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(certificate_fresh_after_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(own_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(reset_by_another_program, setup, teardown),
        cmocka_unit_test_setup_teardown(removal_and_reinsertion, setup, teardown),
        cmocka_unit_test_setup_teardown(threads_share_one_card, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_groups_operations, setup, teardown),
        cmocka_unit_test_setup_teardown(apdu_budgets, setup, teardown),
    };

    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE_DIR\n", argv[0]);
        return 2;
    }
    g_image = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
