/*
 * The per-user PIN record of each card (include/tscns/pin_state.h). Readers take no lock: a
 * record is replaced by rename(), so a reader sees the old or the new version whole. Writers
 * hold an flock on the folder's lock file for the read-modify-write, and wait for it a bounded
 * time: a stopped process holding it must not hang every other.
 */
#include "tscns/pin_state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state_dir.h"

#define RECORD_MAX 1024
#define MAGIC "tscns-pin-state 1\n"
/* 200 x 10 ms: far longer than any read-modify-write of a 1 KB file. */
#define LOCK_TRIES 200

static void clear(tscns_pin_state *st)
{
    memset(st, 0, sizeof(*st));
    st->tries = -1;
}

int tscns_pin_state_dir(char *out, size_t cap)
{
    return state_dir_path("cards", out, cap);
}

/* A serial is the card's EF_IDCarta digits, or a PKCS#11 token's serial of letters and digits:
 * nothing else (no '/', no '.') may become a file name. */
static int serial_ok(const char *serial)
{
    size_t n = serial != NULL ? strlen(serial) : 0;

    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)serial[i]))
            return 0;
    return 1;
}

static int parse(char *text, tscns_pin_state *st)
{
    char *line, *save = NULL;

    if (strncmp(text, MAGIC, strlen(MAGIC)) != 0)
        return 0;
    for (line = strtok_r(text + strlen(MAGIC), "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        int n = 0;

        if (sscanf(line, "tries %d %lld%n", &st->tries, &st->tries_time, &n) == 2 &&
            line[n] == '\0') {
            if (st->tries < -1 || st->tries > 15)
                return 0;
        } else if (sscanf(line, "rejected %lld %n", &st->rejected_time, &n) == 1 && n > 0 &&
                   line[n] != '\0' && strlen(line + n) < sizeof(st->source)) {
            st->source_rejected = 1;
            strcpy(st->source, line + n);
        } else {
            return 0;
        }
    }
    return 1;
}

/* The record in folder @p dfd; 0 (and @p st cleared) when absent or not to be trusted. */
static int read_at(int dfd, const char *serial, tscns_pin_state *st)
{
    char text[RECORD_MAX + 1];
    struct stat sb;
    ssize_t n;
    int fd, ok = 0;

    clear(st);
    fd = openat(dfd, serial, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
        (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0 && sb.st_size <= RECORD_MAX) {
        n = read(fd, text, RECORD_MAX);
        if (n > 0) {
            text[n] = '\0';
            ok = strlen(text) == (size_t)n && parse(text, st);
        }
    }
    close(fd);
    if (!ok)
        clear(st);
    return ok;
}

int tscns_pin_state_read(const char *serial, tscns_pin_state *out)
{
    char dir[4096];
    int dfd, ok;

    clear(out);
    if (!serial_ok(serial) || tscns_pin_state_dir(dir, sizeof(dir)) != 0 ||
        (dfd = state_dir_open(dir, 0)) < 0)
        return 0;
    ok = read_at(dfd, serial, out);
    close(dfd);
    return ok;
}

/* The folder's lock file, opened; one that is not the user's own regular file is replaced. */
static int open_lock(int dfd)
{
    struct stat sb;

    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = openat(dfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);

        if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid())
            return fd;
        if (fd >= 0)
            close(fd);
        if (fstatat(dfd, ".lock", &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            unlinkat(dfd, ".lock", S_ISDIR(sb.st_mode) ? AT_REMOVEDIR : 0) != 0)
            return -1;
    }
    return -1;
}

static int lock_folder(int dfd)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    int fd = open_lock(dfd);

    if (fd < 0)
        return -1;
    for (int i = 0; i < LOCK_TRIES; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        nanosleep(&pause, NULL);
    }
    close(fd);
    return -1;
}

static int write_at(int dfd, const char *serial, const tscns_pin_state *st)
{
    char text[RECORD_MAX], tmp[64];
    int len, fd, ok;

    len = snprintf(text, sizeof(text), "%s", MAGIC);
    if (st->tries_time != 0)
        len += snprintf(text + len, sizeof(text) - (size_t)len, "tries %d %lld\n", st->tries,
                        st->tries_time);
    if (st->source_rejected)
        len += snprintf(text + len, sizeof(text) - (size_t)len, "rejected %lld %s\n",
                        st->rejected_time, st->source);
    if (len <= 0 || (size_t)len >= sizeof(text))
        return -1;
    snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", serial, (long)getpid());
    unlinkat(dfd, tmp, 0);
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    /* rename() replaces a foreign or corrupt file too: the folder is ours. */
    if (!ok || renameat(dfd, tmp, dfd, serial) != 0) {
        unlinkat(dfd, tmp, 0);
        return -1;
    }
    return 0;
}

enum edit { NOTE_TRIES, SOURCE_REJECTED, PERSON_VERIFIED };

static int update(const char *serial, enum edit what, int tries, const char *source)
{
    char dir[4096];
    tscns_pin_state st;
    int dfd, lfd, rc = -1;

    if (!serial_ok(serial) || tscns_pin_state_dir(dir, sizeof(dir)) != 0 ||
        (dfd = state_dir_open(dir, 1)) < 0)
        return -1;
    if ((lfd = lock_folder(dfd)) < 0)
        goto out;
    read_at(dfd, serial, &st);
    switch (what) {
    case NOTE_TRIES:
        st.tries = tries;
        st.tries_time = (long long)time(NULL);
        break;
    case SOURCE_REJECTED:
        st.source_rejected = 1;
        st.rejected_time = (long long)time(NULL);
        /* One line per fact: a line end in the name would forge another. */
        snprintf(st.source, sizeof(st.source), "%s", source);
        st.source[strcspn(st.source, "\r\n")] = '\0';
        if (st.source[0] == '\0')
            strcpy(st.source, "?");
        break;
    case PERSON_VERIFIED:
        st.source_rejected = 0;
        break;
    }
    rc = write_at(dfd, serial, &st);
    close(lfd); /* releases the flock */
out:
    close(dfd);
    return rc;
}

int tscns_pin_state_note_tries(const char *serial, int tries)
{
    tscns_pin_state st;

    if (tries < 0)
        tries = -1;
    /* A correct PIN on a card already on record as full: nothing new, no write. */
    if (tries == -1 && tscns_pin_state_read(serial, &st) && st.tries == -1)
        return 0;
    return update(serial, NOTE_TRIES, tries, NULL);
}

int tscns_pin_state_source_rejected(const char *serial, const char *source)
{
    return update(serial, SOURCE_REJECTED, 0, source != NULL ? source : "?");
}

int tscns_pin_state_person_verified(const char *serial)
{
    tscns_pin_state st;

    /* Nothing flagged (or nothing to trust): no write, the common case of a correct PIN. */
    if (!tscns_pin_state_read(serial, &st) || !st.source_rejected)
        return 0;
    return update(serial, PERSON_VERIFIED, 0, NULL);
}
