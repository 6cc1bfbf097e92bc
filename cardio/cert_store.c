/*
 * The per-user certificate cache on disk (include/tscns/cert_store.h). A file is replaced by
 * rename(), so a reader sees a whole version; two processes writing the same card's file write
 * the same bytes, so the last rename winning loses nothing and no lock is taken. No fsync: a file
 * cut short by a crash fails the DER check and is read again from the card.
 */
#define _GNU_SOURCE /* secure_getenv */
#include "cert_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "state_dir.h"
#include "trace.h"
#include "tscns/cert_store.h"

/* READ BINARY's 15-bit offsets bound the certificate file, hence the certificate. */
#define STORE_FILE_MAX 0x7FFF

static atomic_int store_on = -1;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void read_env(void)
{
    const char *v = secure_getenv("TSCNS_CERT_CACHE");
    int on = !(v != NULL && (strcmp(v, "no") == 0 || strcmp(v, "off") == 0 || strcmp(v, "0") == 0));
    int unset = -1;

    /* A call to tscns_cert_store_enable() before the first use wins over the environment. */
    atomic_compare_exchange_strong(&store_on, &unset, on);
}

void tscns_cert_store_enable(int on)
{
    pthread_once(&env_once, read_env);
    atomic_store(&store_on, on != 0);
}

int tscns_cert_store_enabled(void)
{
    pthread_once(&env_once, read_env);
    return atomic_load(&store_on) == 1;
}

int tscns_cert_store_dir(char *out, size_t cap)
{
    return cache_dir_path("certs", out, cap);
}

static void trace_fmt(const char *reader, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void trace_fmt(const char *reader, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (!trace_enabled())
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    trace_event(reader, line);
}

/* The folder as a descriptor, or -1: absent (and not @p create), or unfit (traced). */
static int open_dir(const char *reader, int create)
{
    char path[4096];
    struct stat st;
    int fd;

    if (!tscns_cert_store_enabled() || tscns_cert_store_dir(path, sizeof(path)) != 0)
        return -1;
    fd = state_dir_open(path, create);
    if (fd < 0 && lstat(path, &st) == 0)
        trace_fmt(reader,
                  "certificate cache: %s is a link, another user's or writable by others: "
                  "not used",
                  path);
    return fd;
}

static int file_name(const char *serial, const char *profile, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s-%s.der", serial, profile);

    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Why a cache file must not be used, or NULL. */
static const char *unfit(const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return "is not a regular file";
    if (st->st_uid != geteuid())
        return "belongs to another user";
    if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return "can be written by others";
    if (st->st_size < 4 || st->st_size > STORE_FILE_MAX)
        return "has not the size of a certificate";
    return NULL;
}

/* One DER certificate, all of @p len: 30 82 LL LL and a body X.509 parses. */
static int der_ok(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x;

    if (len < 4 || der[0] != 0x30 || der[1] != 0x82 || len != 4 + ((size_t)der[2] << 8 | der[3]))
        return 0;
    x = d2i_X509(NULL, &p, (long)len);
    X509_free(x);
    return x != NULL && p == der + len;
}

uint8_t *cert_store_load(const char *reader, const char *serial, const char *profile, size_t *len)
{
    char name[128];
    struct stat st;
    const char *why;
    uint8_t *der = NULL;
    ssize_t got = 0;
    int dfd, fd = -1;

    if (file_name(serial, profile, name, sizeof(name)) != 0 || (dfd = open_dir(reader, 0)) < 0)
        return NULL;
    /* O_NONBLOCK: a FIFO planted there must not hang the open. */
    fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT)
            trace_fmt(reader, "certificate cache: %s cannot be opened: ignored", name);
        goto end;
    }
    if (fstat(fd, &st) != 0)
        goto end;
    why = unfit(&st);
    if (why != NULL) {
        trace_fmt(reader, "certificate cache: %s %s: ignored", name, why);
        goto end;
    }
    der = malloc((size_t)st.st_size);
    if (der != NULL)
        got = read(fd, der, (size_t)st.st_size);
    if (der != NULL && (got != st.st_size || !der_ok(der, (size_t)got))) {
        trace_fmt(reader, "certificate cache: %s is not one DER certificate: ignored", name);
        free(der);
        der = NULL;
    }
    if (der != NULL)
        *len = (size_t)got;
end:
    if (fd >= 0)
        close(fd);
    close(dfd);
    return der;
}

