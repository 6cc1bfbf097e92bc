/* Unit tests of the card engine and the in-process transport (docs/card.md section 4). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "engine_internal.h"
#include "vcard_transport.h"

static const char *mkcard_path;
static char base_dir[] = "/tmp/vcard-engine-test.XXXXXX";
static int image_seq;

/* A fresh image: the tests change PIN counters and files, which persist in the image. */
static void make_image(const char *profile, char *dir, size_t dir_len)
{
    snprintf(dir, dir_len, "%s/%s-%d", base_dir, profile, image_seq++);
    char ca[300];
    snprintf(ca, sizeof(ca), "%s/ca.pem", base_dir);
    int have_ca = access(ca, R_OK) == 0;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) {
            _exit(126);
        }
        execl(mkcard_path, mkcard_path, "--profile", profile, "--out", dir,
              have_ca ? "--ca" : (char *)NULL, base_dir, (char *)NULL);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static vcard *open_card(const char *profile, char *dir, size_t dir_len)
{
    char err[256];
    vcard *v = NULL;
    make_image(profile, dir, dir_len);
    assert_int_equal(vcard_open(dir, &v, err, sizeof(err)), 0);
    return v;
}

static vcard *reopen(vcard *v, const char *dir)
{
    char err[256];
    vcard_close(v);
    assert_int_equal(vcard_open(dir, &v, err, sizeof(err)), 0);
    return v;
}

typedef struct answer {
    uint8_t data[VCARD_MAX_RESPONSE];
    size_t len; /* data bytes, without the SW */
    uint16_t sw;
} answer;

static uint16_t send_bytes(vcard *v, const uint8_t *cmd, size_t len, answer *a)
{
    size_t n = vcard_transmit(v, cmd, len, a->data);
    assert_true(n >= 2);
    a->len = n - 2;
    a->sw = (uint16_t)(a->data[n - 2] << 8 | a->data[n - 1]);
    return a->sw;
}

static uint16_t tx(vcard *v, const char *hex, answer *a)
{
    uint8_t cmd[512];
    long n = vc_hex_decode(hex, cmd, sizeof(cmd));
    assert_true(n >= 4);
    return send_bytes(v, cmd, (size_t)n, a);
}

static size_t read_file(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static EVP_PKEY *card_public_key(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/cert.pem", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    EVP_PKEY *pk = X509_get_pubkey(x);
    X509_free(x);
    return pk;
}

/* The card's answer raised to e must give back the block: the raw RSA private operation. */
static void assert_raw_rsa(const char *dir, const uint8_t *block, const uint8_t *sig, size_t k)
{
    EVP_PKEY *pk = card_public_key(dir);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
    uint8_t back[512];
    size_t back_len = sizeof(back);
    assert_true(EVP_PKEY_verify_recover_init(ctx) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0);
    assert_true(EVP_PKEY_verify_recover(ctx, back, &back_len, sig, k) > 0);
    assert_int_equal(back_len, k);
    assert_memory_equal(back, block, k);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pk);
}

/* A PSO DECIPHER block below any modulus: 00 01 FF.. 00 <payload>, like a PKCS#1 v1.5 block. */
static void make_block(uint8_t *block, size_t k)
{
    memset(block, 0xFF, k);
    block[0] = 0x00;
    block[1] = 0x01;
    block[k - 21] = 0x00;
    for (size_t i = k - 20; i < k; i++) {
        block[i] = (uint8_t)i;
    }
}

/* PSO DECIPHER as one APDU: short when Lc fits, else extended. */
static size_t pso_apdu(uint8_t *cmd, const uint8_t *block, size_t k)
{
    size_t n = 0;
    cmd[n++] = 0x00, cmd[n++] = 0x2A, cmd[n++] = 0x80, cmd[n++] = 0x86;
    if (k + 1 <= 255) {
        cmd[n++] = (uint8_t)(k + 1);
    } else {
        cmd[n++] = 0x00, cmd[n++] = (uint8_t)((k + 1) >> 8), cmd[n++] = (uint8_t)(k + 1);
    }
    cmd[n++] = 0x00;
    memcpy(cmd + n, block, k);
    n += k;
    if (k + 1 <= 255) {
        cmd[n++] = 0x00;
    } else {
        cmd[n++] = 0x00, cmd[n++] = 0x00;
    }
    return n;
}

