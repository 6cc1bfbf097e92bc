/* Family detection: the ATRs of docs/card.md section 2, unknown and contactless ATRs, and the
 * confirmation by probing the certificate file (the ATR is only a hint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "identify.h"
#include "tscns/card.h"

static const char *hint_of(const char *atr_hex, tscns_err *err)
{
    uint8_t atr[TSCNS_MAX_ATR];
    size_t n = fake_unhex(atr_hex, atr, sizeof(atr));
    const cardio_profile *p = NULL;

    *err = identify_hint(atr, n, &p);
    return p != NULL ? p->name : NULL;
}

static void expect_family(const char *atr_hex, const char *family)
{
    tscns_err err;
    const char *got = hint_of(atr_hex, &err);

    assert_int_equal(err, TSCNS_OK);
    assert_non_null(got);
    assert_string_equal(got, family);
}

static void card_md_atrs(void **state)
{
    (void)state;
    expect_family("3BDF18008131FE7D006B020C0182011101434E53103180FC", "athena");
    expect_family("3BDF18008131FE7D006B150C0181011101434E53103180E8", "athena");
    expect_family("3BFF1800008131FE45006B04050100011101434E5310318069", "oberthur");
    expect_family("3BFF1800008131FE45006B05052000012101434E5310318079", "idemia2021");
    expect_family("3BFF1800FF8131FE55006B02091617011101434E531131808D", "st2021");
    expect_family("3BFF1800FFC10A31FE55006B0508C80C011101434E5310318005", "cardos");
    expect_family("3BFF1800FF8131FE4D006B0404B85B01F101434E531031809D", "ace2025");
}

static void unknown_atrs(void **state)
{
    tscns_err err;

    (void)state;
    /* A JCOP Java Card. */
    assert_null(hint_of("3BF81300008131FE454A434F5076323431B7", &err));
    assert_int_equal(err, TSCNS_E_UNKNOWN_CARD);
    /* "CNS" but a mask byte no row knows. */
    assert_null(hint_of("3BDF18008131FE7D006B02770182011101434E53103180FC", &err));
    assert_int_equal(err, TSCNS_E_UNKNOWN_CARD);
    /* A CNS-like layout of historical bytes without "CNS". */
    assert_null(hint_of("3BDF18008131FE7D006B020C01820111014E4E53103180FC", &err));
    assert_int_equal(err, TSCNS_E_UNKNOWN_CARD);
    /* Truncated: fewer historical bytes than T0 announces. */
    assert_null(hint_of("3BDF18008131FE7D006B020C01", &err));
    assert_int_equal(err, TSCNS_E_UNKNOWN_CARD);
    assert_null(hint_of("", &err));
    assert_int_equal(err, TSCNS_E_UNKNOWN_CARD);
}

static void contactless_atr(void **state)
{
    tscns_err err;

    (void)state;
    assert_null(hint_of("3B80800101", &err));
    assert_int_equal(err, TSCNS_E_CONTACTLESS);
    assert_null(hint_of("3B8F8001804F0CA000000306030001000000006A", &err));
    assert_int_equal(err, TSCNS_E_CONTACTLESS);
}

static void historical_bytes(void **state)
{
    uint8_t atr[TSCNS_MAX_ATR];
    size_t n = fake_unhex("3BFF1800FFC10A31FE55006B0508C80C011101434E5310318005", atr, sizeof(atr));
    const uint8_t *h = NULL;
    size_t hn = 0;

    (void)state;
    assert_true(identify_historical(atr, n, &h, &hn));
    assert_int_equal(hn, 15);
    assert_memory_equal(h, "\x00\x6B\x05\x08", 4);
    assert_memory_equal(h + 9, "CNS", 3);
}

#define IDEMIA_ATR "3BFF1800008131FE45006B05052000012101434E5310318079"
#define SERIAL_OK(hex)                                                                             \
    {"00A4080C0410001003", "9000"},                                                                \
    {                                                                                              \
        "00B0000010", hex "9000"                                                                   \
    }

static tscns_err open_fake(fake_card *f, const char *reader, tscns_card **card)
{
    tscns_err err = tscns_card_open_transport(&fake_ops, f, reader, card);

    assert_false(f->mismatch);
    assert_int_equal(f->next, f->n_steps);
    assert_true(err == TSCNS_OK || f->closed);
    return err;
}

static void idemia_confirmed_by_probe(void **state)
{
    fake_card f = {.atr_hex = IDEMIA_ATR,
                   .steps = {SERIAL_OK("36363636363636363636363636363631"),
                             {"00A4080C06140090012002", "9000"},
                             {"00B00000FF", "308200030201006282"}},
                   .n_steps = 4};
    tscns_card *card = NULL;

    (void)state;
    assert_int_equal(open_fake(&f, "probe 0", &card), TSCNS_OK);
    assert_string_equal(tscns_card_family(card), "idemia2021");
    tscns_card_close(card);
}

