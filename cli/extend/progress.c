#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static struct timespec started;
static int clock_running;

void progress_start(void)
{
    clock_gettime(CLOCK_MONOTONIC, &started);
    clock_running = 1;
}

void progress(const char *fmt, ...)
{
    struct timespec now;
    double elapsed;
    va_list ap;

    if (!clock_running)
        progress_start();
    clock_gettime(CLOCK_MONOTONIC, &now);
    elapsed = (double)(now.tv_sec - started.tv_sec) + (double)(now.tv_nsec - started.tv_nsec) / 1e9;
    fprintf(stderr, "[%7.2f s] ", elapsed);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void refuse(const char *fmt, ...)
{
    va_list ap;

    fputs("tscns extend: refused: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
