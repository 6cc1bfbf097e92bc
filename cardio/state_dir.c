#define _GNU_SOURCE /* secure_getenv */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* $VAR/tscns/LEAF, else $HOME/FALLBACK/tscns/LEAF (the XDG spec ignores a relative $VAR). */
static int xdg_path(const char *var, const char *fallback, const char *leaf, char *out, size_t cap)
{
    /* A set-uid program must not let its caller choose where it writes. */
    const char *base = secure_getenv(var);
    const char *home = secure_getenv("HOME");
    int n;

    if (base != NULL && base[0] == '/')
        n = snprintf(out, cap, "%s/tscns/%s", base, leaf);
    else if (home != NULL && home[0] == '/')
        n = snprintf(out, cap, "%s/%s/tscns/%s", home, fallback, leaf);
    else
        return -1;
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int state_dir_path(const char *leaf, char *out, size_t cap)
{
    return xdg_path("XDG_STATE_HOME", ".local/state", leaf, out, cap);
}

int cache_dir_path(const char *leaf, char *out, size_t cap)
{
    return xdg_path("XDG_CACHE_HOME", ".cache", leaf, out, cap);
}

static int fit(const struct stat *st)
{
    return S_ISDIR(st->st_mode) && st->st_uid == geteuid() &&
           (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* mkdir -p, each new folder 0700. */
static int make_dirs(char *path)
{
    for (char *p = path + 1;; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = saved;
            return -1;
        }
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

int state_dir_open(const char *path, int create)
{
    char copy[4096];
    struct stat st;
    int fd;

    if (create) {
        if (strlen(path) >= sizeof(copy))
            return -1;
        strcpy(copy, path);
        if (make_dirs(copy) != 0)
            return -1;
    }
    /* O_NOFOLLOW refuses a link at the last component; fstat checks the folder opened. */
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !fit(&st)) {
        close(fd);
        return -1;
    }
    return fd;
}
