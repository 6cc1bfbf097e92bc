/* Unit tests of the CLI helpers that need no card: JSON, URI, PEM, hex, files, PIN files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "cli.h"
#include "hex.h"
#include "json.h"
#include "options.h"
#include "output.h"
#include "pem.h"
#include "pin_input.h"
#include "uri.h"

static char *escaped(const char *in)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);

    assert_non_null(f);
    json_write_string(f, in);
    fclose(f);
    return buf;
}

static void check_escape(const char *in, const char *want)
{
    char *got = escaped(in);

    assert_string_equal(got, want);
    free(got);
}

static void test_json_escape_specials(void **state)
{
    (void)state;
    check_escape("plain", "\"plain\"");
    check_escape("a\"b\\c", "\"a\\\"b\\\\c\"");
    check_escape("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
    check_escape("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    check_escape("/", "\"/\"");
    check_escape("", "\"\"");
}

static void test_json_escape_utf8(void **state)
{
    (void)state;
    /* Well-formed UTF-8 passes through: "è", "€", U+1F600. */
    check_escape("\xc3\xa8", "\"\xc3\xa8\"");
    check_escape("\xe2\x82\xac", "\"\xe2\x82\xac\"");
    check_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
    /* Latin-1 byte, overlong '/', surrogate, truncated sequence, above U+10FFFF. */
    check_escape("\xe8", "\"\\ufffd\"");
    check_escape("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    check_escape("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    check_escape("a\xe2\x82", "\"a\\ufffd\\ufffd\"");
    check_escape("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void test_json_document(void **state)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    struct json j;

    (void)state;
    assert_non_null(f);
    json_init(&j, f);
    json_begin_object(&j, NULL);
    json_string(&j, "a", "x");
    json_int(&j, "n", -3);
    json_begin_array(&j, "list");
    json_bool(&j, NULL, 1);
    json_null(&j, NULL);
    json_end_array(&j);
    json_begin_object(&j, "empty");
    json_end_object(&j);
    json_string(&j, "none", NULL);
    json_end_object(&j);
    fclose(f);
    assert_string_equal(buf, "{\n  \"a\": \"x\",\n  \"n\": -3,\n  \"list\": [\n    true,\n"
                             "    null\n  ],\n  \"empty\": {},\n  \"none\": null\n}\n");
    free(buf);
}

static void test_percent_encode(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(cli_percent_encode("Virtual PCD 00 00", out, sizeof(out)), 23);
    assert_string_equal(out, "Virtual%20PCD%2000%2000");
    cli_percent_encode("a;b=c%d/~._-", out, sizeof(out));
    assert_string_equal(out, "a%3Bb%3Dc%25d%2F~._-");
    cli_percent_encode("\xc3\xa8", out, sizeof(out));
    assert_string_equal(out, "%C3%A8");
    assert_int_equal(cli_percent_encode("   ", out, 9), 0);
    assert_string_equal(out, "");
}

static void test_key_uri(void **state)
{
    char out[128];

    (void)state;
    assert_int_equal(cli_key_uri(NULL, "5812345678901234", out, sizeof(out)), 0);
    assert_string_equal(out, "cns:serial=5812345678901234;type=private");
    assert_int_equal(cli_key_uri("PCD 01", "5812345678901234", out, sizeof(out)), 0);
    assert_string_equal(out, "cns:reader=PCD%2001;serial=5812345678901234;type=private");
    assert_int_equal(cli_key_uri(NULL, "5812345678901234", out, 20), -1);
}

static void test_pem_armour(void **state)
{
    unsigned char data[100], decoded[200];
    size_t len;
    char *pem, *line, *save = NULL;
    int body_lines = 0;
    size_t decoded_len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 7);
    pem = cli_pem_armour("TSCNS KEY REFERENCE", data, sizeof(data), &len);
    assert_non_null(pem);
    assert_int_equal(strlen(pem), len);
    assert_int_equal(strncmp(pem, "-----BEGIN TSCNS KEY REFERENCE-----\n", 36), 0);
    assert_string_equal(pem + len - 34, "-----END TSCNS KEY REFERENCE-----\n");
    for (line = strtok_r(pem, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        int n;

        if (strncmp(line, "-----", 5) == 0)
            continue;
        assert_true(strlen(line) <= 64);
        n = EVP_DecodeBlock(decoded + decoded_len, (unsigned char *)line, (int)strlen(line));
        assert_true(n > 0);
        /* EVP_DecodeBlock counts '=' padding as zero bytes. */
        decoded_len +=
            (size_t)n - (line[strlen(line) - 1] == '=') - (line[strlen(line) - 2] == '=');
        body_lines++;
    }
    assert_int_equal(body_lines, 3);
    assert_int_equal(decoded_len, sizeof(data));
    assert_memory_equal(decoded, data, sizeof(data));
    free(pem);
}

static void test_hex(void **state)
{
    const uint8_t atr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};
    char out[16];

    (void)state;
    cli_hex(atr, sizeof(atr), ' ', out, sizeof(out));
    assert_string_equal(out, "3B 80 80 01 01");
    cli_hex(atr, sizeof(atr), '\0', out, sizeof(out));
    assert_string_equal(out, "3B80800101");
    cli_hex(atr, sizeof(atr), ' ', out, 7);
    assert_string_equal(out, "3B 80");
}

