/* APDU trace. One mutex keeps lines from several threads whole. */
#include "trace.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_once_t trace_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t trace_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_out;

static void trace_init(void)
{
    const char *where = getenv("TSCNS_TRACE");

    if (where == NULL || *where == '\0')
        return;
    if (strcmp(where, "stderr") == 0 || strcmp(where, "1") == 0) {
        trace_out = stderr;
        return;
    }
    /* Append, so that a parent and a forked child interleave instead of truncating. */
    trace_out = fopen(where, "a");
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
