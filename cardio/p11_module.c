/* A PKCS#11 module loaded through libp11: shared by a context and its token cards. */
#include "p11_module.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "tscns/timeout.h"

struct p11_module {
    pthread_mutex_t mu;
    /* The process's modules (all_mu): unloaded at exit; a given-up one is never loaded again. */
    p11_module *next;
    /* The context's reference and one per open card: a card outlives nothing it points into. */
    int refs;
    char path[512];
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots;
    unsigned int nslots;
    /* The module's own function list, through a second dlopen reference of its file. */
    void *dl;
    CK_FUNCTION_LIST *fl;
    /* A call missed its deadline: the module is not called again (p11_module.h). */
    atomic_int gone;
    char gone_call[32];
};

/*
 * Modules are unloaded at exit before OpenSSL's own clean-up (registered earlier, so run later):
 * a module that uses libcrypto itself (SoftHSM) crashes in C_Finalize once OpenSSL is gone, and
 * the provider's last teardown runs inside OPENSSL_cleanup().
 */
static pthread_mutex_t all_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static p11_module *all_modules;

static void set_detail(char *detail, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_detail(char *detail, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (detail == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(detail, cap, fmt, ap);
    va_end(ap);
}

/* ---- calls under the deadline ---- */

static void job_run(deadline_job *base)
{
    p11_job *job = (p11_job *)base;

    job->fn(job);
    /*
     * The worker ends with this job: free OpenSSL's state of this thread (the error queue the
     * calls used, the module's own use of libcrypto) now, not in the thread's exit, which may
     * still be running when the process exits after the last call (C_Finalize at exit).
     */
    OPENSSL_thread_stop();
}

static void job_drop(deadline_job *base)
{
    p11_job *job = (p11_job *)base;

    if (job->drop != NULL)
        job->drop(job);
}

void *p11_job_new(size_t size, void (*fn)(p11_job *), void (*drop)(p11_job *))
{
    p11_job *job = calloc(1, size);

    if (job == NULL)
        return NULL;
    job->base.run = job_run;
    job->base.cleanup = job_drop;
    job->fn = fn;
    job->drop = drop;
    return job;
}

void p11_job_free(p11_job *job)
{
    job_drop(&job->base);
    deadline_release(&job->base);
}

tscns_err p11_module_run(p11_module *m, p11_job *job, const char *call, char *detail, size_t cap)
{
    tscns_err err;

    if (atomic_load(&m->gone)) {
        set_detail(detail, cap,
                   "%s not called: module %s stopped answering earlier in this program (%s did "
                   "not return) and is not called again; start the program again once the card "
                   "answers",
                   call, m->path, m->gone_call);
        job_drop(&job->base);
        free(job);
        return TSCNS_E_TIMEOUT;
    }
    job->m = m;
    err = deadline_run(&job->base);
    if (err == TSCNS_E_TIMEOUT) {
        snprintf(m->gone_call, sizeof(m->gone_call), "%s", call);
        atomic_store(&m->gone, 1);
        set_detail(detail, cap,
                   "module %s did not return from %s within %d s (a stalled card, reader or "
                   "pcscd); it is not called again by this program",
                   m->path, call, tscns_card_timeout());
    } else if (err != TSCNS_OK) {
        p11_job_free(job);
    }
    return err;
}

/* ---- loading and unloading ---- */

static void unload_fn(p11_job *job)
{
    p11_module *m = job->m;

    p11_call_start();
    if (m->slots != NULL)
        PKCS11_release_all_slots(m->ctx, m->slots, m->nslots);
    PKCS11_CTX_unload(m->ctx);
    PKCS11_CTX_free(m->ctx);
    p11_call_end();
}

/* C_Finalize and the rest, under the deadline too: a module may stall there as anywhere. */
static void unload(p11_module *m)
{
    p11_job *job;

    if (m->ctx == NULL || atomic_load(&m->gone))
        return;
    job = p11_job_new(sizeof(p11_job), unload_fn, NULL);
    if (job == NULL || p11_module_run(m, job, "C_Finalize", NULL, 0) != TSCNS_OK)
        return;
    p11_job_free(job);
    m->ctx = NULL;
    m->slots = NULL;
    m->nslots = 0;
    if (m->dl != NULL)
        dlclose(m->dl);
    m->dl = NULL;
    m->fl = NULL;
}

static void unload_all(void)
{
    pthread_mutex_lock(&all_mu);
    for (p11_module *m = all_modules; m != NULL; m = m->next) {
        pthread_mutex_lock(&m->mu);
        unload(m);
        pthread_mutex_unlock(&m->mu);
    }
    pthread_mutex_unlock(&all_mu);
}

static void exit_init(void)
{
    atexit(unload_all);
}

/*
 * fork() never waits for a module call (it may take up to the deadline): the list lock guards
 * memory only and is taken around fork(); each module's lock, which a thread of the parent may
 * hold while it waits for a call, is made anew in the child, where that thread does not exist.
 * The child's calls run on workers of its own; libp11 starts the module afresh there.
 */
static void fork_prepare(void)
{
    pthread_mutex_lock(&all_mu);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&all_mu);
}

static void fork_child(void)
{
    for (p11_module *m = all_modules; m != NULL; m = m->next)
        pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_unlock(&all_mu);
}

static void fork_init(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

typedef struct load_job {
    p11_job j;
    int rc_load;
    int rc_slots;
    unsigned long ckr;
} load_job;

/*
 * C_Initialize (OpenSC connects to pcscd there), then the slot list, read once: libp11 0.4.12's
 * PKCS11_update_slots() crashes on a second call, and a second list of the same slots closes
 * the first one's sessions when it is released (C_CloseAllSessions), logging the user out. A
 * token inserted later is seen by the next process.
 */
static void load_fn(p11_job *job)
{
    load_job *lj = (load_job *)job;
    p11_module *m = job->m;
    CK_C_GetFunctionList get;

    p11_call_start();
    lj->rc_load = PKCS11_CTX_load(m->ctx, m->path);
    p11_call_end();
    if (lj->rc_load != 0)
        return;
    /* The file libp11 has just opened: this only takes a second reference to it. */
    m->dl = dlopen(m->path, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
    get = m->dl != NULL ? (CK_C_GetFunctionList)dlsym(m->dl, "C_GetFunctionList") : NULL;
    if (get == NULL || get(&m->fl) != CKR_OK)
        m->fl = NULL;
    p11_call_start();
    lj->rc_slots = PKCS11_enumerate_slots(m->ctx, &m->slots, &m->nslots);
    lj->ckr = p11_call_end();
}

/* A module of @p path given up earlier: loading it again would wait behind the stuck call. */
static int given_up(const char *path, char *call, size_t cap)
{
    int found = 0;

    pthread_mutex_lock(&all_mu);
    for (p11_module *m = all_modules; m != NULL && !found; m = m->next)
        if (atomic_load(&m->gone) && strcmp(m->path, path) == 0) {
            snprintf(call, cap, "%s", m->gone_call);
            found = 1;
        }
    pthread_mutex_unlock(&all_mu);
    return found;
}

tscns_err p11_module_load(const char *path, p11_module **out, char *detail, size_t cap)
{
    struct stat st;
    char name[32];
    p11_module *m;
    load_job *job;
    tscns_err err;

    *out = NULL;
    /* libp11 says only that the load failed: say why when the file is the reason. */
    if (stat(path, &st) != 0) {
        set_detail(detail, cap, "module %s: %s", path, strerror(errno));
        return TSCNS_E_PKCS11;
    }
    if (!S_ISREG(st.st_mode)) {
        set_detail(detail, cap, "module %s is not a regular file", path);
        return TSCNS_E_PKCS11;
    }
    if (given_up(path, name, sizeof(name))) {
        set_detail(detail, cap,
                   "module %s stopped answering earlier in this program (%s did not return) and "
                   "is not loaded again; start the program again once the card answers",
                   path, name);
        return TSCNS_E_TIMEOUT;
    }
    m = calloc(1, sizeof(*m));
    job = p11_job_new(sizeof(*job), load_fn, NULL);
    if (m == NULL || job == NULL || (m->ctx = PKCS11_CTX_new()) == NULL) {
        free(job);
        free(m);
        return TSCNS_E_NOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    m->refs = 1;
    snprintf(m->path, sizeof(m->path), "%s", path);
    pthread_once(&fork_once, fork_init);
    pthread_mutex_lock(&all_mu);
    m->next = all_modules;
    all_modules = m;
    pthread_mutex_unlock(&all_mu);
    p11_module_lock(m);
    err = p11_module_run(m, &job->j, "C_Initialize", detail, cap);
    p11_module_unlock(m);
    /* A load that missed the deadline leaves the module given up: listed, never freed. */
    if (err != TSCNS_OK)
        return err;
    /*
     * Registered after the first C_Initialize, so that it runs before the exit handlers the
     * module registered there: SoftHSM's static objects are gone once its own have run.
     */
    pthread_once(&exit_once, exit_init);
    if (job->rc_load != 0) {
        set_detail(detail, cap,
                   "module %s: loading it failed (not a PKCS#11 module: no "
                   "C_GetFunctionList, or C_Initialize failed)",
                   path);
        PKCS11_CTX_free(m->ctx);
        m->ctx = NULL;
        err = TSCNS_E_PKCS11;
    } else if (job->rc_slots != 0) {
        set_detail(detail, cap, "C_GetSlotList returned %s, module %s",
                   p11_ckr_name(job->ckr, name, sizeof(name)), path);
        err = TSCNS_E_PKCS11;
    } else if (m->fl == NULL) {
        set_detail(detail, cap, "module %s: its function list could not be read again", path);
        err = TSCNS_E_PKCS11;
    }
    p11_job_free(&job->j);
    if (err != TSCNS_OK) {
        p11_module_release(m);
        return err;
    }
    *out = m;
    return TSCNS_OK;
}

void p11_module_ref(p11_module *m)
{
    pthread_mutex_lock(&m->mu);
    m->refs++;
    pthread_mutex_unlock(&m->mu);
}

void p11_module_release(p11_module *m)
{
    int left;

    if (m == NULL)
        return;
    pthread_mutex_lock(&m->mu);
    left = --m->refs;
    pthread_mutex_unlock(&m->mu);
    /* A given-up module stays: its stuck worker may still read the slot list. */
    if (left > 0 || atomic_load(&m->gone))
        return;
    pthread_mutex_lock(&m->mu);
    unload(m);
    pthread_mutex_unlock(&m->mu);
    if (atomic_load(&m->gone))
        return;
    pthread_mutex_lock(&all_mu);
    for (p11_module **p = &all_modules; *p != NULL; p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            break;
        }
    pthread_mutex_unlock(&all_mu);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

const char *p11_module_path(const p11_module *m)
{
    return m->path;
}

CK_FUNCTION_LIST *p11_module_functions(const p11_module *m)
{
    return m->fl;
}

void p11_module_lock(p11_module *m)
{
    pthread_mutex_lock(&m->mu);
}

void p11_module_unlock(p11_module *m)
{
    pthread_mutex_unlock(&m->mu);
}

/* ---- tokens ---- */

PKCS11_SLOT *p11_module_slot(p11_module *m, unsigned long id)
{
    for (unsigned int i = 0; i < m->nslots; i++)
        if (PKCS11_get_slotid_from_slot(&m->slots[i]) == id)
            return m->slots[i].token != NULL ? &m->slots[i] : NULL;
    return NULL;
}

/* Two objects of a pair share their CKA_ID. */
static int same_id(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

PKCS11_CERT *p11_pick_cert(PKCS11_TOKEN *t, PKCS11_KEY **key)
{
    PKCS11_CERT *certs = NULL, *pick = NULL;
    PKCS11_KEY *keys = NULL;
    unsigned int nc = 0, nk = 0;

    if (key != NULL)
        *key = NULL;
    p11_call_start();
    if (PKCS11_enumerate_certs(t, &certs, &nc) != 0)
        nc = 0;
    if (PKCS11_enumerate_keys(t, &keys, &nk) != 0)
        nk = 0;
    p11_call_end();
    for (unsigned int i = 0; i < nc && pick == NULL; i++)
        for (unsigned int j = 0; j < nk && pick == NULL; j++)
            if (same_id(certs[i].id, certs[i].id_len, keys[j].id, keys[j].id_len)) {
                pick = &certs[i];
                if (key != NULL)
                    *key = &keys[j];
            }
    /* Private keys hidden before login (CKA_PRIVATE): the first certificate, paired later. */
    if (pick == NULL && nk == 0 && nc > 0)
        pick = &certs[0];
    return pick;
}

/* A slot with an initialised token that matches the reader substring and the serial. */
static int matches(const PKCS11_SLOT *slot, const char *reader, const char *serial)
{
    const PKCS11_TOKEN *t = slot->token;
    char s[17];

    if (t == NULL || !t->initialized)
        return 0;
    if (reader != NULL &&
        (slot->description == NULL || strstr(slot->description, reader) == NULL) &&
        (t->label == NULL || strstr(t->label, reader) == NULL))
        return 0;
    p11_copy(s, sizeof(s), t->serialnr);
    return serial == NULL || strcmp(s, serial) == 0;
}

PKCS11_SLOT *p11_module_pick(p11_module *m, const char *reader, const char *serial,
                             int (*accept)(PKCS11_SLOT *slot, void *arg), void *arg, size_t *seen)
{
    *seen = 0;
    for (unsigned int i = 0; i < m->nslots; i++) {
        if (!matches(&m->slots[i], reader, serial))
            continue;
        ++*seen;
        if (accept(&m->slots[i], arg))
            return &m->slots[i];
    }
    return NULL;
}

typedef struct tokens_job {
    p11_job j;
    tscns_token *list;
    size_t n;
} tokens_job;

static void tokens_fn(p11_job *job)
{
    tokens_job *tj = (tokens_job *)job;
    p11_module *m = job->m;
    tscns_token *r = calloc(m->nslots + 1, sizeof(*r));

    if (r == NULL)
        return;
    for (unsigned int i = 0; i < m->nslots; i++) {
        const PKCS11_SLOT *slot = &m->slots[i];
        const PKCS11_TOKEN *t = slot->token;
        tscns_token *o = &r[tj->n];

        if (!matches(slot, NULL, NULL))
            continue;
        p11_copy(o->label, sizeof(o->label), t->label);
        p11_copy(o->serial, sizeof(o->serial), t->serialnr);
        p11_copy(o->manufacturer, sizeof(o->manufacturer), t->manufacturer);
        p11_copy(o->model, sizeof(o->model), t->model);
        p11_copy(o->slot, sizeof(o->slot), slot->description);
        o->has_cert = p11_pick_cert(slot->token, NULL) != NULL;
        tj->n++;
    }
    tj->list = r;
}

static void tokens_drop(p11_job *job)
{
    free(((tokens_job *)job)->list);
}

tscns_err p11_module_tokens(p11_module *m, tscns_token **list, size_t *count, char *detail,
                            size_t cap)
{
    tokens_job *job = p11_job_new(sizeof(*job), tokens_fn, tokens_drop);
    tscns_err err;

    if (job == NULL)
        return TSCNS_E_NOMEM;
    p11_module_lock(m);
    err = p11_module_run(m, &job->j, "C_FindObjects", detail, cap);
    p11_module_unlock(m);
    if (err != TSCNS_OK)
        return err;
    err = job->list != NULL ? TSCNS_OK : TSCNS_E_NOMEM;
    *list = job->list;
    *count = job->n;
    job->list = NULL;
    p11_job_free(&job->j);
    return err;
}