static void test_select_and_read(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    uint8_t serial[16];
    vcard *v = open_card("athena", dir, sizeof(dir));
    assert_int_equal(read_file(dir, "ef_idcarta.bin", serial, sizeof(serial)), 16);

    assert_int_equal(tx(v, "00B0000010", &a), 0x6986); /* no current EF */
    assert_int_equal(tx(v, "00A4080C0410001003", &a), 0x9000);
    assert_int_equal(a.len, 0);
    assert_int_equal(tx(v, "00B0000010", &a), 0x9000);
    assert_int_equal(a.len, 16);
    assert_memory_equal(a.data, serial, 16);
    /* fewer bytes left than asked: the rest and 6282 */
    assert_int_equal(tx(v, "00B0000A14", &a), 0x6282);
    assert_int_equal(a.len, 6);
    assert_memory_equal(a.data, serial + 10, 6);
    assert_int_equal(tx(v, "00B0001001", &a), 0x6B00);

    /* FCI with the file size of the certificate EF */
    assert_int_equal(tx(v, "00A40800041100110100", &a), 0x9000);
    static const uint8_t fci[] = {0x6F, 0x0B, 0x83, 0x02, 0x11, 0x01, 0x82,
                                  0x01, 0x01, 0x80, 0x02, 0x08, 0x00};
    assert_int_equal(a.len, sizeof(fci));
    assert_memory_equal(a.data, fci, sizeof(fci));
    /* a short Le for the FCI: told the right one */
    assert_int_equal(tx(v, "00A40800041100110105", &a), 0x6C0D);

    /* select by FID, step by step, and the ISO neighbours of the current DF */
    assert_int_equal(tx(v, "00A4000C023F00", &a), 0x9000);
    assert_int_equal(tx(v, "00A4000C021100", &a), 0x9000);
    assert_int_equal(tx(v, "00A4000C021102", &a), 0x9000);
    assert_int_equal(tx(v, "00B0000006", &a), 0x9000);
    assert_int_equal(tx(v, "00A4000C021000", &a), 0x9000); /* a sibling DF of 1100 */
    assert_int_equal(tx(v, "00A4000C021003", &a), 0x9000);
    assert_int_equal(tx(v, "00A4000C021101", &a), 0x6A82); /* not a child of 1000 */
    assert_int_equal(tx(v, "00A4080C0414009001", &a), 0x6A82);
    vcard_close(v);
}

static void test_errors(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    assert_int_equal(tx(v, "00A40810021100", &a), 0x6A86); /* P2 asks for FMD */
    assert_int_equal(tx(v, "00A4070C021100", &a), 0x6A86);
    assert_int_equal(tx(v, "00A4080C03110011", &a), 0x6700);
    assert_int_equal(tx(v, "00A4080C041100", &a), 0x6700); /* Lc says 4, 2 bytes follow */
    assert_int_equal(tx(v, "00CA000000", &a), 0x6D00);
    assert_int_equal(tx(v, "80A4000C023F00", &a), 0x6E00);
    assert_int_equal(tx(v, "00B00000", &a), 0x6700);
    /* athena takes no extended APDUs */
    assert_int_equal(tx(v, "00A4080C0411001101", &a), 0x9000);
    assert_int_equal(tx(v, "00B00000000100", &a), 0x6700);
    assert_int_equal(tx(v, "0084000008", &a), 0x9000);
    assert_int_equal(a.len, 8);
    assert_int_equal(tx(v, "00840000", &a), 0x6700);
    vcard_close(v);
}

