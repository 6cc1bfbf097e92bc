/*
 * The user's PIN record of each card (include/tscns/pin_state.h): facts round-trip, a source
 * name cannot forge a line, a corrupt, another user's or oversized record is ignored and then
 * replaced, a folder that is a link, another user's or writable by others is refused, serials
 * cannot name other files, and concurrent writers lose no update.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tscns/pin_state.h"

#define SERIAL "8038000000000001"

static char root[256], cards[512], record[600];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/tscns-pin-state.XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    setenv("XDG_STATE_HOME", root, 1);
    snprintf(cards, sizeof(cards), "%s/tscns/cards", root);
    snprintf(record, sizeof(record), "%s/%s", cards, SERIAL);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void round_trip(void **state)
{
    tscns_pin_state st;
    struct stat sb;
    long long now = (long long)time(NULL);

    (void)state;
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 0);
    assert_int_equal(st.tries, -1);
    assert_int_equal(st.source_rejected, 0);

    assert_int_equal(tscns_pin_state_note_tries(SERIAL, 2), 0);
    assert_int_equal(tscns_pin_state_source_rejected(SERIAL, "file:/x\nrejected 0 forged"), 0);
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 1);
    assert_int_equal(st.tries, 2);
    assert_true(st.tries_time >= now && st.rejected_time >= now);
    assert_int_equal(st.source_rejected, 1);
    assert_string_equal(st.source, "file:/x");

    assert_int_equal(stat(cards, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(record, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    assert_int_equal(tscns_pin_state_person_verified(SERIAL), 0);
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 1);
    assert_int_equal(st.source_rejected, 0);
    assert_int_equal(st.tries, 2);
    assert_int_equal(tscns_pin_state_note_tries(SERIAL, -1), 0);
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 1);
    assert_int_equal(st.tries, -1);
}

/* A record not to be trusted reads as nothing known, and the next update replaces it. */
static void check_ignored_then_replaced(void)
{
    tscns_pin_state st;
    struct stat sb;

    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 0);
    assert_int_equal(st.source_rejected, 0);
    assert_int_equal(st.tries, -1);
    assert_int_equal(tscns_pin_state_source_rejected(SERIAL, "env:PIN"), 0);
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 1);
    assert_int_equal(st.source_rejected, 1);
    assert_int_equal(st.tries, -1);
    assert_int_equal(stat(record, &sb), 0);
    assert_int_equal(sb.st_uid, geteuid());
}

static void untrusted_records(void **state)
{
    char big[2048];

    (void)state;
    assert_int_equal(tscns_pin_state_note_tries(SERIAL, 1), 0);
    write_file(record, "tscns-pin-state 1\ntries 1 x\n");
    check_ignored_then_replaced();

    write_file(record, "tscns-pin-state 2\ntries 1 5\n");
    check_ignored_then_replaced();

    memset(big, '\n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "tscns-pin-state 1\n", 18);
    write_file(record, big);
    check_ignored_then_replaced();

    assert_int_equal(chmod(record, 0622), 0);
    check_ignored_then_replaced();

    if (geteuid() == 0) {
        char lock[700];

        write_file(record, "tscns-pin-state 1\ntries 1 5\n");
        assert_int_equal(chown(record, 65534, 65534), 0);
        check_ignored_then_replaced();
        /* Another user's lock file is replaced too: it cannot stop the updates. */
        snprintf(lock, sizeof(lock), "%s/.lock", cards);
        assert_int_equal(chown(lock, 65534, 65534), 0);
        write_file(record, "corrupt\n");
        check_ignored_then_replaced();
    }
    /* So is a symbolic link in its place. */
    {
        char lock[700];

        snprintf(lock, sizeof(lock), "%s/.lock", cards);
        assert_int_equal(unlink(lock), 0);
        assert_int_equal(symlink("/etc/passwd", lock), 0);
        write_file(record, "corrupt\n");
        check_ignored_then_replaced();
    }
}

static void unsafe_folders(void **state)
{
    char other[600], tscns[600];
    tscns_pin_state st;
    struct stat sb;

    (void)state;
    snprintf(tscns, sizeof(tscns), "%s/tscns", root);
    snprintf(other, sizeof(other), "%s/elsewhere", root);
    assert_int_equal(mkdir(tscns, 0700), 0);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(symlink(other, cards), 0);
    assert_int_equal(tscns_pin_state_note_tries(SERIAL, 2), -1);
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 0);
    snprintf(other + strlen(other), sizeof(other) - strlen(other), "/%s", SERIAL);
    assert_int_not_equal(stat(other, &sb), 0);
    assert_int_equal(unlink(cards), 0);

    assert_int_equal(mkdir(cards, 0700), 0);
    assert_int_equal(chmod(cards, 0770), 0);
    assert_int_equal(tscns_pin_state_note_tries(SERIAL, 2), -1);
    assert_int_equal(chmod(cards, 0700), 0);
    assert_int_equal(tscns_pin_state_note_tries(SERIAL, 2), 0);
    if (geteuid() == 0) {
        assert_int_equal(chown(cards, 65534, 65534), 0);
        assert_int_equal(tscns_pin_state_read(SERIAL, &st), 0);
        assert_int_equal(tscns_pin_state_note_tries(SERIAL, 1), -1);
    }
}

static void bad_serials(void **state)
{
    tscns_pin_state st;

    (void)state;
    assert_int_equal(tscns_pin_state_note_tries("../../x", 2), -1);
    assert_int_equal(tscns_pin_state_note_tries(".lock", 2), -1);
    assert_int_equal(tscns_pin_state_note_tries("", 2), -1);
    assert_int_equal(tscns_pin_state_source_rejected(NULL, "env:X"), -1);
    assert_int_equal(tscns_pin_state_read("12/34", &st), 0);
    /* A PKCS#11 token's serial of letters and digits is a serial too. */
    assert_int_equal(tscns_pin_state_note_tries("763109f50e56fe5e", 2), 0);
    assert_int_equal(tscns_pin_state_read("763109f50e56fe5e", &st), 1);
    assert_int_equal(st.tries, 2);
}

/* Two processes updating different facts at once: both facts survive (the flock). */
static void concurrent_writers(void **state)
{
    tscns_pin_state st;
    pid_t kids[2];
    int status;

    (void)state;
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            for (int i = 0; i < 40; i++) {
                int rc = k == 0 ? tscns_pin_state_note_tries(SERIAL, i % 3)
                                : tscns_pin_state_source_rejected(SERIAL, "env:PIN");

                if (rc != 0)
                    _exit(1);
                if (k == 1 && tscns_pin_state_person_verified(SERIAL) != 0)
                    _exit(1);
            }
            if (k == 1 && tscns_pin_state_source_rejected(SERIAL, "env:PIN") != 0)
                _exit(1);
            _exit(0);
        }
    }
    for (int k = 0; k < 2; k++) {
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    assert_int_equal(tscns_pin_state_read(SERIAL, &st), 1);
    assert_int_equal(st.source_rejected, 1);
    assert_int_equal(st.tries, 39 % 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(untrusted_records, setup, teardown),
        cmocka_unit_test_setup_teardown(unsafe_folders, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_serials, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_writers, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
