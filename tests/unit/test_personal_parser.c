/* The EF_DatiPersonali parser: valid files, empty fields, and malformed input of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tscns/personal.h"

static const char *const sample[TSCNS_PD_COUNT] = {
    "080000", "01022021", "01022027",         "ROSSI", "MARIO", "01011980",
    "M",      "",         "RSSMRA80A01H501U", "ITA",   "H501",  "",
    "",       "H501",     "VIA DEL CORSO 1",  "",
};

/* Build a file the way the card does: 6 hex digits of length, the fields, zero padding to 400. */
static size_t build(uint8_t *buf, size_t cap, const char *const fields[TSCNS_PD_COUNT])
{
    char body[2048] = "";
    size_t o = 0;
    size_t n;

    for (int i = 0; i < TSCNS_PD_COUNT; i++)
        o += (size_t)sprintf(body + o, "%02zX%s", strlen(fields[i]), fields[i]);
    n = (size_t)sprintf((char *)buf, "%06zX%s", o, body);
    memset(buf + n, 0, cap - n);
    return cap;
}

static void valid_file(void **state)
{
    uint8_t buf[400];
    tscns_personal p;

    (void)state;
    assert_int_equal(tscns_parse_personal(buf, build(buf, sizeof(buf), sample), &p), TSCNS_OK);
    for (int i = 0; i < TSCNS_PD_COUNT; i++)
        assert_string_equal(p.field[i], sample[i]);
    assert_string_equal(p.field[TSCNS_PD_CODICE_FISCALE], "RSSMRA80A01H501U");
}

static void lowercase_hex_lengths(void **state)
{
    const char *fields[TSCNS_PD_COUNT];
    uint8_t buf[400];
    tscns_personal p;
    char *at;

    (void)state;
    memcpy(fields, sample, sizeof(fields));
    fields[TSCNS_PD_RESIDENCE_ADDRESS] = "VIA GIUSEPPE GARIBALDI 100"; /* 26 = 0x1A */
    build(buf, sizeof(buf), fields);
    at = strstr((char *)buf, "1AVIA");
    assert_non_null(at);
    at[1] = 'a';
    for (int i = 0; i < 6; i++)
        if (buf[i] >= 'A' && buf[i] <= 'F')
            buf[i] = (uint8_t)(buf[i] - 'A' + 'a');
    assert_int_equal(tscns_parse_personal(buf, sizeof(buf), &p), TSCNS_OK);
    assert_string_equal(p.field[TSCNS_PD_RESIDENCE_ADDRESS], "VIA GIUSEPPE GARIBALDI 100");
}

static void all_fields_empty(void **state)
{
    const char *empty[TSCNS_PD_COUNT];
    uint8_t buf[400];
    tscns_personal p;

    (void)state;
    for (int i = 0; i < TSCNS_PD_COUNT; i++)
        empty[i] = "";
    assert_int_equal(tscns_parse_personal(buf, build(buf, sizeof(buf), empty), &p), TSCNS_OK);
    for (int i = 0; i < TSCNS_PD_COUNT; i++)
        assert_string_equal(p.field[i], "");
}

static void longest_field(void **state)
{
    static char longest[256];
    const char *fields[TSCNS_PD_COUNT];
    uint8_t buf[600];
    tscns_personal p;

    (void)state;
    memset(longest, 'A', 255);
    memcpy(fields, sample, sizeof(fields));
    fields[TSCNS_PD_EXPATRIATION] = longest;
    assert_int_equal(tscns_parse_personal(buf, build(buf, sizeof(buf), fields), &p), TSCNS_OK);
    assert_int_equal(strlen(p.field[TSCNS_PD_EXPATRIATION]), 255);
}

static void expect_bad(const uint8_t *buf, size_t len)
{
    tscns_personal p;

    assert_int_equal(tscns_parse_personal(buf, len, &p), TSCNS_E_BAD_RESPONSE);
}

static void bad_total_length(void **state)
{
    uint8_t buf[400];

    (void)state;
    build(buf, sizeof(buf), sample);
    buf[2] = 'G';
    expect_bad(buf, sizeof(buf));
    build(buf, sizeof(buf), sample);
    buf[0] = ' ';
    expect_bad(buf, sizeof(buf));
}

static void bad_field_length(void **state)
{
    uint8_t buf[400];

    (void)state;
    build(buf, sizeof(buf), sample);
    buf[6] = 'Z'; /* the first field's length */
    expect_bad(buf, sizeof(buf));
    build(buf, sizeof(buf), sample);
    buf[7] = 0x00;
    expect_bad(buf, sizeof(buf));
}

static void field_runs_past_declared_length(void **state)
{
    uint8_t buf[400];

    (void)state;
    build(buf, sizeof(buf), sample);
    /* The declared total is an upper bound: a smaller one cuts the last fields off. */
    memcpy(buf, "000040", 6);
    expect_bad(buf, sizeof(buf));
}

