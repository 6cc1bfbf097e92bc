#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* Enough for every distinct failure one program meets; past it lines are written again. */
#define SEEN_MAX 64

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t seen[SEEN_MAX];
static size_t seen_count;

int tsp_log_set(tsp_prov *prov, const char *value)
{
    static const struct {
        const char *name;
        enum tsp_log_target target;
    } names[] = {{"auto", TSP_LOG_AUTO},
                 {"stderr", TSP_LOG_STDERR},
                 {"syslog", TSP_LOG_SYSLOG},
                 {"none", TSP_LOG_NONE}};

    prov->log = TSP_LOG_AUTO;
    if (value == NULL)
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(value, names[i].name) == 0) {
            prov->log = names[i].target;
            return 1;
        }
    return 0;
}

/* FNV-1a: the lines are remembered by a hash, not kept, so nothing of them stays in memory. */
static uint64_t line_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* 1 the first time @p line is seen in this process. */
static int first_time(const char *line)
{
    uint64_t h = line_hash(line);
    int first = 1;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < seen_count && first; i++)
        first = seen[i] != h;
    if (first && seen_count < SEEN_MAX)
        seen[seen_count++] = h;
    pthread_mutex_unlock(&lock);
    return first;
}

void tsp_log_failure(const tsp_prov *prov, const char *line)
{
    enum tsp_log_target target;

    if (prov == NULL)
        return;
    target = prov->log;
    if (target == TSP_LOG_AUTO)
        target = prov->debug || isatty(STDERR_FILENO) ? TSP_LOG_STDERR : TSP_LOG_NONE;
    else if (prov->debug && target != TSP_LOG_STDERR)
        /* debug already writes to stderr; the reason belongs with those lines too. */
        fprintf(stderr, "tscns: %s\n", line);
    if (target == TSP_LOG_NONE || !first_time(line))
        return;
    if (target == TSP_LOG_SYSLOG)
        syslog(LOG_USER | LOG_ERR, "tscns: %s", line);
    else
        fprintf(stderr, "tscns: %s\n", line);
}