void cert_store_save(const char *reader, const char *serial, const char *profile,
                     const uint8_t *der, size_t len)
{
    static atomic_uint seq;
    char name[128], tmp[192];
    int dfd, fd, ok;

    if (file_name(serial, profile, name, sizeof(name)) != 0 || (dfd = open_dir(reader, 1)) < 0)
        return;
    /* Unique among this user's processes and threads: O_EXCL then never meets another's file. */
    snprintf(tmp, sizeof(tmp), ".%s.%ld.%u.tmp", name, (long)getpid(), atomic_fetch_add(&seq, 1));
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    ok = fd >= 0 && write(fd, der, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    if (ok && renameat(dfd, tmp, dfd, name) == 0)
        trace_fmt(reader, "certificate cache: %s written", name);
    else {
        if (fd >= 0)
            unlinkat(dfd, tmp, 0);
        trace_fmt(reader, "certificate cache: %s could not be written", name);
    }
    close(dfd);
}

void cert_store_drop(const char *reader, const char *serial, const char *profile)
{
    char name[128];
    int dfd;

    if (file_name(serial, profile, name, sizeof(name)) != 0 || (dfd = open_dir(reader, 0)) < 0)
        return;
    if (unlinkat(dfd, name, 0) == 0)
        trace_fmt(reader, "certificate cache: %s removed", name);
    close(dfd);
}

/* The DER element at @p at: its content offset and end; 0 when it runs past @p len. */
static int der_element(const uint8_t *der, size_t len, size_t at, size_t *content, size_t *end)
{
    size_t n, i, body = 0;

    if (at + 2 > len)
        return 0;
    n = der[at + 1];
    i = at + 2;
    if (n & 0x80) {
        size_t bytes = n & 0x7F;

        if (bytes == 0 || bytes > 2 || i + bytes > len)
            return 0;
        for (; bytes > 0; bytes--)
            body = body << 8 | der[i++];
    } else {
        body = n;
    }
    *content = i;
    *end = i + body;
    return *end <= len;
}

size_t cert_store_head_len(const uint8_t *der, size_t len, size_t cap)
{
    size_t tbs, at, end, content;

    /* Certificate, then TBSCertificate: step into both. */
    if (!der_element(der, len, 0, &tbs, &end) || !der_element(der, len, tbs, &at, &end))
        return len < cap ? len : cap;
    /* [0] version is optional (v1 certificates have none). */
    if (at < len && der[at] == 0xA0 && der_element(der, len, at, &content, &end))
        at = end;
    if (at < len && der[at] == 0x02 && der_element(der, len, at, &content, &end))
        at = end;
    return at < cap ? at : cap;
}

static int cache_file(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".der") == 0;
}

/* Every cache file (and a temporary one left by a killed writer, when @p temps) of the folder. */
static int walk(int dfd, int temps, void (*fn)(int dfd, const char *name, void *arg), void *arg)
{
    int copy = dup(dfd);
    DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
    struct dirent *e;
    int n = 0;

    if (d == NULL) {
        if (copy >= 0)
            close(copy);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        if (cache_file(e->d_name) ||
            (temps && e->d_name[0] == '.' && len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0)) {
            fn(dfd, e->d_name, arg);
            n += cache_file(e->d_name);
        }
    }
    closedir(d);
    return n;
}

struct list_job {
    void (*each)(const tscns_cert_store_entry *e, void *arg);
    void *arg;
};

static void list_one(int dfd, const char *name, void *arg)
{
    struct list_job *job = arg;
    tscns_cert_store_entry e;
    struct stat st;

    memset(&e, 0, sizeof(e));
    snprintf(e.name, sizeof(e.name), "%s", name);
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        e.size = (size_t)st.st_size;
        e.mtime = (long long)st.st_mtime;
        e.trusted = unfit(&st) == NULL;
    }
    job->each(&e, job->arg);
}

/* The folder for the user's commands: -1 unfit, -2 absent. */
static int user_dir(void)
{
    char path[4096];
    struct stat st;
    int fd;

    if (tscns_cert_store_dir(path, sizeof(path)) != 0)
        return -2;
    fd = state_dir_open(path, 0);
    if (fd < 0)
        return lstat(path, &st) == 0 ? -1 : -2;
    return fd;
}

int tscns_cert_store_list(void (*each)(const tscns_cert_store_entry *e, void *arg), void *arg)
{
    struct list_job job = {each, arg};
    int dfd = user_dir(), n;

    if (dfd < 0)
        return dfd == -2 ? 0 : -1;
    n = walk(dfd, 0, list_one, &job);
    close(dfd);
    return n;
}

static void remove_one(int dfd, const char *name, void *arg)
{
    (void)arg;
    unlinkat(dfd, name, 0);
}

int tscns_cert_store_clear(void)
{
    int dfd = user_dir(), n;

    if (dfd < 0)
        return dfd == -2 ? 0 : -1;
    n = walk(dfd, 1, remove_one, NULL);
    close(dfd);
    return n;
}
