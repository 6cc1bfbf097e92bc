/* APDU trace. One mutex keeps lines from several threads whole. */
#define _GNU_SOURCE /* secure_getenv */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trace_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_out;

/* Why a trace file must not be used, or NULL when it may. */
static const char *unfit(const struct stat *st)
{
    if (S_ISLNK(st->st_mode))
        return "is a symbolic link";
    if (!S_ISREG(st->st_mode))
        return "is not a regular file";
    if (st->st_uid != geteuid())
        return "belongs to another user";
    return NULL;
}

/*
 * The trace holds every APDU of the session: it must not land where another user can read it or
 * points it. A path that exists is checked before opening (a FIFO would block the open) and the
 * opened file again (the path may have changed in between); O_NOFOLLOW refuses a link planted at
 * the last component. Append, so that a parent and a forked child interleave.
 */
static FILE *open_trace_file(const char *path)
{
    struct stat st;
    const char *why = NULL;
    FILE *f = NULL;
    int fd;

    if (lstat(path, &st) == 0)
        why = unfit(&st);
    if (why == NULL) {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
        if (fd < 0)
            why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
        else if (fstat(fd, &st) != 0 || (why = unfit(&st)) != NULL || (f = fdopen(fd, "a")) == NULL)
            close(fd);
    }
    if (why != NULL)
        fprintf(stderr, "tscns: TSCNS_TRACE file %s %s: no trace written\n", path, why);
    else if (f == NULL)
        fprintf(stderr, "tscns: TSCNS_TRACE file %s cannot be used: no trace written\n", path);
    return f;
}

/* fork(): the child gets the lock free (no thread of the parent is inside a trace line). */
static void trace_lock(void)
{
    pthread_mutex_lock(&trace_mu);
}

static void trace_unlock(void)
{
    pthread_mutex_unlock(&trace_mu);
}

static void trace_init(void)
{
    /* A set-uid or set-gid program must not let its caller choose a file to write. */
    const char *where = secure_getenv("TSCNS_TRACE");

    if (where == NULL || *where == '\0')
        return;
    pthread_atfork(trace_lock, trace_unlock, trace_unlock);
    if (strcmp(where, "stderr") == 0 || strcmp(where, "1") == 0) {
        trace_out = stderr;
        return;
    }
    trace_out = open_trace_file(where);
    if (trace_out != NULL)
        setvbuf(trace_out, NULL, _IOLBF, 0);
}

int trace_enabled(void)
{
    pthread_once(&trace_once, trace_init);
    return trace_out != NULL;
}

static void stamp(const char *reader, const char *dir)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(trace_out, "tscns %ld.%06ld [%s] %s", (long)ts.tv_sec, ts.tv_nsec / 1000L,
            reader != NULL ? reader : "-", dir);
}

static void hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(trace_out, " %02X", b[i]);
}

/* PIN-carrying instructions are masked even if a caller forgot to say so. */
static int ins_carries_secret(uint8_t ins)
{
    return ins == 0x20 || ins == 0x24 || ins == 0x2C;
}

void trace_command(const char *reader, const uint8_t *cmd, size_t len, int sensitive)
{
    size_t head;

    if (!trace_enabled() || len < 4)
        return;
    pthread_mutex_lock(&trace_mu);
    stamp(reader, "> ");
    if (sensitive || ins_carries_secret(cmd[1])) {
        /* Header and length bytes stay visible; the data field (and any Le) does not. */
        head = len > 4 ? 5 : 4;
        if (len > 7 && cmd[4] == 0x00)
            head = 7;
        hex(cmd, head);
        if (len > head)
            fprintf(trace_out, " [%zu bytes masked]", len - head);
    } else {
        hex(cmd, len);
    }
    fputc('\n', trace_out);
    pthread_mutex_unlock(&trace_mu);
}

void trace_response(const char *reader, const uint8_t *resp, size_t len)
{
    if (!trace_enabled())
        return;
    pthread_mutex_lock(&trace_mu);
    stamp(reader, "< ");
    hex(resp, len);
    fputc('\n', trace_out);
    pthread_mutex_unlock(&trace_mu);
}

void trace_event(const char *reader, const char *what)
{
    if (!trace_enabled())
        return;
    pthread_mutex_lock(&trace_mu);
    stamp(reader, "# ");
    fprintf(trace_out, "%s\n", what);
    pthread_mutex_unlock(&trace_mu);
}
