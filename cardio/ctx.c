/* The cardio context: reader listing and the choice of a card among the readers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identify.h"
#include "open.h"
#include "pcsc.h"
#include "pcsc_call.h"
#include "tscns/timeout.h"

struct tscns_ctx {
    pthread_mutex_t mu;
    SCARDCONTEXT h;
    int have;
    pid_t pid;
    char detail[512];
};

static void ctx_detail(tscns_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ctx_detail(tscns_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->detail, sizeof(ctx->detail), fmt, ap);
    va_end(ap);
}

tscns_err tscns_ctx_new(tscns_ctx **out)
{
    tscns_ctx *ctx;

    if (out == NULL)
        return TSCNS_E_INVALID_ARG;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return TSCNS_E_NOMEM;
    pthread_mutex_init(&ctx->mu, NULL);
    ctx->pid = getpid();
    *out = ctx;
    return TSCNS_OK;
}

void tscns_ctx_free(tscns_ctx *ctx)
{
    if (ctx == NULL)
        return;
    /* A child must not release its parent's context through the shared socket. */
    if (ctx->have && ctx->pid == getpid())
        pcall_release(ctx->h);
    pthread_mutex_destroy(&ctx->mu);
    free(ctx);
}

const char *tscns_ctx_detail(const tscns_ctx *ctx)
{
    return ctx != NULL ? ctx->detail : "";
}

/* Caller holds ctx->mu. */
static LONG ensure(tscns_ctx *ctx)
{
    LONG rv;

    if (ctx->pid != getpid()) {
        ctx->pid = getpid();
        ctx->have = 0;
    }
    if (ctx->have)
        return SCARD_S_SUCCESS;
    rv = pcall_establish(&ctx->h);
    if (rv == SCARD_S_SUCCESS)
        ctx->have = 1;
    return rv;
}

/* A context that is dead, or (PCALL_TIMEOUT) now owned by a stuck call, is replaced. */
static void forget(tscns_ctx *ctx, LONG rv)
{
    if (ctx->have && rv != PCALL_TIMEOUT)
        pcall_release(ctx->h);
    ctx->have = 0;
}

/*
 * Reader names as a multi-string; a dead context (pcscd restarted) is replaced once. *fn names
 * the PC/SC function that failed.
 */
static LONG list_names(tscns_ctx *ctx, char **names, const char **fn)
{
    LONG rv = SCARD_S_SUCCESS;

    *names = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        *fn = "SCardEstablishContext";
        rv = ensure(ctx);
        if (rv != SCARD_S_SUCCESS)
            return rv;
        *fn = "SCardListReaders";
        rv = pcall_list_readers(ctx->h, names);
        if (!pcsc_context_dead(rv) && rv != PCALL_TIMEOUT)
            break;
        forget(ctx, rv);
        if (rv == PCALL_TIMEOUT)
            break;
    }
    return rv;
}

static tscns_err read_states(tscns_ctx *ctx, tscns_reader **list, size_t *count)
{
    char *names = NULL;
    const char *fn = "";
    SCARD_READERSTATE *st = NULL;
    tscns_reader *r = NULL;
    size_t n = 0;
    LONG rv;
    tscns_err err = TSCNS_OK;

    *list = NULL;
    *count = 0;
    rv = list_names(ctx, &names, &fn);
    if (rv == PCALL_TIMEOUT) {
        ctx_detail(ctx, "pcscd did not complete %s within %d s", fn, tscns_card_timeout());
        return TSCNS_E_TIMEOUT;
    }
    if (rv != SCARD_S_SUCCESS) {
        ctx_detail(ctx, "%s returned 0x%08lX", fn, (unsigned long)rv);
        return pcsc_error(rv);
    }
    for (const char *p = names; *p != '\0'; p += strlen(p) + 1)
        n++;
    /* An empty list: the message says it all. */
    if (n == 0) {
        err = TSCNS_E_NO_READER;
        goto end;
    }
    st = calloc(n, sizeof(*st));
    r = calloc(n, sizeof(*r));
    if (st == NULL || r == NULL) {
        err = TSCNS_E_NOMEM;
        goto end;
    }
    n = 0;
    for (const char *p = names; *p != '\0'; p += strlen(p) + 1) {
        st[n].szReader = p;
        st[n].dwCurrentState = SCARD_STATE_UNAWARE;
        n++;
    }
    /* Timeout 0: report the present state without waiting for a change. */
    rv = pcall_reader_states(ctx->h, names, st, (DWORD)n);
    if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
        err = pcsc_error(rv);
        if (rv == PCALL_TIMEOUT)
            ctx_detail(ctx, "pcscd did not complete SCardGetStatusChange within %d s",
                       tscns_card_timeout());
        else
            ctx_detail(ctx, "SCardGetStatusChange returned 0x%08lX", (unsigned long)rv);
        if (pcsc_context_dead(rv) || rv == PCALL_TIMEOUT)
            forget(ctx, rv);
        goto end;
    }
    for (size_t i = 0; i < n; i++) {
        const cardio_profile *hint = NULL;

        snprintf(r[i].name, sizeof(r[i].name), "%s", st[i].szReader);
        r[i].card_present = (st[i].dwEventState & SCARD_STATE_PRESENT) != 0;
        if (r[i].card_present && st[i].cbAtr <= TSCNS_MAX_ATR) {
            memcpy(r[i].atr, st[i].rgbAtr, st[i].cbAtr);
            r[i].atr_len = st[i].cbAtr;
            if (identify_hint(r[i].atr, r[i].atr_len, &hint) == TSCNS_OK)
                r[i].family = hint->name;
        }
    }
    *list = r;
    *count = n;
    r = NULL;
