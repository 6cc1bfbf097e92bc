/*
 * The APDU trace (TSCNS_TRACE=FILE): every APDU and status word, never a PIN or PUK byte; the
 * file is the user's own (0600, no symlink, no FIFO, no one else's file). cardio reads the
 * variable once per process, so each file case runs in a child of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_transport.h"
#include "trace.h"
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

/*
 * The trace without each line's "tscns SECONDS.MICROSECONDS " prefix: a timestamp holds digit
 * runs of its own, which could match a PIN's by chance and make the check below flaky.
 */
static char *without_timestamps(const char *t)
{
    static char buf[65536];
    size_t o = 0;

    while (*t != '\0') {
        const char *bracket = strchr(t, '[');
        const char *eol = strchr(t, '\n');
        size_t len;

        if (eol == NULL)
            eol = t + strlen(t);
        if (bracket != NULL && bracket < eol)
            t = bracket;
        len = (size_t)(eol - t) + (*eol == '\n');
        assert_true(o + len < sizeof(buf));
        memcpy(buf + o, t, len);
        o += len;
        t += len;
    }
    buf[o] = '\0';
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

    t = without_timestamps(read_trace());
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

/*
 * In a child with umask 022, TSCNS_TRACE=@p where and stderr into @p err_path: one trace event.
 * Returns 1 when the child says tracing is on.
 */
static int trace_in_child(const char *where, const char *err_path)
{
    int status = 0;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen(err_path, "w", stderr) == NULL)
            _exit(3);
        /* A trace that blocks (a FIFO opened for writing) kills the child: the test fails. */
        alarm(10);
        umask(022);
        setenv("TSCNS_TRACE", where, 1);
        trace_event("child reader", "child event");
        fflush(stderr);
        _exit(trace_enabled() ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_true(WEXITSTATUS(status) <= 1);
    return WEXITSTATUS(status) == 0;
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = 0;

    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

typedef struct dir_fixture {
    char dir[64];
    char path[128];
    char err[128];
} dir_fixture;

static int dir_setup(void **state)
{
    dir_fixture *d = calloc(1, sizeof(*d));

    if (d == NULL)
        return -1;
    strcpy(d->dir, "/tmp/cardio-trace-dir-XXXXXX");
    if (mkdtemp(d->dir) == NULL)
        return -1;
    snprintf(d->path, sizeof(d->path), "%s/trace", d->dir);
    snprintf(d->err, sizeof(d->err), "%s/stderr", d->dir);
    *state = d;
    return 0;
}

static int dir_teardown(void **state)
{
    dir_fixture *d = *state;
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
    free(d);
    return system(cmd) == 0 ? 0 : -1;
}

static void file_created_0600(void **state)
{
    dir_fixture *d = *state;
    struct stat st;

    assert_true(trace_in_child(d->path, d->err));
    assert_int_equal(lstat(d->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_non_null(strstr(slurp(d->path), "[child reader] # child event"));
    assert_string_equal(slurp(d->err), "");
}

static void symlink_refused(void **state)
{
    dir_fixture *d = *state;
    char target[160];
    char msg[256];
    FILE *f;

    snprintf(target, sizeof(target), "%s/target", d->dir);
    f = fopen(target, "w");
    assert_non_null(f);
    fputs("untouched\n", f);
    fclose(f);
    assert_int_equal(symlink(target, d->path), 0);
    assert_false(trace_in_child(d->path, d->err));
    assert_string_equal(slurp(target), "untouched\n");
    snprintf(msg, sizeof(msg), "tscns: TSCNS_TRACE file %s is a symbolic link: no trace written\n",
             d->path);
    assert_string_equal(slurp(d->err), msg);
    /* A dangling link is no better: nothing may be created where it points. */
    assert_int_equal(unlink(d->path), 0);
    assert_int_equal(unlink(target), 0);
    assert_int_equal(symlink(target, d->path), 0);
    assert_false(trace_in_child(d->path, d->err));
    assert_int_equal(access(target, F_OK), -1);
}

static void fifo_and_directory_refused(void **state)
{
    dir_fixture *d = *state;

    /* A FIFO without a reader would block the open: refused before opening. */
    assert_int_equal(mkfifo(d->path, 0600), 0);
    assert_false(trace_in_child(d->path, d->err));
    assert_non_null(strstr(slurp(d->err), "is not a regular file: no trace written"));
    assert_false(trace_in_child(d->dir, d->err));
    assert_non_null(strstr(slurp(d->err), "is not a regular file: no trace written"));
}

static void other_users_file_refused(void **state)
{
    dir_fixture *d = *state;
    FILE *f = fopen(d->path, "w");

    assert_non_null(f);
    fclose(f);
    /* Only root can give a file away; as another user, a file of root's serves the same end. */
    if (geteuid() == 0)
        assert_int_equal(chown(d->path, 65534, 65534), 0);
    else
        snprintf(d->path, sizeof(d->path), "/etc/passwd");
    assert_false(trace_in_child(d->path, d->err));
    assert_non_null(strstr(slurp(d->err), "belongs to another user: no trace written"));
    if (geteuid() == 0)
        assert_string_equal(slurp(d->path), "");
}

static void stderr_still_works(void **state)
{
    dir_fixture *d = *state;

    assert_true(trace_in_child("stderr", d->err));
    assert_non_null(strstr(slurp(d->err), "[child reader] # child event"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* The children first: a child inherits the parent's trace once it is set up. */
        cmocka_unit_test_setup_teardown(file_created_0600, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(symlink_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(fifo_and_directory_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(other_users_file_refused, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(stderr_still_works, dir_setup, dir_teardown),
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
