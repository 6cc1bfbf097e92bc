/* The cns: URI grammar (provider/README.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

static void parses(const char *s, const char *reader, const char *serial, enum tsp_uri_type t)
{
    tsp_uri u;
    const char *why = NULL;

    assert_int_equal(tsp_uri_parse(s, &u, &why), 1);
    if (reader == NULL)
        assert_null(u.reader);
    else
        assert_string_equal(u.reader, reader);
    if (serial == NULL)
        assert_null(u.serial);
    else
        assert_string_equal(u.serial, serial);
    assert_int_equal(u.type, t);
    tsp_uri_clear(&u);
}

static void refuses(const char *s)
{
    tsp_uri u;
    const char *why = NULL;

    assert_int_equal(tsp_uri_parse(s, &u, &why), 0);
    assert_non_null(why);
    assert_null(u.reader);
    assert_null(u.serial);
}

static void test_valid(void **state)
{
    (void)state;
    parses("cns:", NULL, NULL, TSP_URI_ANY);
    parses("CNS:type=cert", NULL, NULL, TSP_URI_CERT);
    parses("cns:type=private", NULL, NULL, TSP_URI_PRIVATE);
    parses("cns:type=public;object=auth", NULL, NULL, TSP_URI_PUBLIC);
    parses("cns:serial=8038012345678901;type=private", NULL, "8038012345678901", TSP_URI_PRIVATE);
    parses("cns:reader=Virtual%20PCD%2000%2000;object=auth", "Virtual PCD 00 00", NULL,
           TSP_URI_ANY);
    parses("cns:reader=a%3bb%3Dc", "a;b=c", NULL, TSP_URI_ANY);
    /* PKCS#11 tokens: SoftHSM's 16 hex digits, shorter serials of other modules. */
    parses("cns:serial=763109f50e56fe5e;type=private", NULL, "763109f50e56fe5e", TSP_URI_PRIVATE);
    parses("cns:serial=123", NULL, "123", TSP_URI_ANY);
}

static void test_invalid(void **state)
{
    (void)state;
    refuses("pkcs11:token=x");
    refuses("cns");
    refuses("cns:;");
    refuses("cns:type=cert;");
    refuses("cns:;type=cert");
    refuses("cns:type=cert;;serial=8038012345678901");
    refuses("cns:colour=blue");
    refuses("cns:type=secret");
    refuses("cns:type=cert;type=private");
    refuses("cns:object=sign");
    refuses("cns:serial=");
    refuses("cns:serial=80380123456789012");
    refuses("cns:serial=8038-0123456789x");
    refuses("cns:serial=80380123%2056789");
    refuses("cns:serial=8038012345678901;serial=8038012345678901");
    refuses("cns:reader=");
    refuses("cns:reader=a%2");
    refuses("cns:reader=a%zz");
    refuses("cns:reader=a%00b");
    refuses("cns:reader=a;reader=b");
    refuses("cns:type");
    refuses("cns:=cert");
}

static void test_scheme(void **state)
{
    (void)state;
    assert_true(tsp_uri_is_cns("cns:"));
    assert_true(tsp_uri_is_cns("Cns:type=cert"));
    assert_false(tsp_uri_is_cns("cn:"));
    assert_false(tsp_uri_is_cns("file:cns:"));
    assert_false(tsp_uri_is_cns(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_scheme),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
