#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "card_cache.h"
#include "errors.h"

typedef struct entry {
    struct entry *next;
    char *reader; /* as asked for; NULL = any */
    char *serial; /* as asked for; NULL = any */
    tscns_card *card;
    int pin_source_rejected;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;
static tscns_ctx *ctx;
static pid_t owner;
static int holders;

static int same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void free_entries(int close_cards)
{
    entry *e, *next;

    for (e = entries; e != NULL; e = next) {
        next = e->next;
        if (close_cards)
            tscns_card_close(e->card);
        OPENSSL_free(e->reader);
        OPENSSL_free(e->serial);
        OPENSSL_free(e);
    }
    entries = NULL;
}

/*
 * After fork() the child must not talk through the parent's PC/SC handles: closing them would
 * disconnect the parent's card. The child forgets them (a small one-off leak) and reopens.
 * Called with the lock held.
 */
static void forget_if_forked(void)
{
    if (owner == getpid())
        return;
    if (owner != 0) {
        free_entries(0);
        ctx = NULL;
    }
    owner = getpid();
}

/*
 * A thread of the parent may hold the lock at fork() (opening a card: up to the card deadline),
 * and it does not exist in the child. The child starts with a fresh lock and forgets the
 * parent's cards and context without touching them (the list may be in any state): it opens
 * its own. fork() never waits for the card.
 */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void child_after_fork(void)
{
    pthread_mutex_init(&lock, NULL);
    entries = NULL;
    ctx = NULL;
    owner = getpid();
}

static void fork_init(void)
{
    pthread_atfork(NULL, NULL, child_after_fork);
}

void tsp_cache_hold(void)
{
    pthread_once(&fork_once, fork_init);
    pthread_mutex_lock(&lock);
    holders++;
    pthread_mutex_unlock(&lock);
}

void tsp_cache_release(void)
{
    pthread_mutex_lock(&lock);
    if (--holders == 0) {
        forget_if_forked();
        free_entries(1);
        tscns_ctx_free(ctx);
        ctx = NULL;
        /* The cards are closed and the provider holds no certificate pointer past a call. */
        tscns_cert_cache_clear();
    }
    pthread_mutex_unlock(&lock);
}

static entry *find(const char *reader, const char *serial)
{
    entry *e;

    for (e = entries; e != NULL; e = e->next)
        if (same(e->reader, reader) && same(e->serial, serial))
            return e;
    return NULL;
}

static entry *find_card(const tscns_card *card)
{
    entry *e;

    for (e = entries; e != NULL; e = e->next)
        if (e->card == card)
            return e;
    return NULL;
}

tscns_card *tsp_cache_card(const tsp_prov *prov, const char *reader, const char *serial)
{
    entry *e;
    tscns_card *card = NULL;
    tscns_err err;

    pthread_mutex_lock(&lock);
    forget_if_forked();
    if ((e = find(reader, serial)) != NULL) {
        card = e->card;
        goto end;
    }
    /* One context for the process: the first provider instance to open a card sets its road. */
    if (ctx == NULL && ((err = tscns_ctx_new(&ctx)) != TSCNS_OK ||
                        (err = tscns_ctx_set_backend(ctx, (tscns_backend)prov->backend,
                                                     prov->pkcs11_module)) != TSCNS_OK)) {
        tsp_raise_card(prov, err, NULL, NULL, -1);
        tscns_ctx_free(ctx);
        ctx = NULL;
        goto end;
    }
    err = tscns_card_open(ctx, reader, serial, &card);
    if (err != TSCNS_OK) {
        /*
         * cardio's detail names the serial alone ("no card with serial S") and would repeat
         * the reason; without a serial it names the one empty reader or counts the empty ones.
         */
        if (err == TSCNS_E_NO_CARD && serial != NULL)
            tsp_raise(prov, TSCNS_PR_NO_CARD, "serial %s%s%s", serial,
                      reader != NULL ? ", reader " : "", reader != NULL ? reader : "");
        else
            tsp_raise_card(prov, err, NULL, ctx, -1);
        card = NULL;
        goto end;
    }
    if ((e = OPENSSL_zalloc(sizeof(*e))) == NULL ||
        (reader != NULL && (e->reader = OPENSSL_strdup(reader)) == NULL) ||
        (serial != NULL && (e->serial = OPENSSL_strdup(serial)) == NULL)) {
        if (e != NULL)
            OPENSSL_free(e->reader);
        OPENSSL_free(e);
        tscns_card_close(card);
        card = NULL;
        tsp_raise(prov, TSCNS_PR_MALLOC, NULL);
        goto end;
    }
    e->card = card;
    e->next = entries;
    entries = e;
    tsp_prov_debug(prov, "opened card in \"%s\" (%s, backend %s)", tscns_card_reader(card),
                   tscns_card_family(card), tscns_card_backend(card));
end:
    pthread_mutex_unlock(&lock);
    return card;
}

void tsp_cache_mark_pin_source_rejected(const tscns_card *card)
{
    entry *e;

    pthread_mutex_lock(&lock);
    if ((e = find_card(card)) != NULL)
        e->pin_source_rejected = 1;
    pthread_mutex_unlock(&lock);
}

int tsp_cache_pin_source_rejected(const tscns_card *card)
{
    entry *e;
    int r = 0;

    pthread_mutex_lock(&lock);
    if ((e = find_card(card)) != NULL)
        r = e->pin_source_rejected;
    pthread_mutex_unlock(&lock);
    return r;
}