static void test_pin_block_persists(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    /* wrong PIN "11111111" three times: 63C2, 63C1, then blocked */
    assert_int_equal(tx(v, "002000100831313131313131FF", &a), 0x63C2);
    assert_int_equal(tx(v, "00200010083131313131FFFFFF", &a), 0x63C1);
    assert_int_equal(tx(v, "00200010083131313131FFFFFF", &a), 0x6983);
    /* the right PIN is not even compared any more */
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x6983);
    v = reopen(v, dir);
    assert_int_equal(vcard_pin_tries(v), 0);
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x6983);
    /* unblock with the PUK, new PIN 24680 */
    assert_int_equal(tx(v, "002C00101038373635343332313234363830FFFFFF", &a), 0x9000);
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x63C2);
    assert_int_equal(tx(v, "00200010083234363830FFFFFF", &a), 0x9000);
    assert_int_equal(vcard_pin_tries(v), 3);
    vcard_close(v);
}

static void test_puk_kills_card(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("oberthur", dir, sizeof(dir));
    for (int i = 0; i < 3; i++) {
        tx(v, "00200010083131313131FFFFFF", &a);
    }
    assert_int_equal(a.sw, 0x6983);
    assert_int_equal(tx(v,
                        "002C0010103131313131313131"
                        "3131313131FFFFFF",
                        &a),
                     0x63C2);
    assert_int_equal(tx(v,
                        "002C0010103131313131313131"
                        "3131313131FFFFFF",
                        &a),
                     0x63C1);
    assert_int_equal(tx(v,
                        "002C0010103131313131313131"
                        "3131313131FFFFFF",
                        &a),
                     0x6983);
    v = reopen(v, dir);
    /* dead: even the right PUK is refused, and the PIN stays blocked */
    assert_int_equal(tx(v, "002C00101038373635343332313131313131FFFFFF", &a), 0x6983);
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x6983);
    assert_int_equal(vcard_puk_tries(v), 0);
    vcard_close(v);
}

static void test_empty_verify(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    assert_int_equal(tx(v, "0020001000", &a), 0x63C3);
    assert_int_equal(tx(v, "00200010", &a), 0x63C3);
    assert_int_equal(vcard_pin_tries(v), 3);
    vcard_close(v);
    /* cardos counts an empty VERIFY as a wrong PIN: why clients must never send one */
    v = open_card("cardos", dir, sizeof(dir));
    assert_int_equal(tx(v, "00200010", &a), 0x63C2);
    assert_int_equal(vcard_pin_tries(v), 2);
    vcard_close(v);
}

static void test_change_pin(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    /* a malformed new PIN costs no try */
    assert_int_equal(tx(v,
                        "00240010103132333435363738"
                        "3132FFFFFFFFFFFF",
                        &a),
                     0x6A80);
    assert_int_equal(vcard_pin_tries(v), 3);
    assert_int_equal(tx(v,
                        "00240010103131313131313131"
                        "3131313131FFFFFF",
                        &a),
                     0x63C2);
    assert_int_equal(tx(v,
                        "00240010103132333435363738"
                        "3131313131FFFFFF",
                        &a),
                     0x9000);
    v = reopen(v, dir);
    assert_int_equal(tx(v, "00200010083131313131FFFFFF", &a), 0x9000);
    vcard_close(v);
}

static void sign_and_check(vcard *v, const char *dir, size_t k)
{
    uint8_t block[256], cmd[300];
    answer a;
    make_block(block, k);
    assert_int_equal(tx(v, "0022F30300", &a), 0x9000);
    assert_int_equal(tx(v, "0022F1B803830101", &a), 0x9000);
    assert_int_equal(send_bytes(v, cmd, pso_apdu(cmd, block, k), &a), 0x9000);
    assert_int_equal(a.len, k);
    assert_raw_rsa(dir, block, a.data, k);
}

static void test_sign_1024(void **state)
{
    (void)state;
    char dir[256];
    uint8_t block[128], cmd[200];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    make_block(block, 128);
    assert_int_equal(tx(v, "0022F30300", &a), 0x9000);
    assert_int_equal(tx(v, "0022F1B803830101", &a), 0x9000);
    assert_int_equal(send_bytes(v, cmd, pso_apdu(cmd, block, 128), &a), 0x6982);
    assert_int_equal(tx(v, "0022F1B803830102", &a), 0x6A88); /* no key 02 here */
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x9000);
    /* one byte short of the modulus */
    size_t n = pso_apdu(cmd, block, 127);
    assert_int_equal(send_bytes(v, cmd, n, &a), 0x6700);
    sign_and_check(v, dir, 128);
    /* a reset drops the PIN state */
    vcard_power_on(v);
    assert_int_equal(tx(v, "0022F1B803830101", &a), 0x9000);
    assert_int_equal(send_bytes(v, cmd, pso_apdu(cmd, block, 128), &a), 0x6982);
    vcard_close(v);
}