end:
    free(r);
    free(st);
    free(names);
    return err;
}

tscns_err tscns_ctx_readers(tscns_ctx *ctx, tscns_reader **list, size_t *count)
{
    tscns_err err;

    if (ctx == NULL || list == NULL || count == NULL)
        return TSCNS_E_INVALID_ARG;
    pthread_mutex_lock(&ctx->mu);
    ctx->detail[0] = '\0';
    err = read_states(ctx, list, count);
    pthread_mutex_unlock(&ctx->mu);
    return err;
}

/* Open one reader; on failure the card's detail goes to the context. */
static tscns_err try_reader(tscns_ctx *ctx, const char *name, tscns_card **out)
{
    const tscns_transport_ops *ops = NULL;
    void *self = NULL;
    tscns_err err;

    err = pcsc_transport_new(name, &ops, &self);
    if (err != TSCNS_OK)
        return err;
    return open_card(ops, self, name, out, ctx->detail, sizeof(ctx->detail));
}

tscns_err tscns_card_open(tscns_ctx *ctx, const char *reader, const char *serial, tscns_card **out)
{
    tscns_reader *list = NULL;
    size_t n = 0;
    size_t matched = 0;
    const char *last_matched = "";
    size_t present = 0;
    size_t recognised = 0;
    tscns_err first = TSCNS_OK;
    char first_detail[sizeof(ctx->detail)] = "";
    tscns_err err;

    if (ctx == NULL || out == NULL)
        return TSCNS_E_INVALID_ARG;
    *out = NULL;
    err = tscns_ctx_readers(ctx, &list, &n);
    if (err != TSCNS_OK)
        return err;
    pthread_mutex_lock(&ctx->mu);
    for (size_t i = 0; i < n; i++) {
        tscns_card *card = NULL;

        if (reader != NULL && strstr(list[i].name, reader) == NULL)
            continue;
        matched++;
        last_matched = list[i].name;
        if (!list[i].card_present)
            continue;
        present++;
        err = try_reader(ctx, list[i].name, &card);
        if (err == TSCNS_OK && serial != NULL && strcmp(card->serial, serial) != 0) {
            recognised++;
            tscns_card_close(card);
            continue;
        }
        if (err == TSCNS_OK) {
            *out = card;
            break;
        }
        if (first == TSCNS_OK) {
            first = err;
            memcpy(first_detail, ctx->detail, sizeof(first_detail));
        }
    }
    if (*out != NULL) {
        ctx->detail[0] = '\0';
        err = TSCNS_OK;
    } else if (matched == 0) {
        ctx_detail(ctx, "no reader name contains \"%s\"", reader != NULL ? reader : "");
        err = TSCNS_E_NO_READER;
    } else if (present == 0) {
        if (matched == 1)
            ctx_detail(ctx, "reader %s", last_matched);
        else
            ctx_detail(ctx, "%zu readers, all empty", matched);
        err = TSCNS_E_NO_CARD;
    } else if (serial != NULL && (first == TSCNS_OK || recognised > 0)) {
        ctx_detail(ctx, "no card with serial %s", serial);
        err = TSCNS_E_NO_CARD;
    } else {
        memcpy(ctx->detail, first_detail, sizeof(first_detail));
        err = first;
    }
    pthread_mutex_unlock(&ctx->mu);
    free(list);
    return err;
}
