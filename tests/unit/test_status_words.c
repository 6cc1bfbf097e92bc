/* Status-word handling: 61xx, 6Cxx (never resent for PIN commands and writes), end of file,
 * 6A86 on SELECT, and the PIN answers 63Cx, 6983, 6982 as the tscns_card API reports them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"
#include "fake_transport.h"
#include "iso7816.h"
#include "tscns/card.h"

static uint8_t rbuf[TSCNS_MAX_RESPONSE];

static apdu_chan chan_over(fake_card *f)
{
    apdu_chan ch = {.ops = &fake_ops, .self = f, .reader = "fake", .rbuf = rbuf};

    return ch;
}

static void get_response_loop(void **state)
{
    fake_card f = {
        .steps = {{"00B0000000", "AABB6102"}, {"00C0000002", "CCDD6101"}, {"00C0000001", "EE9000"}},
        .n_steps = 3};
    apdu_chan ch = chan_over(&f);
    apdu a = {.ins = 0xB0, .le = 256};
    uint8_t out[16];
    size_t n = sizeof(out);
    uint16_t sw = 0;

    (void)state;
    assert_int_equal(apdu_exchange(&ch, &a, out, &n, &sw), TSCNS_OK);
    assert_false(f.mismatch);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "\xAA\xBB\xCC\xDD\xEE", 5);
    assert_int_equal(ch.sent, 3);
}

static void wrong_le_resent_once(void **state)
{
    fake_card f = {.steps = {{"0084000020", "6C08"}, {"0084000008", "01020304050607089000"}},
                   .n_steps = 2};
    apdu_chan ch = chan_over(&f);
    apdu a = {.ins = 0x84, .le = 0x20};
    uint8_t out[32];
    size_t n = sizeof(out);
    uint16_t sw = 0;

    (void)state;
    assert_int_equal(apdu_exchange(&ch, &a, out, &n, &sw), TSCNS_OK);
    assert_false(f.mismatch);
    assert_int_equal(sw, 0x9000);
    assert_int_equal(n, 8);
}

static void wrong_le_not_resent_twice(void **state)
{
    fake_card f = {.steps = {{"0084000020", "6C08"}, {"0084000008", "6C04"}}, .n_steps = 2};
    apdu_chan ch = chan_over(&f);
    apdu a = {.ins = 0x84, .le = 0x20};
    uint8_t out[32];
    size_t n = sizeof(out);
    uint16_t sw = 0;

    (void)state;
    assert_int_equal(apdu_exchange(&ch, &a, out, &n, &sw), TSCNS_OK);
    assert_int_equal(sw, 0x6C04);
    assert_int_equal(f.next, 2);
}

static void answer_larger_than_buffer(void **state)
{
    fake_card f = {.steps = {{"00B0000004", "01020304059000"}}, .n_steps = 1};
    apdu_chan ch = chan_over(&f);
    apdu a = {.ins = 0xB0, .le = 4};
    uint8_t out[4];
    size_t n = sizeof(out);

    (void)state;
    assert_int_equal(apdu_exchange(&ch, &a, out, &n, NULL), TSCNS_E_BAD_RESPONSE);
}

static void answer_without_status_word(void **state)
{
    fake_card f = {.steps = {{"00A40000023F00", "90"}}, .n_steps = 1};
    apdu_chan ch = chan_over(&f);

    (void)state;
    assert_int_equal(iso_select_mf(&ch), TSCNS_E_BAD_RESPONSE);
}

static void read_binary_stops_at_end_of_file(void **state)
{
    uint8_t buf[600];
    size_t got = 0;

    (void)state;
    {
        /* short read: fewer bytes than asked ends the file */
        fake_card f = {.steps = {{"00B00000FF", "01029000"}}, .n_steps = 1};
        apdu_chan ch = chan_over(&f);

        assert_int_equal(iso_read_binary(&ch, 0, buf, sizeof(buf), &got), TSCNS_OK);
        assert_int_equal(got, 2);
        assert_false(f.mismatch);
    }
    {
        fake_card f = {.steps = {{"00B00000FF", "01026282"}}, .n_steps = 1};
        apdu_chan ch = chan_over(&f);

        assert_int_equal(iso_read_binary(&ch, 0, buf, sizeof(buf), &got), TSCNS_OK);
        assert_int_equal(got, 2);
    }
    {
        char full[2 * 255 + 5];

        memset(full, 'A', 2 * 255);
        strcpy(full + 2 * 255, "9000");
        fake_card f = {.steps = {{"00B00000FF", full}, {"00B000FFFF", "6B00"}}, .n_steps = 2};
        apdu_chan ch = chan_over(&f);

        assert_int_equal(iso_read_binary(&ch, 0, buf, sizeof(buf), &got), TSCNS_OK);
        assert_int_equal(got, 255);
        assert_false(f.mismatch);
    }
    {
        fake_card f = {.steps = {{"00B0000010", "6982"}}, .n_steps = 1};
        apdu_chan ch = chan_over(&f);

        assert_int_equal(iso_read_binary(&ch, 0, buf, 16, &got), TSCNS_E_SECURITY);
    }
}

