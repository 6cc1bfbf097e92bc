#include "backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"

/*
 * mkdir -p with mode 0700: a backup holds personal data (name, codice fiscale). A directory
 * made here is synced into its parent, so the backup's path survives a crash too.
 */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) == 0) {
            char *slash = strrchr(path, '/');

            if (slash != NULL && slash != path) {
                *slash = '\0';
                cli_sync_directory(path);
                *slash = '/';
            }
        } else if (errno != EEXIST) {
            *p = saved;
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

static int backup_dir(char *out, size_t size)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;

    /* The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored. */
    if (state != NULL && state[0] == '/')
        n = snprintf(out, size, "%s/tscns/backup", state);
    else if (home != NULL && home[0] == '/')
        n = snprintf(out, size, "%s/.local/state/tscns/backup", home);
    else
        return -1;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * A backup folder anyone else could write to, or a link to one, would let them swap the backup
 * that a later restore writes to the card: the folder must be the user's own real folder.
 * @p st is what lstat() or fstat() said about @p dir. Prints how to fix it; 0 when it is fine.
 */
static int folder_ok(const char *dir, const struct stat *st)
{
    if (S_ISLNK(st->st_mode)) {
        fprintf(stderr,
                "tscns extend: %s is a symbolic link; backups need a real folder of your own: "
                "replace the link with `mkdir -m 700` of that path\n",
                dir);
        return -1;
    }
    if (!S_ISDIR(st->st_mode)) {
        fprintf(stderr,
                "tscns extend: %s is not a folder; move it away so that a folder can "
                "take its place\n",
                dir);
        return -1;
    }
    if (st->st_uid != geteuid()) {
        fprintf(stderr,
                "tscns extend: %s belongs to user %u, not to you (%u): backups need a folder of "
                "your own (move it away, or set XDG_STATE_HOME)\n",
                dir, (unsigned)st->st_uid, (unsigned)geteuid());
        return -1;
    }
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        fprintf(stderr,
                "tscns extend: %s can be written by other users, who could swap a backup; fix "
                "it with `chmod go-w` of that path\n",
                dir);
        return -1;
    }
    return 0;
}

/*
 * Open the backup folder (made if missing) after checking it and its parent, the tscns folder:
 * a descriptor, so the folder checked is the folder written to. Prints why on failure.
 */
static int open_backup_dir(char *dir)
{
    char *slash = strrchr(dir, '/');
    struct stat st;
    int fd, bad;

    if (make_dirs(dir) != 0) {
        fprintf(stderr, "tscns extend: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    *slash = '\0';
    bad = lstat(dir, &st) != 0 || folder_ok(dir, &st) != 0;
    *slash = '/';
    if (bad)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && lstat(dir, &st) == 0) {
        folder_ok(dir, &st);
        return -1;
    }
    if (fd < 0) {
        fprintf(stderr, "tscns extend: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || folder_ok(dir, &st) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int backup_save(const char *serial, const uint8_t *der, size_t len, char *path, size_t size)
{
    char dir[4096], stamp[32];
    const char *name;
    time_t now = time(NULL);
    struct tm tm;
    int dfd, fd = -1, rc = CLI_FILE_ERROR;

    if (backup_dir(dir, sizeof(dir)) != 0) {
        fprintf(stderr, "tscns extend: no place for the backup: set HOME or XDG_STATE_HOME\n");
        return CLI_FILE_ERROR;
    }
    dfd = open_backup_dir(dir);
    if (dfd < 0)
        return CLI_FILE_ERROR;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    /* Two runs in the same second must not overwrite the first backup: O_EXCL and a suffix. */
    for (int i = 0; i < 100 && fd < 0; i++) {
        int n = i == 0 ? snprintf(path, size, "%s/%s-%s.der", dir, serial, stamp)
                       : snprintf(path, size, "%s/%s-%s-%d.der", dir, serial, stamp, i);

        if (n < 0 || (size_t)n >= size) {
            fprintf(stderr, "tscns extend: backup path too long under %s\n", dir);
            goto end;
        }
        name = path + strlen(dir) + 1;
        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            fprintf(stderr, "tscns extend: cannot create %s: %s\n", path, strerror(errno));
            goto end;
        }
    }
    if (fd < 0) {
        fprintf(stderr, "tscns extend: cannot find a free backup name in %s\n", dir);
        goto end;
    }
    if (cli_write_all(fd, der, len) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "tscns extend: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        unlinkat(dfd, name, 0);
        goto end;
    }
    if (close(fd) != 0 || fsync(dfd) != 0) {
        fprintf(stderr, "tscns extend: cannot make %s durable: %s\n", path, strerror(errno));
        unlinkat(dfd, name, 0);
        goto end;
    }
    rc = CLI_OK;
end:
    close(dfd);
    return rc;
}

int backup_serial_of(const char *path, char serial[17])
{
    const char *base = strrchr(path, '/');

    base = base != NULL ? base + 1 : path;
    if (strspn(base, "0123456789") != 16 || base[16] != '-')
        return -1;
    memcpy(serial, base, 16);
    serial[16] = '\0';
    return 0;
}
