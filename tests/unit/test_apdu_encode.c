/* APDU encoding, short and extended, every ISO 7816-4 case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"

static void hexof(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", b[i]);
    out[2 * n] = '\0';
}

static void expect_encoding(const apdu *a, int ext, const char *want)
{
    uint8_t out[APDU_MAX_COMMAND];
    static char got[2 * APDU_MAX_COMMAND + 1];
    size_t n = 0;

    assert_int_equal(apdu_encode(a, ext, out, sizeof(out), &n), TSCNS_OK);
    hexof(out, n, got);
    assert_string_equal(got, want);
}

static void case1(void **state)
{
    apdu a = {.ins = 0xA4, .p1 = 0x00, .p2 = 0x0C};

    (void)state;
    expect_encoding(&a, 0, "00A4000C");
}

static void case2_short(void **state)
{
    apdu a = {.ins = 0xB0, .p1 = 0x01, .p2 = 0x02, .le = 0xFF};

    (void)state;
    expect_encoding(&a, 0, "00B00102FF");
    a.le = 256; /* the short maximum is written as 00 */
    expect_encoding(&a, 0, "00B0010200");
    a.le = 1;
    expect_encoding(&a, 0, "00B0010201");
}

static void case3_short(void **state)
{
    static const uint8_t mf[] = {0x3F, 0x00};
    apdu a = {.ins = 0xA4, .data = mf, .lc = 2};

    (void)state;
    expect_encoding(&a, 0, "00A40000023F00");
}

static void case4_short(void **state)
{
    static const uint8_t path[] = {0x11, 0x00, 0x11, 0x01};
    apdu a = {.ins = 0xA4, .p1 = 0x08, .data = path, .lc = 4, .le = 256};

    (void)state;
    expect_encoding(&a, 0,
                    "00A408000411001101"
                    "00");
}

static void case2_extended(void **state)
{
    apdu a = {.ins = 0xB0, .le = 257};

    (void)state;
    expect_encoding(&a, 1,
                    "00B0000000"
                    "0101");
    a.le = 65536; /* the extended maximum is written as 0000 */
    expect_encoding(&a, 1,
                    "00B0000000"
                    "0000");
}

static void case3_extended(void **state)
{
    uint8_t data[300];
    char want[2 * (7 + 300) + 1];
    apdu a = {.ins = 0xD6, .data = data, .lc = sizeof(data)};

    (void)state;
    memset(data, 0xAB, sizeof(data));
    strcpy(want, "00D60000"
                 "00012C");
    for (size_t i = 0; i < sizeof(data); i++)
        strcat(want, "AB");
    expect_encoding(&a, 1, want);
}

static void case4_extended_pso(void **state)
{
    /* PSO DECIPHER for RSA-2048: Lc = 257 (padding indicator + block), Le = 256. */
    uint8_t data[257];
    char want[2 * (7 + 257 + 2) + 1];
    apdu a = {.ins = 0x2A, .p1 = 0x80, .p2 = 0x86, .data = data, .lc = sizeof(data), .le = 256};

    (void)state;
    memset(data, 0x5A, sizeof(data));
    data[0] = 0x00;
    strcpy(want, "002A8086"
                 "000101"
                 "00");
    for (size_t i = 1; i < sizeof(data); i++)
        strcat(want, "5A");
    strcat(want, "0100");
    expect_encoding(&a, 1, want);
}

static void extended_refused_when_not_allowed(void **state)
{
    uint8_t data[256] = {0};
    uint8_t out[APDU_MAX_COMMAND];
    size_t n = 0;
    apdu big_lc = {.ins = 0x2A, .data = data, .lc = 256};
    apdu big_le = {.ins = 0xB0, .le = 257};

    (void)state;
    assert_int_equal(apdu_encode(&big_lc, 0, out, sizeof(out), &n), TSCNS_E_TOO_LARGE);
    assert_int_equal(apdu_encode(&big_le, 0, out, sizeof(out), &n), TSCNS_E_TOO_LARGE);
}

static void malformed_rejected(void **state)
{
    uint8_t out[APDU_MAX_COMMAND];
    size_t n = 0;
    apdu no_data = {.ins = 0xD6, .lc = 4};
    apdu huge_le = {.ins = 0xB0, .le = 65537};
    apdu small = {.ins = 0xB0, .le = 1};

    (void)state;
    assert_int_equal(apdu_encode(&no_data, 1, out, sizeof(out), &n), TSCNS_E_INVALID_ARG);
    assert_int_equal(apdu_encode(&huge_le, 1, out, sizeof(out), &n), TSCNS_E_INVALID_ARG);
    /* A buffer too small for the command is reported, never overrun. */
    assert_int_equal(apdu_encode(&small, 1, out, 4, &n), TSCNS_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(case1),
        cmocka_unit_test(case2_short),
        cmocka_unit_test(case3_short),
        cmocka_unit_test(case4_short),
        cmocka_unit_test(case2_extended),
        cmocka_unit_test(case3_extended),
        cmocka_unit_test(case4_extended_pso),
        cmocka_unit_test(extended_refused_when_not_allowed),
        cmocka_unit_test(malformed_rejected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