static void select_falls_back_to_p2_00(void **state)
{
    static const cardio_loc cert = {.path = {0x14, 0x00, 0x90, 0x01, 0x20, 0x02}, .path_len = 6};
    static const cardio_loc serial = {.path = {0x10, 0x00, 0x10, 0x03}, .path_len = 4};
    fake_card f = {.steps = {{"00A4080C06140090012002", "6A86"},
                             {"00A408000614009001200200", "6F0A8302200282010180020800"
                                                          "9000"},
                             /* learnt: the next SELECT asks for the FCI straight away */
                             {"00A40800041000100300", "6F038202019000"}},
                   .n_steps = 3};
    apdu_chan ch = chan_over(&f);

    (void)state;
    ch.select_fci_fallback = 1;
    assert_int_equal(iso_select(&ch, &cert, NULL, NULL), TSCNS_OK);
    assert_int_equal(iso_select(&ch, &serial, NULL, NULL), TSCNS_OK);
    assert_false(f.mismatch);
    assert_int_equal(f.next, 3);
}

/* The fallback is a family's trait (profile.c): other families get the 6A86 as an error. */
static void select_6a86_without_fallback(void **state)
{
    static const cardio_loc cert = {.path = {0x11, 0x00, 0x11, 0x01}, .path_len = 4};
    fake_card f = {.steps = {{"00A4080C0411001101", "6A86"}}, .n_steps = 1};
    apdu_chan ch = chan_over(&f);

    (void)state;
    assert_int_equal(iso_select(&ch, &cert, NULL, NULL), TSCNS_E_CARD_STATUS);
    assert_int_equal(ch.last_sw, 0x6A86);
    assert_int_equal(ch.sent, 1);
    assert_false(f.mismatch);
}

/* A write answered 6Cxx is not written again with another Le. */
static void update_binary_6c_not_resent(void **state)
{
    static const uint8_t data[] = {0x30, 0x82, 0x00, 0x00};
    fake_card f = {.steps = {{"00D600000430820000", "6C04"}}, .n_steps = 1};
    apdu_chan ch = chan_over(&f);

    (void)state;
    assert_int_equal(iso_update_binary(&ch, 0, data, sizeof(data)), TSCNS_E_BAD_RESPONSE);
    assert_int_equal(ch.last_sw, 0x6C04);
    assert_int_equal(ch.sent, 1);
    assert_false(f.mismatch);
}

static void select_not_found(void **state)
{
    static const cardio_loc cert = {.path = {0x11, 0x00, 0x11, 0x01}, .path_len = 4};
    fake_card f = {.steps = {{"00A4080C0411001101", "6A82"}}, .n_steps = 1};
    apdu_chan ch = chan_over(&f);

    (void)state;
    assert_int_equal(iso_select(&ch, &cert, NULL, NULL), TSCNS_E_NOT_FOUND);
    assert_int_equal(ch.last_sw, 0x6A82);
}

