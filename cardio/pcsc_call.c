/*
 * PC/SC calls under the deadline. Every buffer a call writes lives in its job, never in the
 * caller's frame: a call that returns after its caller gave up writes into memory that is
 * still its own.
 */
#include "pcsc_call.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/pcsclite.h>
#include <openssl/crypto.h>

#include "deadline.h"
#include "tscns/timeout.h"

typedef enum kind {
    K_ESTABLISH,
    K_RELEASE,
    K_LIST,
    K_STATES,
    K_CONNECT,
    K_DISCONNECT,
    K_RECONNECT,
    K_STATUS,
    K_BEGIN,
    K_END,
    K_TRANSMIT
} kind;

typedef struct job {
    deadline_job base;
    kind k;
    LONG rv;
    SCARDCONTEXT c;
    int have_c;
    SCARDHANDLE h;
    int have_h;
    DWORD arg;
    DWORD proto;
    char reader[256];
    BYTE atr[MAX_ATR_SIZE];
    DWORD atr_len;
    /* Reader names (K_LIST: made by the call; K_STATES: a copy) and their states. */
    char *names;
    SCARD_READERSTATE *st;
    DWORD n;
    /* K_TRANSMIT: the command, then room for the answer; io_cap bytes in all. */
    DWORD cmd_len;
    DWORD resp_len;
    size_t io_cap;
    uint8_t io[];
} job;

static LONG list(job *j)
{
    DWORD len = 0;
    LONG rv = SCardListReaders(j->c, NULL, NULL, &len);

    if (rv != SCARD_S_SUCCESS)
        return rv;
    j->names = malloc(len);
    if (j->names == NULL)
        return SCARD_E_NO_MEMORY;
    return SCardListReaders(j->c, NULL, j->names, &len);
}

static void run(deadline_job *base)
{
    job *j = (job *)base;
    DWORD state = 0, proto = 0;

    switch (j->k) {
    case K_ESTABLISH:
        j->rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &j->c);
        j->have_c = j->rv == SCARD_S_SUCCESS;
        break;
    case K_RELEASE:
        j->rv = SCardReleaseContext(j->c);
        j->have_c = 0;
        break;
    case K_LIST:
        j->rv = list(j);
        break;
    case K_STATES:
        j->rv = SCardGetStatusChange(j->c, 0, j->st, j->n);
        break;
    case K_CONNECT:
        j->rv = SCardConnect(j->c, j->reader, SCARD_SHARE_SHARED,
                             SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &j->h, &j->proto);
        j->have_h = j->rv == SCARD_S_SUCCESS;
        break;
    case K_DISCONNECT:
        j->rv = SCardDisconnect(j->h, j->arg);
        j->have_h = 0;
        break;
    case K_RECONNECT:
        j->rv = SCardReconnect(j->h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0,
                               j->arg, &j->proto);
        break;
    case K_STATUS:
        j->atr_len = sizeof(j->atr);
        j->rv = SCardStatus(j->h, NULL, NULL, &state, &proto, j->atr, &j->atr_len);
        break;
    case K_BEGIN:
        j->rv = SCardBeginTransaction(j->h);
        break;
    case K_END:
        j->rv = SCardEndTransaction(j->h, SCARD_LEAVE_CARD);
        break;
    case K_TRANSMIT:
        j->rv = SCardTransmit(j->h, j->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1,
                              j->io, j->cmd_len, NULL, j->io + j->cmd_len, &j->resp_len);
        break;
    }
}

static void free_parts(job *j)
{
    free(j->names);
    free(j->st);
    /* A VERIFY, CHANGE or UNBLOCK command holds the PIN or PUK: nothing of it outlives the call,
     * on the caller's side or, for a call abandoned at its deadline, on the worker's. */
    OPENSSL_cleanse(j->io, j->io_cap);
}

/*
 * Calls given up at their deadline whose worker has not yet closed what they held. A new
 * context waits for them, within the deadline: when pcscd gets back to a stuck call, that
 * call's own request and its worker's SCARD_RESET_CARD disconnect would otherwise land in the
 * middle of the new connection's first commands (seen: the first operation after a frozen
 * pcscd resumed failed with "communication with the reader failed").
 */