static void test_sign_2048_st2021(void **state)
{
    (void)state;
    char dir[256];
    uint8_t block[256], cmd[300];
    answer a;
    vcard *v = open_card("st2021", dir, sizeof(dir));
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x6A88); /* ref is 0x90 */
    assert_int_equal(tx(v, "00200090083132333435363738", &a), 0x9000);
    sign_and_check(v, dir, 256);
    /* no command chaining on ST 2021 */
    make_block(block, 256);
    cmd[0] = 0x10, cmd[1] = 0x2A, cmd[2] = 0x80, cmd[3] = 0x86, cmd[4] = 0x80;
    cmd[5] = 0x00;
    memcpy(cmd + 6, block, 127);
    assert_int_equal(send_bytes(v, cmd, 5 + 0x80, &a), 0x6E00);
    vcard_close(v);
}

static void test_idemia_layout_and_chaining(void **state)
{
    (void)state;
    char dir[256];
    uint8_t block[256], cmd[300];
    answer a;
    vcard *v = open_card("idemia2021", dir, sizeof(dir));
    assert_int_equal(tx(v, "00A4080C0411001101", &a), 0x6A86); /* P2=0C refused */
    assert_int_equal(tx(v, "00A40800041100110100", &a), 0x6A82);
    assert_int_equal(tx(v, "00A408000614009001200200", &a), 0x9000);
    assert_int_equal(tx(v, "00B0000004", &a), 0x9000);
    assert_int_equal(a.data[0], 0x30);
    /* the key DF must be current for VERIFY and MSE */
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x6A88);
    assert_int_equal(tx(v, "00A408000414009002", &a), 0x9000);
    assert_int_equal(tx(v, "00200010083132333435363738", &a), 0x9000);
    assert_int_equal(tx(v, "0022F30300", &a), 0x9000);
    assert_int_equal(tx(v, "0022F1B803830101", &a), 0x6A88);
    assert_int_equal(tx(v, "0022F1B803830102", &a), 0x9000);
    /* chaining accepted here: 0x80 bytes, then the rest */
    make_block(block, 256);
    uint8_t whole[257];
    whole[0] = 0x00;
    memcpy(whole + 1, block, 256);
    memcpy(cmd, "\x10\x2A\x80\x86\x80", 5);
    memcpy(cmd + 5, whole, 0x80);
    assert_int_equal(send_bytes(v, cmd, 5 + 0x80, &a), 0x9000);
    memcpy(cmd, "\x00\x2A\x80\x86\x81", 5);
    memcpy(cmd + 5, whole + 0x80, 0x81);
    cmd[5 + 0x81] = 0x00;
    assert_int_equal(send_bytes(v, cmd, 6 + 0x81, &a), 0x9000);
    assert_int_equal(a.len, 256);
    assert_raw_rsa(dir, block, a.data, 256);
    /* GET CHALLENGE capped at 32 */
    assert_int_equal(tx(v, "0084000020", &a), 0x9000);
    assert_int_equal(tx(v, "0084000021", &a), 0x6C20);
    vcard_close(v);
}

static void test_ace2025(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    uint8_t der[4];
    vcard *v = open_card("ace2025", dir, sizeof(dir));
    assert_int_equal(read_file(dir, "cert.der", der, sizeof(der)), 4);
    assert_int_equal(tx(v, "00A4090C04DA01C001", &a), 0x6A82); /* not before the AID */
    assert_int_equal(tx(v,
                        "00A4040C0CA00000053000"
                        "0B104001021A",
                        &a),
                     0x9000);
    assert_int_equal(tx(v, "00A4090004DA01C00100", &a), 0x9000);
    /* this family's FCI has no size: 6F 07 83 02 C0 01 82 01 01 */
    assert_int_equal(a.len, 9);
    assert_int_equal(tx(v, "00B0000004", &a), 0x9000);
    assert_memory_equal(a.data, der, 4);
    vcard_close(v);
}