static void fci_size(void **state)
{
    static const uint8_t fcp[] = {0x62, 0x08, 0x80, 0x02, 0x0A, 0x00, 0x82, 0x01, 0x01, 0x00};
    static const uint8_t alloc[] = {0x6F, 0x04, 0x81, 0x02, 0x08, 0x00};
    static const uint8_t none[] = {0x6F, 0x03, 0x82, 0x01, 0x01};
    static const uint8_t lying[] = {0x6F, 0x09, 0x80, 0x02};

    (void)state;
    assert_int_equal(iso_fci_size(fcp, sizeof(fcp)), 0x0A00);
    assert_int_equal(iso_fci_size(alloc, sizeof(alloc)), 0x0800);
    assert_int_equal(iso_fci_size(none, sizeof(none)), 0);
    assert_int_equal(iso_fci_size(lying, sizeof(lying)), 0);
}

static void sw_meanings(void **state)
{
    int tries = -1;

    (void)state;
    assert_int_equal(apdu_sw_error(0x9000), TSCNS_OK);
    assert_int_equal(apdu_sw_error(0x6982), TSCNS_E_SECURITY);
    assert_int_equal(apdu_sw_error(0x6983), TSCNS_E_PIN_BLOCKED);
    assert_int_equal(apdu_sw_error(0x6A82), TSCNS_E_NOT_FOUND);
    assert_int_equal(apdu_sw_error(0x63C1), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(apdu_sw_error(0x6A86), TSCNS_E_CARD_STATUS);
    assert_int_equal(apdu_sw_error(0x6E00), TSCNS_E_CARD_STATUS);
    assert_int_equal(apdu_sw_error(0x6A84), TSCNS_E_TOO_LARGE);
    assert_true(apdu_sw_tries(0x63C2, &tries));
    assert_int_equal(tries, 2);
    assert_false(apdu_sw_tries(0x6300, &tries));
    assert_false(apdu_sw_tries(0x9000, &tries));
}

/* A card over the scripted transport: Athena ATR, serial, certificate of 3 content bytes. */
#define ATHENA_ATR "3BDF18008131FE7D006B020C0182011101434E53103180FC"
#define OPEN_STEPS(serial_hex)                                                                     \
    {"00A4080C0410001003", "9000"}, {"00B0000010", serial_hex "9000"},                             \
        {"00A4080C0411001101", "9000"},                                                            \
    {                                                                                              \
        "00B00000FF", "308200030201006282"                                                         \
    }

static void pin_answers(void **state)
{
    fake_card f = {
        .atr_hex = ATHENA_ATR,
        .steps = {OPEN_STEPS("35353535353535353535353535353531"),
                  /* PIN 12345: ASCII digits padded with FF */
                  {"00200010083132333435FFFFFF", "63C2"},
                  {"002000100831313131313131FF", "63C1"},
                  {"0020001008393939393939FFFF", "6983"}},
        .n_steps = 7,
    };
    tscns_card *card = NULL;
    int tries = 7;

    (void)state;
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "fake 0", &card), TSCNS_OK);
    assert_string_equal(tscns_card_family(card), "athena");

    assert_int_equal(tscns_card_verify_pin(card, "12345", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 2);
    assert_int_equal(tscns_card_pin_tries_known(card), 2);
    /* The detail adds the facts, not the message of TSCNS_E_PIN_INCORRECT again. */
    assert_string_equal(tscns_card_detail(card),
                        "VERIFY PIN: 2 tries left (SW 63C2), reader fake 0");
    /* The same PIN again is refused without a command reaching the card. */
    assert_int_equal(tscns_card_verify_pin(card, "12345", &tries), TSCNS_E_PIN_REJECTED);
    assert_string_equal(tscns_card_detail(card), "VERIFY PIN, reader fake 0");
    assert_int_equal(f.next, 5);
    assert_int_equal(tscns_card_verify_pin(card, "1111111", &tries), TSCNS_E_PIN_INCORRECT);
    assert_int_equal(tries, 1);
    assert_int_equal(tscns_card_verify_pin(card, "999999", &tries), TSCNS_E_PIN_BLOCKED);
    assert_int_equal(tries, 0);
    assert_string_equal(tscns_card_detail(card), "VERIFY PIN: SW 6983, reader fake 0");
    /* Known blocked: nothing more is sent. */
    assert_int_equal(tscns_card_verify_pin(card, "424242", &tries), TSCNS_E_PIN_BLOCKED);
    assert_int_equal(f.next, 7);
    assert_false(f.mismatch);
    /* Format is checked before anything: no empty VERIFY, no letters, no 9 digits. */
    assert_int_equal(tscns_card_verify_pin(card, "", &tries), TSCNS_E_INVALID_ARG);
    assert_int_equal(tscns_card_verify_pin(card, "12a45", &tries), TSCNS_E_INVALID_ARG);
    assert_int_equal(tscns_card_verify_pin(card, "123456789", &tries), TSCNS_E_INVALID_ARG);
    assert_int_equal(f.next, 7);
    tscns_card_close(card);
    assert_true(f.closed);
}

