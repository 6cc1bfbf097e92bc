/**
 * @file deadline.h
 * @brief Run one blocking call on a worker thread and stop waiting for it at the deadline.
 *
 * A job is a struct that starts with a deadline_job, allocated with malloc by the caller and
 * holding (or owning through pointers) everything the call touches: once the caller gives up,
 * the worker keeps using the job after the caller's stack is gone. When the call finally returns
 * on an abandoned job, the worker runs its cleanup (release the PC/SC handles the job owns)
 * and frees it.
 */
#ifndef CARDIO_DEADLINE_H
#define CARDIO_DEADLINE_H

#include <pthread.h>

#include "tscns/error.h"

typedef struct deadline_job deadline_job;

struct deadline_job {
    /** The blocking call, on the worker thread. */
    void (*run)(deadline_job *job);
    /** On the worker after run() of a job the caller gave up on; NULL: nothing to release. */
    void (*cleanup)(deadline_job *job);
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    int abandoned;
    int refs;
};

/**
 * Run @p job (set run and cleanup first) with the deadline in force. TSCNS_OK: the call
 * returned; read its results, then deadline_release(). TSCNS_E_TIMEOUT: it did not return in
 * time and the job now belongs to its worker (do not touch it again). TSCNS_E_NOMEM: no thread
 * could be started; nothing ran, give the job back with deadline_release().
 */
tscns_err deadline_run(deadline_job *job);
/** Give back a job whose call returned (after reading its results). */
void deadline_release(deadline_job *job);

#endif
