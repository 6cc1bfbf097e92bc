/* Unit tests of cli_shell_quote(): the words of a command line tscns prints for copying. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell_quote.h"

static void check_quote(const char *in, const char *want)
{
    char *got = cli_shell_quote(in);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void plain_words_stay_as_they_are(void **state)
{
    (void)state;
    check_quote("1234567890123456", "1234567890123456");
    check_quote("/home/u/.local/state/tscns/backup/1-20260101T000000Z.der",
                "/home/u/.local/state/tscns/backup/1-20260101T000000Z.der");
    check_quote("a%+,-./:=@_Z9", "a%+,-./:=@_Z9");
}

static void other_words_are_single_quoted(void **state)
{
    (void)state;
    check_quote("", "''");
    check_quote("Virtual PCD 00 00", "'Virtual PCD 00 00'");
    check_quote("$HOME `id` \"x\" \\ ; & | * ? ~ # !", "'$HOME `id` \"x\" \\ ; & | * ? ~ # !'");
    check_quote("a\nb", "'a\nb'");
}

static void quotes_are_closed_escaped_and_reopened(void **state)
{
    (void)state;
    check_quote("it's", "'it'\\''s'");
    check_quote("'", "''\\'''");
    check_quote("''", "''\\'''\\'''");
    check_quote("/tmp/o'brien/tscns", "'/tmp/o'\\''brien/tscns'");
}

/* The real test of a quoting: /bin/sh reads the word back as the very string it came from. */
static void the_shell_reads_back_the_original(void **state)
{
    static const char *const words[] = {
        "plain", "two words", "it's",      "'",          "'$(touch /nonexistent/x)'",
        "a\\'b", "tab\there", "new\nline", "\"double\"", "",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        char *q = cli_shell_quote(words[i]), cmd[512], out[256];
        size_t n;
        FILE *p;

        assert_non_null(q);
        snprintf(cmd, sizeof(cmd), "printf '%%s' %s", q);
        p = popen(cmd, "r");
        assert_non_null(p);
        n = fread(out, 1, sizeof(out) - 1, p);
        out[n] = '\0';
        assert_int_equal(pclose(p), 0);
        assert_string_equal(out, words[i]);
        free(q);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_words_stay_as_they_are),
        cmocka_unit_test(other_words_are_single_quoted),
        cmocka_unit_test(quotes_are_closed_escaped_and_reopened),
        cmocka_unit_test(the_shell_reads_back_the_original),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
