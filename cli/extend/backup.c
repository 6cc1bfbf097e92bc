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

int backup_save(const char *serial, const uint8_t *der, size_t len, char *path, size_t size)
{
    char dir[4096], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int fd = -1;

    if (backup_dir(dir, sizeof(dir)) != 0) {
        fprintf(stderr, "tscns extend: no place for the backup: set HOME or XDG_STATE_HOME\n");
        return CLI_FILE_ERROR;
    }
    if (make_dirs(dir) != 0) {
        fprintf(stderr, "tscns extend: cannot create %s: %s\n", dir, strerror(errno));
        return CLI_FILE_ERROR;
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    /* Two runs in the same second must not overwrite the first backup: O_EXCL and a suffix. */
    for (int i = 0; i < 100 && fd < 0; i++) {
        int n = i == 0 ? snprintf(path, size, "%s/%s-%s.der", dir, serial, stamp)
                       : snprintf(path, size, "%s/%s-%s-%d.der", dir, serial, stamp, i);

        if (n < 0 || (size_t)n >= size) {
            fprintf(stderr, "tscns extend: backup path too long under %s\n", dir);
            return CLI_FILE_ERROR;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            fprintf(stderr, "tscns extend: cannot create %s: %s\n", path, strerror(errno));
            return CLI_FILE_ERROR;
        }
    }
    if (fd < 0) {
        fprintf(stderr, "tscns extend: cannot find a free backup name in %s\n", dir);
        return CLI_FILE_ERROR;
    }
    if (cli_write_all(fd, der, len) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "tscns extend: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        unlink(path);
        return CLI_FILE_ERROR;
    }
    if (close(fd) != 0 || cli_sync_directory(dir) != 0) {
        fprintf(stderr, "tscns extend: cannot make %s durable: %s\n", path, strerror(errno));
        unlink(path);
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
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
