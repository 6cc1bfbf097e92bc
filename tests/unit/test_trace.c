/* The APDU trace (TSCNS_TRACE=FILE): every APDU and status word, never a PIN or PUK byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "tscns/card.h"

static char trace_path[] = "/tmp/cardio-trace-XXXXXX";

static char *read_trace(void)
{
    static char buf[65536];
    FILE *f = fopen(trace_path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void pin_and_puk_masked(void **state)
{
    /* Athena ATR; PIN 24681357, PUK 97531864, new PIN 11235813 (digits easy to spot). */
    fake_card f = {
        .atr_hex = "3BDF18008131FE7D006B020C0182011101434E53103180FC",
        .steps = {{"00A4080C0410001003", "9000"},
                  {"00B0000010", "373737373737373737373737373737379000"},
                  {"00A4080C0411001101", "9000"},
                  {"00B00000FF", "308200030201006282"},
                  {"0020001008"
                   "3234363831333537",
                   "63C2"},
                  {"0024001010"
                   "3234363831333538"
                   "3131323335383133",
                   "9000"},
                  {"002C001010"
                   "3937353331383634"
                   "3131323335383134",
                   "9000"},
                  {"0020001108"
                   "3937353331383634",
                   "9000"}},
        .n_steps = 8,
    };
    tscns_card *card = NULL;
    int tries;
    const char *t;

    (void)state;
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "trace reader", &card), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(card, "24681357", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tscns_card_change_pin(card, "24681358", "11235813", &tries), TSCNS_OK);
    assert_int_equal(tscns_card_unblock_pin(card, "97531864", "11235814", &tries), TSCNS_OK);
    assert_int_equal(tscns_card_verify_puk(card, "97531864", &tries), TSCNS_OK);
    assert_false(f.mismatch);
    tscns_card_close(card);

    t = read_trace();
    /* The other APDUs and all status words are there... */
    assert_non_null(strstr(t, "00 A4 08 0C 04 10 00 10 03"));
    assert_non_null(strstr(t, "63 C2"));
    assert_non_null(strstr(t, "00 20 00 10 08 [8 bytes masked]"));
    assert_non_null(strstr(t, "00 24 00 10 10 [16 bytes masked]"));
    assert_non_null(strstr(t, "00 2C 00 10 10 [16 bytes masked]"));
    assert_non_null(strstr(t, "00 20 00 11 08 [8 bytes masked]"));
    /* ...but no PIN or PUK digit sequence, in hex or in ASCII. */
    assert_null(strstr(t, "32 34 36 38"));
    assert_null(strstr(t, "39 37 35 33"));
    assert_null(strstr(t, "31 31 32 33"));
    assert_null(strstr(t, "2468"));
    assert_null(strstr(t, "9753"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_and_puk_masked),
    };
    int fd = mkstemp(trace_path);
    int rc;

    if (fd < 0)
        return 1;
    close(fd);
    /* Read once by cardio, on its first trace call. */
    setenv("TSCNS_TRACE", trace_path, 1);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(trace_path);
    return rc;
}