static void field_runs_past_buffer(void **state)
{
    uint8_t buf[64];

    (void)state;
    /* 16 fields do not fit 64 bytes: build what fits and claim a long surname. */
    memcpy(buf,
           "0000FF"
           "06080000"
           "0801022021"
           "0801022027"
           "F0ROSSI",
           6 + 8 + 10 + 10 + 7);
    expect_bad(buf, 6 + 8 + 10 + 10 + 7);
}

static void truncated(void **state)
{
    uint8_t buf[400];
    size_t used = 6;

    (void)state;
    build(buf, sizeof(buf), sample);
    sscanf((char *)buf, "%6zx", &used);
    used += 6;
    /* Every cut inside the fields must fail; at the very end it is complete. */
    for (size_t cut = 0; cut < used; cut++)
        expect_bad(buf, cut);
    {
        tscns_personal p;

        assert_int_equal(tscns_parse_personal(buf, used, &p), TSCNS_OK);
    }
}

static void non_printable(void **state)
{
    uint8_t buf[400];
    char *at;

    (void)state;
    build(buf, sizeof(buf), sample);
    at = strstr((char *)buf, "ROSSI");
    assert_non_null(at);
    at[2] = 0x07;
    expect_bad(buf, sizeof(buf));
    build(buf, sizeof(buf), sample);
    at = strstr((char *)buf, "MARIO");
    at[0] = (char)0xC8; /* Latin-1 E grave: not ASCII */
    expect_bad(buf, sizeof(buf));
}

static void garbage_after_fields(void **state)
{
    uint8_t buf[400];

    (void)state;
    build(buf, sizeof(buf), sample);
    buf[399] = 'X';
    expect_bad(buf, sizeof(buf));
}

static void empty_and_null(void **state)
{
    tscns_personal p;
    static const uint8_t zeros[400];

    (void)state;
    expect_bad((const uint8_t *)"", 0);
    expect_bad((const uint8_t *)"00004", 5);
    expect_bad(zeros, sizeof(zeros));
    assert_int_equal(tscns_parse_personal(NULL, 10, &p), TSCNS_E_INVALID_ARG);
}

/* Mutations of a valid file: every answer is OK or BAD_RESPONSE, never a read past the buffer
 * (the sanitizer build checks that), and an accepted file's fields are printable. */
static void mutations(void **state)
{
    uint8_t good[400];
    uint32_t x = 0x12345678u;

    (void)state;
    build(good, sizeof(good), sample);
    for (int round = 0; round < 20000; round++) {
        uint8_t buf[400];
        size_t len = sizeof(buf);
        tscns_personal p;
        tscns_err err;

        memcpy(buf, good, sizeof(buf));
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 1103515245u + 12345u;
            buf[(x >> 8) % sizeof(buf)] = (uint8_t)(x >> 24);
        }
        x = x * 1103515245u + 12345u;
        if (round % 3 == 0)
            len = (x >> 8) % (sizeof(buf) + 1);
        err = tscns_parse_personal(buf, len, &p);
        assert_true(err == TSCNS_OK || err == TSCNS_E_BAD_RESPONSE);
        if (err != TSCNS_OK)
            continue;
        for (int f = 0; f < TSCNS_PD_COUNT; f++)
            for (const char *c = p.field[f]; *c != '\0'; c++)
                assert_true(*c >= 0x20 && *c <= 0x7E);
    }
}

static void field_names(void **state)
{
    (void)state;
    assert_string_equal(tscns_personal_field_name(TSCNS_PD_CODICE_FISCALE), "codice_fiscale");
    assert_string_equal(tscns_personal_field_name(TSCNS_PD_BIRTH_DATE), "birth_date");
    assert_string_equal(tscns_personal_field_name(TSCNS_PD_ISSUER), "issuer");
    assert_string_equal(tscns_personal_field_name(TSCNS_PD_EXPATRIATION), "expatriation");
    assert_string_equal(tscns_personal_field_name(TSCNS_PD_COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_file),
        cmocka_unit_test(lowercase_hex_lengths),
        cmocka_unit_test(all_fields_empty),
        cmocka_unit_test(longest_field),
        cmocka_unit_test(bad_total_length),
        cmocka_unit_test(bad_field_length),
        cmocka_unit_test(field_runs_past_declared_length),
        cmocka_unit_test(field_runs_past_buffer),
        cmocka_unit_test(truncated),
        cmocka_unit_test(non_printable),
        cmocka_unit_test(garbage_after_fields),
        cmocka_unit_test(empty_and_null),
        cmocka_unit_test(mutations),
        cmocka_unit_test(field_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