struct tmpdir {
    char path[64];
};

static void make_tmpdir(struct tmpdir *t)
{
    strcpy(t->path, "/tmp/tscns-cli-test.XXXXXX");
    assert_non_null(mkdtemp(t->path));
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_atomic_write(void **state)
{
    struct tmpdir t;
    char path[128], buf[32];
    struct stat st;
    FILE *f;
    mode_t old_mask = umask(022);

    (void)state;
    make_tmpdir(&t);
    snprintf(path, sizeof(path), "%s/out.pem", t.path);
    assert_int_equal(cli_write_file_atomic(path, "first", 5), CLI_OK);
    assert_int_equal(cli_write_file_atomic(path, "second", 6), CLI_OK);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 6);
    fclose(f);
    assert_memory_equal(buf, "second", 6);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* No temporary file left behind. */
    assert_int_equal(count_entries(t.path), 1);
    unlink(path);
    snprintf(path, sizeof(path), "%s/missing/out.pem", t.path);
    assert_int_equal(cli_write_file_atomic(path, "x", 1), CLI_FILE_ERROR);
    rmdir(t.path);
    umask(old_mask);
}

/* A secret file as a user must keep one: private (include/tscns/pin_file.h). */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
}

static void test_secret_file(void **state)
{
    struct tmpdir t;
    char path[128], secret[CLI_SECRET_MAX];

    (void)state;
    make_tmpdir(&t);
    snprintf(path, sizeof(path), "%s/pin", t.path);
    write_text(path, "12345678\nsecond line\n");
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, sizeof(secret)),
                     CLI_OK);
    assert_string_equal(secret, "12345678");
    /* Nobody else may read the file. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, sizeof(secret)),
                     CLI_FILE_ERROR);
    write_text(path, "54321\r\n");
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, sizeof(secret)),
                     CLI_OK);
    assert_string_equal(secret, "54321");
    write_text(path, "\n");
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, sizeof(secret)),
                     CLI_USAGE);
    write_text(path, "123456789012345678901234567890");
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, 16), CLI_USAGE);
    /* A failed read leaves nothing of the secret behind. */
    for (size_t i = 0; i < 16; i++)
        assert_int_equal(secret[i], 0);
    unlink(path);
    assert_int_equal(cli_secret_read(path, "--pin-file", "PIN: ", "PIN", secret, sizeof(secret)),
                     CLI_FILE_ERROR);
    rmdir(t.path);
}

/* ---- option parsing: what a user sees for a refused option ---- */

static const struct option parse_longopts[] = {CLI_GLOBAL_LONGOPTS,
                                               {"output", required_argument, NULL, 'o'},
                                               {"json", no_argument, NULL, 'j'},
                                               {NULL, 0, NULL, 0}};

struct parse_result {
    int last;       /* the last cli_next_option() value */
    int options[8]; /* the options returned before it */
    char stderr_text[512];
    int rc;
};

/* Run the parser over @p words (NULL-terminated) as command "cmd", capturing stderr. */
static void parse(const char *shortopts, struct cli_global *g, const char **words,
                  struct parse_result *r)
{
    char *argv[16];
    int argc = 0, saved = dup(STDERR_FILENO), n = 0;
    FILE *capture = tmpfile();
    struct cli_parser p;
    size_t len;

