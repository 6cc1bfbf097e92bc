/*
 * How cardio reads the certificate and EF_DatiPersonali, command by command: the DER header
 * inside a first 255-byte READ BINARY, the rest in one extended READ BINARY on families that
 * take extended APDUs (255-byte reads elsewhere), exactly 4+LL bytes, a file that ends early
 * refused; EF_DatiPersonali read only as far as its length prefix says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "tscns/card.h"

#define ATHENA_ATR "3BDF18008131FE7D006B020C0182011101434E53103180FC"
#define ST2021_ATR "3BFF1800FF8131FE55006B02091617011101434E531131808D"
#define SELECT_SERIAL "00A4080C0410001003"
#define SELECT_CERT "00A4080C0411001101"
#define SELECT_PERSONAL "00A4080C0411001102"

/* Hex answers are built at run time: a 1000-byte certificate is 2000 hex digits. */
static char hex_pool[8][4096];
static int hex_next;

/* Hex of @p len bytes of a file whose byte i is file[i], from @p off, then @p sw. */
static const char *answer(const uint8_t *file, size_t off, size_t len, const char *sw)
{
    char *out = hex_pool[hex_next++ % 8];
    size_t o = 0;

    for (size_t i = 0; i < len; i++)
        o += (size_t)snprintf(out + o, sizeof(hex_pool[0]) - o, "%02X", file[off + i]);
    snprintf(out + o, sizeof(hex_pool[0]) - o, "%s", sw);
    return out;
}

/* A "certificate": DER header 30 82 LL LL for @p total bytes, then a counting pattern. */
static void make_cert(uint8_t *buf, size_t total)
{
    buf[0] = 0x30;
    buf[1] = 0x82;
    buf[2] = (uint8_t)((total - 4) >> 8);
    buf[3] = (uint8_t)(total - 4);
    for (size_t i = 4; i < total; i++)
        buf[i] = (uint8_t)(i * 7);
}

static void add(fake_card *f, const char *cmd, const char *resp)
{
    f->steps[f->n_steps++] = (fake_step){cmd, resp};
}

static void add_serial(fake_card *f, const char *digit)
{
    static char resp[8][40];
    static int n;
    char *r = resp[n++ % 8];

    for (int i = 0; i < 16; i++)
        memcpy(r + 2 * i, i == 15 ? digit : "35", 2);
    strcpy(r + 32, "9000");
    add(f, SELECT_SERIAL, "9000");
    add(f, "00B0000010", r);
}

static void done(fake_card *f)
{
    assert_false(f->mismatch);
    assert_int_equal(f->next, f->n_steps);
}

/* Short APDUs only: 255 bytes with the header, then 255-byte reads, the last one exact. */
static void certificate_short_reads(void **state)
{
    static uint8_t cert[1000];
    fake_card f = {.atr_hex = ATHENA_ATR};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    make_cert(cert, sizeof(cert));
    add_serial(&f, "31");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 255, "9000"));
    add(&f, "00B000FFFF", answer(cert, 255, 255, "9000"));
    add(&f, "00B001FEFF", answer(cert, 510, 255, "9000"));
    /* 1000 - 765 = 235 = 0xEB: exactly what the header says is left. */
    add(&f, "00B002FDEB", answer(cert, 765, 235, "9000"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 0", &card), TSCNS_OK);
    done(&f);
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_OK);
    assert_int_equal(len, sizeof(cert));
    assert_memory_equal(der, cert, len);
    done(&f);
    tscns_card_close(card);
}

/* Extended APDUs: 255 bytes with the header, then the rest in one extended READ BINARY. */
static void certificate_extended_rest(void **state)
{
    static uint8_t cert[1000];
    fake_card f = {.atr_hex = ST2021_ATR};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    make_cert(cert, sizeof(cert));
    add_serial(&f, "32");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 255, "9000"));
    /* Case 2 extended: 00 then Le 02E9 (745). */
    add(&f, "00B000FF0002E9", answer(cert, 255, 745, "9000"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 1", &card), TSCNS_OK);
    done(&f);
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_OK);
    assert_int_equal(len, sizeof(cert));
    assert_memory_equal(der, cert, len);
    assert_int_equal(tscns_card_apdu_count(card), 5);
    tscns_card_close(card);
}

/* A certificate shorter than 255 bytes costs one READ BINARY; the padding after it is ignored. */
static void certificate_in_first_read(void **state)
{
    static uint8_t file[255];
    fake_card f = {.atr_hex = ATHENA_ATR};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    make_cert(file, 200);
    memset(file + 200, 0, sizeof(file) - 200);
    add_serial(&f, "33");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(file, 0, 255, "9000"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 2", &card), TSCNS_OK);
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_OK);
    assert_int_equal(len, 200);
    assert_memory_equal(der, file, len);
    done(&f);
    tscns_card_close(card);
}