static pthread_mutex_t ab_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ab_cv;
static pthread_once_t ab_once = PTHREAD_ONCE_INIT;
static int ab_pending;

static void ab_cond_init(void)
{
    pthread_condattr_t ca;

    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ab_cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* A child has none of the parent's workers: nothing of theirs to wait for. */
static void ab_child(void)
{
    pthread_mutex_init(&ab_mu, NULL);
    ab_cond_init();
    ab_pending = 0;
}

static void ab_init(void)
{
    ab_cond_init();
    pthread_atfork(NULL, NULL, ab_child);
}

/* One more call given up (+1), or one whose worker has closed what it held (-1). */
static void ab_add(int d)
{
    pthread_once(&ab_once, ab_init);
    pthread_mutex_lock(&ab_mu);
    ab_pending += d;
    if (ab_pending <= 0)
        pthread_cond_broadcast(&ab_cv);
    pthread_mutex_unlock(&ab_mu);
}

/* 1 when no given-up call is still open, waiting for that at most the deadline. */
static int ab_settled(void)
{
    struct timespec until;
    int rc = 0, settled;

    pthread_once(&ab_once, ab_init);
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += tscns_card_timeout();
    pthread_mutex_lock(&ab_mu);
    while (ab_pending > 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ab_cv, &ab_mu, &until);
    settled = ab_pending <= 0;
    pthread_mutex_unlock(&ab_mu);
    return settled;
}

/* The caller gave up: close what the job took over, now that pcscd answers again. */
static void cleanup(deadline_job *base)
{
    job *j = (job *)base;

    if (j->have_h)
        SCardDisconnect(j->h, SCARD_RESET_CARD);
    if (j->have_c)
        SCardReleaseContext(j->c);
    free_parts(j);
    ab_add(-1);
}

static job *make(kind k, SCARDCONTEXT c, int have_c, SCARDHANDLE h, int have_h, size_t extra)
{
    job *j = calloc(1, sizeof(*j) + extra);

    if (j == NULL)
        return NULL;
    j->base.run = run;
    j->base.cleanup = cleanup;
    j->k = k;
    j->c = c;
    j->have_c = have_c;
    j->h = h;
    j->have_h = have_h;
    j->io_cap = extra;
    return j;
}

/*
 * Run @p j (NULL: it could not be made). 1 when the caller still owns it and reads it, then
 * done(); 0 when *rv says why there is nothing to read (on PCALL_TIMEOUT the job is the worker's).
 */
static int go(job *j, LONG *rv)
{
    if (j == NULL) {
        *rv = SCARD_E_NO_MEMORY;
        return 0;
    }
    switch (deadline_run(&j->base)) {
    case TSCNS_OK:
        *rv = j->rv;
        return 1;
    case TSCNS_E_TIMEOUT:
        ab_add(1);
        *rv = PCALL_TIMEOUT;
        return 0;
    default:
        *rv = PCALL_NO_THREAD;
        return 1;
    }
}

static LONG done(job *j, LONG rv)
{
    free_parts(j);
    deadline_release(&j->base);
    return rv;
}

/* The calls that only use the handles and return nothing else. */
static LONG simple(kind k, SCARDCONTEXT c, SCARDHANDLE h, DWORD arg)
{
    job *j = make(k, c, 1, h, k != K_RELEASE, 0);
    LONG rv;

    if (j != NULL)
        j->arg = arg;
    return go(j, &rv) ? done(j, rv) : rv;
}

LONG pcall_establish(SCARDCONTEXT *c)
{
    job *j;
    LONG rv;

    /* Still open after the deadline: pcscd has not got back to it, nor would it to this one. */
    if (!ab_settled())
        return PCALL_TIMEOUT;
    j = make(K_ESTABLISH, 0, 0, 0, 0, 0);
    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS)
        *c = j->c;
    return done(j, rv);
}

LONG pcall_release(SCARDCONTEXT c)
{
    return simple(K_RELEASE, c, 0, 0);
}

LONG pcall_list_readers(SCARDCONTEXT c, char **names)
{
    job *j = make(K_LIST, c, 1, 0, 0, 0);
    LONG rv;

    *names = NULL;
    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS) {
        *names = j->names;
        j->names = NULL;
    }
    return done(j, rv);
}

