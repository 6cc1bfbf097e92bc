/* The cardio context: reader listing and the choice of a card among the readers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identify.h"
#include "open.h"
#include "p11.h"
#include "pcsc.h"
#include "pcsc_call.h"
#include "tscns/timeout.h"

struct tscns_ctx {
    pthread_mutex_t mu;
    SCARDCONTEXT h;
    int have;
    pid_t pid;
    char detail[512];
    tscns_backend backend;
    char *module_path;
    /* Loaded by the first call that needs it; NULL before, or after a load that failed. */
    p11_module *module;
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
    p11_module_release(ctx->module);
    free(ctx->module_path);
    pthread_mutex_destroy(&ctx->mu);
    free(ctx);
}

int tscns_backend_parse(const char *name, tscns_backend *out)
{
    static const tscns_backend all[] = {TSCNS_BACKEND_AUTO, TSCNS_BACKEND_NATIVE,
                                        TSCNS_BACKEND_PKCS11};

    for (size_t i = 0; name != NULL && i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(name, tscns_backend_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    return 0;
}

const char *tscns_backend_name(tscns_backend backend)
{
    switch (backend) {
    case TSCNS_BACKEND_AUTO:
        return "auto";
    case TSCNS_BACKEND_NATIVE:
        return "native";
    case TSCNS_BACKEND_PKCS11:
        return "pkcs11";
    }
    return "?";
}

tscns_err tscns_ctx_set_backend(tscns_ctx *ctx, tscns_backend backend, const char *module)
{
    char *copy = NULL;

    if (ctx == NULL || (backend == TSCNS_BACKEND_PKCS11 && (module == NULL || *module == '\0')))
        return TSCNS_E_INVALID_ARG;
    if (module != NULL && *module != '\0' && (copy = strdup(module)) == NULL)
        return TSCNS_E_NOMEM;
    pthread_mutex_lock(&ctx->mu);
    ctx->backend = backend;
    free(ctx->module_path);
    ctx->module_path = copy;
    p11_module_release(ctx->module);
    ctx->module = NULL;
    pthread_mutex_unlock(&ctx->mu);
    return TSCNS_OK;
}

/* The module, loaded on first use (ctx->mu held). */
static tscns_err ctx_module(tscns_ctx *ctx)
{
    if (ctx->module_path == NULL) {
        ctx_detail(ctx, "no PKCS#11 module configured");
        return TSCNS_E_UNSUPPORTED;
    }
    if (ctx->module != NULL)
        return TSCNS_OK;
    return p11_module_load(ctx->module_path, &ctx->module, ctx->detail, sizeof(ctx->detail));
}

tscns_err tscns_ctx_tokens(tscns_ctx *ctx, tscns_token **list, size_t *count)
{
    tscns_err err;

    if (ctx == NULL || list == NULL || count == NULL)
        return TSCNS_E_INVALID_ARG;
    pthread_mutex_lock(&ctx->mu);
    ctx->detail[0] = '\0';
    err = ctx_module(ctx);
    if (err == TSCNS_OK)
        err = p11_module_tokens(ctx->module, list, count, ctx->detail, sizeof(ctx->detail));
    pthread_mutex_unlock(&ctx->mu);
    return err;
}

/* A token of the module (ctx->mu not held). */
static tscns_err open_token(tscns_ctx *ctx, const char *reader, const char *serial,
                            tscns_card **out)
{
    tscns_err err;

    pthread_mutex_lock(&ctx->mu);
    ctx->detail[0] = '\0';
    err = ctx_module(ctx);
    if (err == TSCNS_OK)
        err = p11_open(ctx->module, reader, serial, out, ctx->detail, sizeof(ctx->detail));
    pthread_mutex_unlock(&ctx->mu);
    return err;
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

static tscns_err open_native(tscns_ctx *ctx, const char *reader, const char *serial,
                             tscns_card **out)
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

/* What the native road found: nothing a module could not serve instead. */
static int native_found_nothing(tscns_err err)
{
    return err == TSCNS_E_NO_SERVICE || err == TSCNS_E_NO_READER || err == TSCNS_E_NO_CARD ||
           err == TSCNS_E_UNKNOWN_CARD || err == TSCNS_E_NOT_FOUND;
}

tscns_err tscns_card_open(tscns_ctx *ctx, const char *reader, const char *serial, tscns_card **out)
{
    char native_detail[sizeof(ctx->detail)], token_detail[sizeof(ctx->detail)];
    tscns_err err, err2;

    if (ctx == NULL || out == NULL)
        return TSCNS_E_INVALID_ARG;
    *out = NULL;
    if (ctx->backend == TSCNS_BACKEND_PKCS11)
        return open_token(ctx, reader, serial, out);
    err = open_native(ctx, reader, serial, out);
    if (err == TSCNS_OK || ctx->backend == TSCNS_BACKEND_NATIVE || ctx->module_path == NULL ||
        !native_found_nothing(err))
        return err;
    /* auto: the cards cardio recognises stay native; the module serves the rest. */
    memcpy(native_detail, ctx->detail, sizeof(native_detail));
    err2 = open_token(ctx, reader, serial, out);
    if (err2 == TSCNS_OK)
        return err2;
    pthread_mutex_lock(&ctx->mu);
    memcpy(token_detail, ctx->detail, sizeof(token_detail));
    if (err2 == TSCNS_E_NO_CARD) {
        ctx_detail(ctx, "%s%s%s", native_detail, native_detail[0] != '\0' ? "; " : "",
                   token_detail);
        err2 = err;
    } else {
        /*
         * The module failed: that is the error, but a card missing from its reader is as likely
         * what the person must fix, so what the native road found is said too.
         */
        ctx_detail(ctx, "%s; natively: %s%s%s", token_detail, tscns_strerror(err),
                   native_detail[0] != '\0' ? ", " : "", native_detail);
    }
    pthread_mutex_unlock(&ctx->mu);
    return err2;
}