static void idemia_atr_with_standard_layout(void **state)
{
    /* ID 2019 cards share the mask byte; the files decide. */
    fake_card f = {.atr_hex = IDEMIA_ATR,
                   .steps = {SERIAL_OK("36363636363636363636363636363632"),
                             {"00A4080C06140090012002", "6A82"},
                             {"00A4080C0411001101", "9000"},
                             {"00B00000FF", "308200030201006282"}},
                   .n_steps = 5};
    tscns_card *card = NULL;

    (void)state;
    assert_int_equal(open_fake(&f, "probe 1", &card), TSCNS_OK);
    assert_string_equal(tscns_card_family(card), "oberthur");
    tscns_card_close(card);
}

static void idemia_atr_on_a_foreign_card(void **state)
{
    /* A card that shares the IDEMIA ATR but has none of the CNS files. */
    fake_card f = {.atr_hex = IDEMIA_ATR, .steps = {{"00A4080C0410001003", "6A82"}}, .n_steps = 1};
    tscns_card *card = NULL;

    (void)state;
    assert_int_equal(open_fake(&f, "probe 2", &card), TSCNS_E_UNKNOWN_CARD);
    assert_null(card);
}

static void cns_files_but_no_certificate_file(void **state)
{
    fake_card f = {.atr_hex = IDEMIA_ATR,
                   .steps = {SERIAL_OK("36363636363636363636363636363633"),
                             {"00A4080C06140090012002", "6A82"},
                             {"00A4080C0411001101", "6A82"}},
                   .n_steps = 4};
    tscns_card *card = NULL;

    (void)state;
    assert_int_equal(open_fake(&f, "probe 3", &card), TSCNS_E_UNKNOWN_CARD);
}

static void no_apdu_for_unknown_or_contactless(void **state)
{
    fake_card unknown = {.atr_hex = "3BF81300008131FE454A434F5076323431B7"};
    fake_card nfc = {.atr_hex = "3B80800101"};
    tscns_card *card = NULL;

    (void)state;
    assert_int_equal(open_fake(&unknown, "probe 4", &card), TSCNS_E_UNKNOWN_CARD);
    assert_int_equal(open_fake(&nfc, "probe 5", &card), TSCNS_E_CONTACTLESS);
}

static void broken_certificate_still_identifies(void **state)
{
    /* A failed write may leave garbage: the card must still open so it can be restored. */
    fake_card f = {.atr_hex = "3BDF18008131FE7D006B020C0182011101434E53103180FC",
                   .steps = {SERIAL_OK("36363636363636363636363636363634"),
                             {"00A4080C0411001101", "9000"},
                             {"00B00000FF", "000000006282"}},
                   .n_steps = 4};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(open_fake(&f, "probe 6", &card), TSCNS_OK);
    assert_string_equal(tscns_card_family(card), "athena");
    /* Asking for the certificate reads it again and reports the damage. */
    f.steps[f.n_steps++] = (fake_step){"00A4080C0411001101", "9000"};
    f.steps[f.n_steps++] = (fake_step){"00B00000FF", "000000006282"};
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_E_BAD_RESPONSE);
    assert_false(f.mismatch);
    tscns_card_close(card);
}

static void second_open_skips_the_probe(void **state)
{
    fake_card first = {.atr_hex = IDEMIA_ATR,
                       .steps = {SERIAL_OK("36363636363636363636363636363635"),
                                 {"00A4080C06140090012002", "6A82"},
                                 {"00A4080C0411001101", "9000"},
                                 {"00B00000FF", "308200030201006282"}},
                       .n_steps = 5};
    fake_card again = {.atr_hex = IDEMIA_ATR,
                       .steps = {SERIAL_OK("36363636363636363636363636363635")},
                       .n_steps = 2};
    tscns_card *card = NULL;
    const uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(open_fake(&first, "probe 7", &card), TSCNS_OK);
    tscns_card_close(card);
    assert_int_equal(open_fake(&again, "probe 7", &card), TSCNS_OK);
    assert_string_equal(tscns_card_family(card), "oberthur");
    assert_int_equal(tscns_card_certificate(card, &der, &len), TSCNS_OK);
    assert_int_equal(len, 7);
    assert_int_equal(tscns_card_apdu_count(card), 2);
    tscns_card_close(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(card_md_atrs),
        cmocka_unit_test(unknown_atrs),
        cmocka_unit_test(contactless_atr),
        cmocka_unit_test(historical_bytes),
        cmocka_unit_test(idemia_confirmed_by_probe),
        cmocka_unit_test(idemia_atr_with_standard_layout),
        cmocka_unit_test(idemia_atr_on_a_foreign_card),
        cmocka_unit_test(cns_files_but_no_certificate_file),
        cmocka_unit_test(no_apdu_for_unknown_or_contactless),
        cmocka_unit_test(broken_certificate_still_identifies),
        cmocka_unit_test(second_open_skips_the_probe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
