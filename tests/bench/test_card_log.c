/* card_log.c against hand-written APDU logs in the format of tests/vcard/vcard.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "card_log.h"

struct fixture {
    char path[64];
    FILE *w;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->path, sizeof(f->path), "/tmp/bench-card-log.XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    f->w = fdopen(fd, "w");
    assert_non_null(f->w);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    fclose(f->w);
    unlink(f->path);
    free(f);
    return 0;
}

static void append(struct fixture *f, const char *text)
{
    fputs(text, f->w);
    fflush(f->w);
}

static void skips_what_was_there_and_sums_a_span(void **state)
{
    struct fixture *f = *state;
    card_log log;
    card_span s;
    char names[128];
    append(f, "10.000 SELECT 00A4080C0411001101 -> 9000 4.500\n");
    assert_int_equal(card_log_open(&log, f->path), 0);
    append(f, "100.000 MSE_RESTORE 0022F30300 -> 9000 4.560\n"
              "105.000 MSE_SET 0022F1B803830101 -> 9000 4.800\n"
              "191.000 PSO_DECIPHER 002A80868100AB -> 9000 85.250\n");
    assert_int_equal(card_log_take(&log, &s), 0);
    assert_int_equal(s.apdus, 3);
    assert_float_equal(s.card_ms, 94.61, 1e-9);
    /* first start 95.44, last end 191.0: 95.56 ms of which 94.61 in the card */
    assert_float_equal(s.gap_ms, 0.95, 1e-9);
    assert_int_equal(card_span_count(&s, "MSE_SET"), 1);
    assert_int_equal(card_span_count(&s, "SELECT"), 0);
    card_span_names(&s, names, sizeof(names));
    assert_string_equal(names, "MSE_RESTORE:1,MSE_SET:1,PSO_DECIPHER:1");
    assert_int_equal(card_log_take(&log, &s), 0);
    assert_int_equal(s.apdus, 0);
    card_log_close(&log);
}

static void leaves_a_line_being_written_for_later(void **state)
{
    struct fixture *f = *state;
    card_log log;
    card_span s;
    assert_int_equal(card_log_open(&log, f->path), 0);
    append(f, "1.000 VERIFY 0020001008** -> 63C2 4.712\n2.000 READ_BIN");
    assert_int_equal(card_log_take(&log, &s), 0);
    assert_int_equal(s.apdus, 1);
    assert_int_equal(card_span_count(&s, "VERIFY"), 1);
    append(f, "ARY 00B00000FF -> 9000 25.000\n");
    assert_int_equal(card_log_take(&log, &s), 0);
    assert_int_equal(s.apdus, 1);
    assert_int_equal(card_span_count(&s, "READ_BINARY"), 1);
    assert_float_equal(s.card_ms, 25.0, 1e-9);
    card_log_close(&log);
}

static void adds_spans(void **state)
{
    struct fixture *f = *state;
    card_log log;
    card_span a, b;
    char names[128];
    assert_int_equal(card_log_open(&log, f->path), 0);
    append(f, "1.000 MSE_SET 0022F1B803830101 -> 9000 1.000\n");
    assert_int_equal(card_log_take(&log, &a), 0);
    append(f, "5.000 MSE_SET 0022F1B803830101 -> 9000 1.000\n"
              "9.000 PSO_DECIPHER 002A8086 -> 9000 2.000\n");
    assert_int_equal(card_log_take(&log, &b), 0);
    card_span_add(&a, &b);
    assert_int_equal(a.apdus, 3);
    assert_float_equal(a.card_ms, 4.0, 1e-9);
    assert_float_equal(a.gap_ms, 2.0, 1e-9);
    card_span_names(&a, names, sizeof(names));
    assert_string_equal(names, "MSE_SET:2,PSO_DECIPHER:1");
    card_log_close(&log);
}

static void refuses_a_line_in_another_format(void **state)
{
    struct fixture *f = *state;
    card_log log;
    card_span s;
    assert_int_equal(card_log_open(&log, f->path), 0);
    append(f, "SELECT 00A4 -> 9000\n");
    assert_int_equal(card_log_take(&log, &s), -1);
    card_log_close(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(skips_what_was_there_and_sums_a_span, setup, teardown),
        cmocka_unit_test_setup_teardown(leaves_a_line_being_written_for_later, setup, teardown),
        cmocka_unit_test_setup_teardown(adds_spans, setup, teardown),
        cmocka_unit_test_setup_teardown(refuses_a_line_in_another_format, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