/* VERIFY answered 6Cxx: one VERIFY only, a malformed answer with the SW in the detail. */
static void verify_6c_not_resent(void **state)
{
    fake_card f = {
        .atr_hex = ATHENA_ATR,
        .steps = {OPEN_STEPS("35353535353535353535353535353533"),
                  {"00200010083132333435FFFFFF", "6C08"}},
        .n_steps = 5,
    };
    tscns_card *card = NULL;
    int tries = 7;

    (void)state;
    assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "fake 2", &card), TSCNS_OK);
    assert_int_equal(tscns_card_verify_pin(card, "12345", &tries), TSCNS_E_BAD_RESPONSE);
    assert_int_equal(f.next, 5);
    assert_int_equal(tscns_card_apdu_count(card), 5);
    assert_false(f.mismatch);
    assert_false(tscns_card_pin_verified(card));
    assert_string_equal(tscns_card_detail(card), "VERIFY PIN: SW 6C08 asks for a resend with "
                                                 "another Le; not resent, reader fake 2");
    tscns_card_close(card);
}

static void sign_refused_without_rsa_certificate(void **state)
{
    uint8_t in[0x80];
    uint8_t out[0x80];
    size_t out_len = sizeof(out);

    (void)state;
    memset(in, 0x11, sizeof(in));
    {
        fake_card f = {
            .atr_hex = ATHENA_ATR,
            .steps = {OPEN_STEPS("35353535353535353535353535353532")},
            .n_steps = 4,
        };
        tscns_card *card = NULL;

        assert_int_equal(tscns_card_open_transport(&fake_ops, &f, "fake 1", &card), TSCNS_OK);
        /* The 3-byte "certificate" holds no RSA key: refused before any signing APDU. */
        assert_int_equal(tscns_card_rsa_private(card, in, sizeof(in), out, &out_len),
                         TSCNS_E_BAD_RESPONSE);
        assert_int_equal(f.next, 4);
        tscns_card_close(card);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_response_loop),
        cmocka_unit_test(wrong_le_resent_once),
        cmocka_unit_test(wrong_le_not_resent_twice),
        cmocka_unit_test(answer_larger_than_buffer),
        cmocka_unit_test(answer_without_status_word),
        cmocka_unit_test(read_binary_stops_at_end_of_file),
        cmocka_unit_test(select_falls_back_to_p2_00),
        cmocka_unit_test(select_6a86_without_fallback),
        cmocka_unit_test(update_binary_6c_not_resent),
        cmocka_unit_test(select_not_found),
        cmocka_unit_test(fci_size),
        cmocka_unit_test(sw_meanings),
        cmocka_unit_test(pin_answers),
        cmocka_unit_test(verify_6c_not_resent),
        cmocka_unit_test(sign_refused_without_rsa_certificate),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
