/*
 * Deadlines for blocking calls. A detached worker thread per call: the calls it guards take
 * milliseconds (one APDU, one pcscd round trip), so a thread start (tens of microseconds) is
 * noise, and a worker that never returns costs one parked thread, not a stuck caller.
 */
#define _GNU_SOURCE /* secure_getenv */
#include "deadline.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "tscns/timeout.h"

static atomic_int timeout_s;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

int tscns_card_timeout_parse(const char *text, int *seconds)
{
    long v = 0;

    if (text == NULL || *text == '\0')
        return 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
        if (v > TSCNS_CARD_TIMEOUT_MAX)
            return 0;
    }
    if (v < 1)
        return 0;
    *seconds = (int)v;
    return 1;
}

static void read_env(void)
{
    int s = TSCNS_CARD_TIMEOUT_DEFAULT;

    tscns_card_timeout_parse(secure_getenv("TSCNS_CARD_TIMEOUT"), &s);
    atomic_store(&timeout_s, s);
}

int tscns_set_card_timeout(int seconds)
{
    if (seconds < 1 || seconds > TSCNS_CARD_TIMEOUT_MAX)
        return 0;
    pthread_once(&env_once, read_env);
    atomic_store(&timeout_s, seconds);
    return 1;
}

int tscns_card_timeout(void)
{
    pthread_once(&env_once, read_env);
    return atomic_load(&timeout_s);
}

static void job_free(deadline_job *job)
{
    pthread_cond_destroy(&job->cv);
    pthread_mutex_destroy(&job->mu);
    free(job);
}

/* Drop one of the two references (caller, worker); the last one frees the job. */
static void job_unref(deadline_job *job)
{
    int last;

    pthread_mutex_lock(&job->mu);
    last = --job->refs == 0;
    pthread_mutex_unlock(&job->mu);
    if (last)
        job_free(job);
}

static void *worker(void *arg)
{
    deadline_job *job = arg;
    int abandoned;

    job->run(job);
    pthread_mutex_lock(&job->mu);
    job->done = 1;
    abandoned = job->abandoned;
    pthread_cond_signal(&job->cv);
    pthread_mutex_unlock(&job->mu);
    /* The caller is gone: only this thread can still see what the job holds. */
    if (abandoned && job->cleanup != NULL)
        job->cleanup(job);
    job_unref(job);
    return NULL;
}

tscns_err deadline_run(deadline_job *job)
{
    pthread_condattr_t ca;
    pthread_attr_t ta;
    pthread_t t;
    struct timespec until;
    int rc = 0;

    pthread_mutex_init(&job->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&job->cv, &ca);
    pthread_condattr_destroy(&ca);
    job->done = 0;
    job->abandoned = 0;
    job->refs = 2;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &ta, worker, job) != 0) {
        pthread_attr_destroy(&ta);
        job->refs = 1;
        return TSCNS_E_NOMEM;
    }
    pthread_attr_destroy(&ta);
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += tscns_card_timeout();
    pthread_mutex_lock(&job->mu);
    while (!job->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&job->cv, &job->mu, &until);
    if (!job->done)
        job->abandoned = 1;
    pthread_mutex_unlock(&job->mu);
    if (job->done)
        return TSCNS_OK;
    job_unref(job);
    return TSCNS_E_TIMEOUT;
}

void deadline_release(deadline_job *job)
{
    job_unref(job);
}