/* The file ends (6282) before the length the header announces: no certificate, no more reads. */
static void certificate_file_ends_early(void **state)
{
    static uint8_t cert[600];
    fake_card f = {.atr_hex = ATHENA_ATR};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    make_cert(cert, sizeof(cert));
    add_serial(&f, "34");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 100, "6282"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 3", &card), TSCNS_OK);
    done(&f);
    /* Asked for, the certificate is read again and refused the same way. */
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 100, "6282"));
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_E_BAD_RESPONSE);
    done(&f);
    /* The second part missing: offset past the end (6B00) after a full first read. */
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 255, "9000"));
    add(&f, "00B000FFFF", answer(cert, 255, 255, "9000"));
    add(&f, "00B001FE5A", "6B00");
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_E_BAD_RESPONSE);
    done(&f);
    tscns_card_close(card);
}

/* EF_DatiPersonali: "000073" says 115 bytes follow; one 255-byte read covers them. */
static void personal_one_read(void **state)
{
    static const char fields[] = "0B"
                                 "ISSUER CODE"
                                 "08"
                                 "01012020"
                                 "08"
                                 "01012030"
                                 "05"
                                 "ROSSI"
                                 "05"
                                 "MARIO"
                                 "08"
                                 "01011980"
                                 "01"
                                 "M"
                                 "03"
                                 "180"
                                 "10"
                                 "RSSMRA80A01H501U"
                                 "02"
                                 "IT"
                                 "04"
                                 "H501"
                                 "02"
                                 "IT"
                                 "00"
                                 "00"
                                 "00"
                                 "00";
    static uint8_t file[400];
    static uint8_t cert[200];
    fake_card f = {.atr_hex = ATHENA_ATR};
    tscns_card *card = NULL;
    tscns_personal p;
    /* Room for any size_t in hex, so the compiler can see no truncation; the file has 6. */
    char prefix[2 * sizeof(size_t) + 1];

    (void)state;
    snprintf(prefix, sizeof(prefix), "%06zX", strlen(fields));
    memcpy(file, prefix, 6);
    memcpy(file + 6, fields, strlen(fields));
    make_cert(cert, sizeof(cert));
    add_serial(&f, "35");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 200, "6282"));
    add(&f, SELECT_PERSONAL, "9000");
    add(&f, "00B00000FF", answer(file, 0, 255, "9000"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 4", &card), TSCNS_OK);
    assert_int_equal(tscns_card_personal(card, &p), TSCNS_OK);
    done(&f);
    assert_string_equal(p.field[TSCNS_PD_SURNAME], "ROSSI");
    assert_string_equal(p.field[TSCNS_PD_CODICE_FISCALE], "RSSMRA80A01H501U");
    tscns_card_close(card);
}

/* A prefix beyond the first read: exactly the missing bytes are read, then the parser decides. */
static void personal_read_to_prefix(void **state)
{
    static uint8_t file[400];
    static uint8_t cert[200];
    fake_card f = {.atr_hex = ATHENA_ATR};
    tscns_card *card = NULL;
    tscns_personal p;
    size_t pos = 6;

    (void)state;
    /* 16 fields; birth record and address of 131 bytes each end the data at 6 + 0x126. */
    memcpy(file, "000126", 6);
    for (int i = 0; i < 16; i++) {
        size_t n = i == TSCNS_PD_BIRTH_RECORD || i == TSCNS_PD_RESIDENCE_ADDRESS ? 131 : 0;

        snprintf((char *)file + pos, 3, "%02zX", n);
        pos += 2;
        memset(file + pos, 'A', n);
        pos += n;
    }
    assert_int_equal(pos, 300);
    make_cert(cert, sizeof(cert));
    add_serial(&f, "36");
    add(&f, SELECT_CERT, "9000");
    add(&f, "00B00000FF", answer(cert, 0, 200, "6282"));
    add(&f, SELECT_PERSONAL, "9000");
    add(&f, "00B00000FF", answer(file, 0, 255, "9000"));
    add(&f, "00B000FF2D", answer(file, 255, 45, "9000"));
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "reads 5", &card), TSCNS_OK);
    assert_int_equal(tscns_card_personal(card, &p), TSCNS_OK);
    done(&f);
    assert_int_equal(strlen(p.field[TSCNS_PD_RESIDENCE_ADDRESS]), 131);
    tscns_card_close(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(certificate_short_reads),   cmocka_unit_test(certificate_extended_rest),
        cmocka_unit_test(certificate_in_first_read), cmocka_unit_test(certificate_file_ends_early),
        cmocka_unit_test(personal_one_read),         cmocka_unit_test(personal_read_to_prefix),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