static void test_update_binary(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    assert_int_equal(tx(v, "00A4080C0411001101", &a), 0x9000);
    assert_int_equal(tx(v, "00D6000002AABB", &a), 0x6982);
    assert_int_equal(tx(v, "00200011083837363534333231", &a), 0x9000); /* the PUK */
    assert_int_equal(tx(v, "00D6010002AABB", &a), 0x9000);
    assert_int_equal(tx(v, "00D607FF02AABB", &a), 0x6A84); /* past the 2048-byte file */
    assert_int_equal(tx(v, "00D6080001AA", &a), 0x6B00);
    assert_int_equal(tx(v, "00A4080C0410001003", &a), 0x9000);
    assert_int_equal(tx(v, "00D6000001AA", &a), 0x6982); /* the serial is never writable */
    v = reopen(v, dir);
    assert_int_equal(tx(v, "00A4080C0411001101", &a), 0x9000);
    assert_int_equal(tx(v, "00B0010002", &a), 0x9000);
    assert_int_equal(a.data[0], 0xAA);
    assert_int_equal(a.data[1], 0xBB);
    vcard_close(v);
}

static void test_log_masks_secrets(void **state)
{
    (void)state;
    char dir[256], path[300], line[512];
    answer a;
    vcard *v = open_card("athena", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/apdu.log", dir);
    assert_int_equal(vcard_set_log(v, path), 0);
    tx(v, "00200010083132333435363738", &a);
    tx(v, "002C00101038373635343332313131313131FFFFFF", &a);
    tx(v, "00A4080C0411001101", &a);
    vcard_close(v);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int lines = 0;
    while (fgets(line, sizeof(line), f)) {
        lines++;
        assert_null(strstr(line, "3132333435"));
        assert_null(strstr(line, "3837363534"));
    }
    fclose(f);
    assert_int_equal(lines, 3);
    f = fopen(path, "r");
    assert_non_null(fgets(line, sizeof(line), f));
    assert_non_null(strstr(line, " VERIFY 0020001008** -> 9000 "));
    fclose(f);
}

static void test_faults(void **state)
{
    (void)state;
    char dir[256];
    answer a;
    uint8_t buf[VCARD_MAX_RESPONSE];
    vcard *v = open_card("athena", dir, sizeof(dir));
    vcard_set_fault(v, VCARD_FAULT_BAD_CERT);
    assert_int_equal(tx(v, "00A4080C0411001101", &a), 0x9000);
    assert_int_equal(tx(v, "00B0000004", &a), 0x9000);
    assert_int_equal(a.data[0], 0x30);
    assert_int_equal(a.data[1], 0x85);
    vcard_set_fault(v, VCARD_FAULT_SHORT_SW);
    static const uint8_t sel_mf[] = {0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00};
    assert_int_equal(vcard_transmit(v, sel_mf, sizeof(sel_mf), buf), 1);
    assert_int_equal(buf[0], 0x90);
    vcard_set_fault(v, VCARD_FAULT_VERIFY_6C);
    int tries = vcard_pin_tries(v);
    assert_int_equal(tx(v, "00200010083132333435FFFFFF", &a), 0x6C08);
    assert_int_equal(vcard_pin_tries(v), tries);
    assert_false(vcard_pin_verified(v));
    vcard_close(v);
}

static void test_transport(void **state)
{
    (void)state;
    char dir[256];
    const tscns_transport_ops *ops;
    void *self;
    uint8_t atr[TSCNS_MAX_ATR], resp[300];
    size_t atr_len = sizeof(atr), resp_len;
    static const uint8_t sel[] = {0x00, 0xA4, 0x08, 0x0C, 0x04, 0x10, 0x00, 0x10, 0x03};
    make_image("st2021", dir, sizeof(dir));
    assert_int_equal(vcard_transport_open(dir, &ops, &self), TSCNS_OK);
    assert_int_equal(ops->connect(self, atr, &atr_len), TSCNS_OK);
    assert_int_equal(atr_len, 25);
    assert_int_equal(atr[0], 0x3B);
    vcard_transport_remove_after(self, 1);
    resp_len = sizeof(resp);
    assert_int_equal(ops->transmit(self, sel, sizeof(sel), resp, &resp_len), TSCNS_OK);
    assert_int_equal(resp_len, 2);
    assert_int_equal(resp[0], 0x90);
    resp_len = sizeof(resp);
    assert_int_equal(ops->transmit(self, sel, sizeof(sel), resp, &resp_len), TSCNS_E_CARD_REMOVED);
    atr_len = sizeof(atr);
    assert_int_equal(ops->connect(self, atr, &atr_len), TSCNS_E_NO_CARD);
    vcard_transport_insert(self);
    atr_len = sizeof(atr);
    assert_int_equal(ops->connect(self, atr, &atr_len), TSCNS_OK);
    assert_int_equal(ops->was_reset(self), 1);
    assert_int_equal(ops->was_reset(self), 0);
    resp_len = sizeof(resp);
    assert_int_equal(ops->transmit(self, sel, sizeof(sel), resp, &resp_len), TSCNS_OK);
    assert_non_null(vcard_transport_engine(self));
    ops->close(self);
}

/* What tscns-mkcard writes, checked against docs/card.md section 3 with code of its own. */
static void test_mkcard_files(void **state)
{
    (void)state;
    char dir[256], field[17][256];
    uint8_t serial[17] = {0}, pd[512];
    make_image("cardos", dir, sizeof(dir));
    assert_int_equal(read_file(dir, "ef_idcarta.bin", serial, 16), 16);
    assert_true(serial[0] >= '5' && serial[0] <= '9');
    int sum = 0;
    for (int i = 15; i >= 0; i--) {
        assert_true(serial[i] >= '0' && serial[i] <= '9');
        int d = (serial[i] - '0') * ((15 - i) % 2 ? 2 : 1);
        sum += d / 10 + d % 10;
    }
    assert_int_equal(sum % 10, 0);

    assert_int_equal(read_file(dir, "ef_datipersonali.bin", pd, sizeof(pd)), 400);
    unsigned total, len;
    assert_int_equal(sscanf((const char *)pd, "%6x", &total), 1);
    size_t at = 6;
    for (int f = 0; f < 16; f++) {
        char hex[3] = {(char)pd[at], (char)pd[at + 1], 0};
        assert_int_equal(sscanf(hex, "%2x", &len), 1);
        memcpy(field[f], pd + at + 2, len);
        field[f][len] = '\0';
        at += 2 + len;
    }
    assert_int_equal(at - 6, total);
    for (size_t i = at; i < 400; i++) {
        assert_int_equal(pd[i], 0);
    }
    assert_string_equal(field[3], "ROSSI");
    assert_string_equal(field[4], "MARIO");
    assert_string_equal(field[8], "RSSMRA80A01H501U");
    assert_int_equal(strlen(field[1]), 8); /* ddmmyyyy */
}

static int make_ca(void **state)
{
    (void)state;
    char dir[300];
    if (!mkdtemp(base_dir)) {
        return -1;
    }
    /* one CA for all images, so that each test only generates a card key */
    make_image("athena", dir, sizeof(dir));
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "cp %s/ca.pem %s/ca.key %s/", dir, dir, base_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_images(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", base_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PATH-TO-tscns-mkcard\n", argv[0]);
        return 2;
    }
    mkcard_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_and_read),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_pin_block_persists),
        cmocka_unit_test(test_puk_kills_card),
        cmocka_unit_test(test_empty_verify),
        cmocka_unit_test(test_change_pin),
        cmocka_unit_test(test_sign_1024),
        cmocka_unit_test(test_sign_2048_st2021),
        cmocka_unit_test(test_idemia_layout_and_chaining),
        cmocka_unit_test(test_ace2025),
        cmocka_unit_test(test_update_binary),
        cmocka_unit_test(test_log_masks_secrets),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_transport),
        cmocka_unit_test(test_mkcard_files),
    };
    return cmocka_run_group_tests(tests, make_ca, remove_images);
}