LONG pcall_reader_states(SCARDCONTEXT c, const char *names, SCARD_READERSTATE *st, DWORD n)
{
    job *j = make(K_STATES, c, 1, 0, 0, 0);
    size_t len = 1;
    LONG rv;

    for (const char *p = names; *p != '\0'; p += strlen(p) + 1)
        len += strlen(p) + 1;
    if (j != NULL &&
        ((j->names = malloc(len)) == NULL || (j->st = calloc(n, sizeof(*st))) == NULL)) {
        /* Never run: no deadline state to give back. */
        free_parts(j);
        free(j);
        return SCARD_E_NO_MEMORY;
    }
    if (j != NULL) {
        const char *p = j->names;

        memcpy(j->names, names, len);
        for (DWORD i = 0; i < n; i++, p += strlen(p) + 1) {
            j->st[i].szReader = p;
            j->st[i].dwCurrentState = st[i].dwCurrentState;
        }
        j->n = n;
    }
    if (!go(j, &rv))
        return rv;
    /* With timeout 0, SCARD_E_TIMEOUT is "no change since the states given": they are filled. */
    for (DWORD i = 0; (rv == SCARD_S_SUCCESS || rv == SCARD_E_TIMEOUT) && i < n; i++) {
        st[i].dwEventState = j->st[i].dwEventState;
        st[i].cbAtr = j->st[i].cbAtr;
        memcpy(st[i].rgbAtr, j->st[i].rgbAtr, sizeof(st[i].rgbAtr));
    }
    return done(j, rv);
}

LONG pcall_connect(SCARDCONTEXT c, const char *reader, SCARDHANDLE *h, DWORD *proto)
{
    job *j = make(K_CONNECT, c, 1, 0, 0, 0);
    LONG rv;

    if (j != NULL)
        strncpy(j->reader, reader, sizeof(j->reader) - 1);
    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS) {
        *h = j->h;
        *proto = j->proto;
    }
    return done(j, rv);
}

LONG pcall_disconnect(SCARDCONTEXT c, SCARDHANDLE h, DWORD disposition)
{
    return simple(K_DISCONNECT, c, h, disposition);
}

LONG pcall_reconnect(SCARDCONTEXT c, SCARDHANDLE h, DWORD init, DWORD *proto)
{
    job *j = make(K_RECONNECT, c, 1, h, 1, 0);
    LONG rv;

    if (j != NULL)
        j->arg = init;
    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS)
        *proto = j->proto;
    return done(j, rv);
}

LONG pcall_status(SCARDCONTEXT c, SCARDHANDLE h, uint8_t *atr, DWORD *atr_len)
{
    job *j = make(K_STATUS, c, 1, h, 1, 0);
    LONG rv;

    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS && j->atr_len > *atr_len)
        rv = SCARD_E_INSUFFICIENT_BUFFER;
    if (rv == SCARD_S_SUCCESS) {
        memcpy(atr, j->atr, j->atr_len);
        *atr_len = j->atr_len;
    }
    return done(j, rv);
}

LONG pcall_begin(SCARDCONTEXT c, SCARDHANDLE h)
{
    return simple(K_BEGIN, c, h, 0);
}

LONG pcall_end(SCARDCONTEXT c, SCARDHANDLE h)
{
    return simple(K_END, c, h, 0);
}

LONG pcall_transmit(SCARDCONTEXT c, SCARDHANDLE h, DWORD proto, const uint8_t *cmd, size_t cmd_len,
                    uint8_t *resp, DWORD *resp_len)
{
    job *j = make(K_TRANSMIT, c, 1, h, 1, cmd_len + *resp_len);
    LONG rv;

    if (j != NULL) {
        j->proto = proto;
        memcpy(j->io, cmd, cmd_len);
        j->cmd_len = (DWORD)cmd_len;
        j->resp_len = *resp_len;
    }
    if (!go(j, &rv))
        return rv;
    if (rv == SCARD_S_SUCCESS) {
        memcpy(resp, j->io + j->cmd_len, j->resp_len);
        *resp_len = j->resp_len;
    }
    return done(j, rv);
}