    assert_non_null(capture);
    for (; words[argc] != NULL; argc++)
        argv[argc] = (char *)words[argc];
    argv[argc] = NULL;
    memset(r, 0, sizeof(*r));
    fflush(stderr);
    dup2(fileno(capture), STDERR_FILENO);
    cli_parse_init(&p, "cmd", "help text\n", shortopts, parse_longopts, argc, argv, g);
    while ((r->last = cli_next_option(&p)) >= 0 && n < 8)
        r->options[n++] = r->last;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(capture);
    len = fread(r->stderr_text, 1, sizeof(r->stderr_text) - 1, capture);
    r->stderr_text[len] = '\0';
    fclose(capture);
    r->rc = p.rc;
}

static void expect_refusal(const char **words, const char *message)
{
    struct cli_global g = {0};
    struct parse_result r;

    parse("o:", &g, words, &r);
    assert_int_equal(r.last, CLI_OPT_STOP);
    assert_int_equal(r.rc, CLI_USAGE);
    assert_non_null(strstr(r.stderr_text, message));
    assert_non_null(strstr(r.stderr_text, "; see tscns cmd --help"));
}

static void test_parse_refusals_named(void **state)
{
    (void)state;
    expect_refusal((const char *[]){"cmd", "--frobnicate", NULL},
                   "tscns cmd: unknown option --frobnicate");
    expect_refusal((const char *[]){"cmd", "--frob=1", NULL}, "unknown option --frob;");
    expect_refusal((const char *[]){"cmd", "-Z", NULL}, "unknown option -Z");
    /* Inside a cluster, after a long option: still the short option that is unknown. */
    expect_refusal((const char *[]){"cmd", "--json", "-Zo", "file", NULL}, "unknown option -Z");
    expect_refusal((const char *[]){"cmd", "--output", NULL}, "option --output needs a value");
    expect_refusal((const char *[]){"cmd", "-o", NULL}, "option -o needs a value");
    expect_refusal((const char *[]){"cmd", "--json", "--reader", NULL},
                   "option --reader needs a value");
    expect_refusal((const char *[]){"cmd", "--json=yes", NULL}, "option --json takes no value");
    /* An abbreviation is named as typed. */
    expect_refusal((const char *[]){"cmd", "--js=yes", NULL}, "option --js takes no value");
}

static void test_parse_accepts(void **state)
{
    struct cli_global g = {0};
    struct parse_result r;

    (void)state;
    parse("o:", &g, (const char *[]){"cmd", "--reader", "R", "-o", "f", "--js", "x", NULL}, &r);
    assert_int_equal(r.last, CLI_OPT_END);
    assert_int_equal(r.options[0], 'o');
    assert_int_equal(r.options[1], 'j');
    assert_string_equal(g.reader, "R");
    assert_string_equal(r.stderr_text, "");
    /* Operands are moved after the options. */
    assert_int_equal(optind, 6);

    /* '+': the options end at the first operand, which belongs to a subcommand. */
    memset(&g, 0, sizeof(g));
    parse("+", &g, (const char *[]){"cmd", "--serial", "1234567890123456", "sub", "--x", NULL}, &r);
    assert_int_equal(r.last, CLI_OPT_END);
    assert_int_equal(optind, 3);
    assert_string_equal(g.serial, "1234567890123456");

    /* A malformed global option is refused by the parser too. */
    parse("", &g, (const char *[]){"cmd", "--serial", "12-4", NULL}, &r);
    assert_int_equal(r.last, CLI_OPT_STOP);
    assert_int_equal(r.rc, CLI_USAGE);
    assert_non_null(strstr(r.stderr_text, "16 digits"));
    parse("", &g, (const char *[]){"cmd", "--backend", "module", NULL}, &r);
    assert_int_equal(r.last, CLI_OPT_STOP);
    assert_int_equal(r.rc, CLI_USAGE);
    assert_non_null(strstr(r.stderr_text, "auto, native or pkcs11"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escape_specials),
        cmocka_unit_test(test_json_escape_utf8),
        cmocka_unit_test(test_json_document),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_key_uri),
        cmocka_unit_test(test_pem_armour),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_parse_refusals_named),
        cmocka_unit_test(test_parse_accepts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
