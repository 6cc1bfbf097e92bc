/* The base tscns_card object: creation over a transport, locking, state after resets, details.
 * What a reset means above this layer reaches the upper layers through card->hooks. */
#include "handle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "iso7816.h"
#include "trace.h"

void handle_hex(const uint8_t *b, size_t len, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < len && o + 4 <= cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %02X" : "%02X", b[i]);
}

void handle_detail(tscns_card *card, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(card->detail, sizeof(card->detail), fmt, ap);
    va_end(ap);
}

/* What the transport says failed last ("SCardTransmit returned 0x..."), or "". */
static const char *link_error(const tscns_card *card)
{
    const char *e = NULL;

    if (card->ch.ops->last_error != NULL)
        e = card->ch.ops->last_error(card->ch.self);
    return e != NULL ? e : "";
}

void handle_detail_sw(tscns_card *card, const char *what)
{
    const char *e = link_error(card);

    if (card->ch.last_sw != 0)
        handle_detail(card, "%s: SW %04X, reader %s", what, card->ch.last_sw, card->reader);
    else if (*e != '\0')
        handle_detail(card, "%s: %s, reader %s", what, e, card->reader);
    else
        handle_detail(card, "%s, reader %s", what, card->reader);
}

/* Detail of a transport failure outside any card command: PC/SC function and code, reader. */
static void handle_detail_link(tscns_card *card)
{
    const char *e = link_error(card);

    if (*e != '\0')
        handle_detail(card, "%s, reader %s", e, card->reader);
    else
        handle_detail(card, "reader %s", card->reader);
}

/*
 * Every open card, so that a child after fork() finds them. A thread of the parent may be inside
 * an operation on a card when another forks: in the child that thread does not exist, but the
 * card's mutex would stay locked by it forever. The child therefore makes each card's mutex
 * anew and forgets the selection; the transport sees the fork itself (its own PC/SC context
 * and connection, never the parent's). fork() does not wait for card operations: one may take
 * up to the deadline, or hold the card around a PIN prompt.
 */
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t open_fork_once = PTHREAD_ONCE_INIT;
static tscns_card *open_cards;

static void init_card_mutex(tscns_card *card)
{
    pthread_mutexattr_t attr;

    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&card->mu, &attr);
    pthread_mutexattr_destroy(&attr);
}

static void open_lock(void)
{
    pthread_mutex_lock(&open_mu);
}

static void open_unlock(void)
{
    pthread_mutex_unlock(&open_mu);
}

static void open_child(void)
{
    for (tscns_card *c = open_cards; c != NULL; c = c->next_open) {
        init_card_mutex(c);
        c->depth = 0;
        handle_selected(c, NULL);
    }
    pthread_mutex_unlock(&open_mu);
}

static void open_fork_init(void)
{
    pthread_atfork(open_lock, open_unlock, open_child);
}

static void track(tscns_card *card)
{
    pthread_once(&open_fork_once, open_fork_init);
    pthread_mutex_lock(&open_mu);
    card->next_open = open_cards;
    open_cards = card;
    pthread_mutex_unlock(&open_mu);
}

static void untrack(tscns_card *card)
{
    pthread_mutex_lock(&open_mu);
    for (tscns_card **p = &open_cards; *p != NULL; p = &(*p)->next_open) {
        if (*p == card) {
            *p = card->next_open;
            break;
        }
    }
    pthread_mutex_unlock(&open_mu);
}

void handle_note_reset(tscns_card *card)
{
    trace_event(card->reader, "card reset or reconnected: selection, PIN state and cached "
                              "certificate gone");
    if (card->hooks != NULL && card->hooks->reset != NULL)
        card->hooks->reset(card);
    handle_selected(card, NULL);
    card->recheck = 1;
    if (card->pin_verified)
        card->pin_lost = 1;
    card->pin_verified = 0;
}

/* After a reset or reconnect the reader may hold another card: the upper layer tells. */
static tscns_err check_same_card(tscns_card *card)
{
    tscns_err err;

    if (!card->recheck || card->hooks == NULL || card->hooks->same_card == NULL)
        return TSCNS_OK;
    err = card->hooks->same_card(card);
    if (err == TSCNS_OK)
        card->recheck = 0;
    return err;
}

int handle_retry(tscns_card *card, tscns_err err, int *attempt)
{
    if (err != TSCNS_E_CARD_RESET)
        return 0;
    card->ch.ops->was_reset(card->ch.self);
    handle_note_reset(card);
    if ((*attempt)++ != 0)
        return 0;
    return check_same_card(card) == TSCNS_OK;
}

/* The card was pulled: connect again (it may be back, or another card may be there). */
static tscns_err reconnect(tscns_card *card)
{
    uint8_t atr[TSCNS_MAX_ATR];
    size_t len = sizeof(atr);
    tscns_err err;

    err = card->ch.ops->connect(card->ch.self, atr, &len);
    if (err == TSCNS_E_NO_CARD)
        err = TSCNS_E_CARD_REMOVED;
    if (err != TSCNS_OK) {
        handle_detail_link(card);
        return err;
    }
    card->ch.lost = 0;
    handle_note_reset(card);
    if (len != card->atr_len || memcmp(atr, card->atr, len) != 0) {
        char hex[3 * TSCNS_MAX_ATR + 1];

        handle_hex(atr, len, hex, sizeof(hex));
        handle_detail(card, "reader %s now holds another card (ATR %s)", card->reader, hex);
        card->ch.lost = 1;
        return TSCNS_E_CARD_REMOVED;
    }
    return TSCNS_OK;
}

tscns_err handle_begin(tscns_card *card)
{
    tscns_err err = TSCNS_OK;

    pthread_mutex_lock(&card->mu);
    if (card->depth++ > 0)
        return TSCNS_OK;
    /* Each operation reports its own failure, never an earlier one's. */
    card->detail[0] = '\0';
    card->ch.last_sw = 0;
    if (card->ch.lost)
        err = reconnect(card);
    if (err == TSCNS_OK) {
        err = card->ch.ops->begin(card->ch.self);
        if (err == TSCNS_E_CARD_REMOVED)
            card->ch.lost = 1;
        if (err != TSCNS_OK)
            handle_detail_link(card);
    }
    if (err == TSCNS_OK) {
        /* Another program may have selected other files since our last transaction. */
        card->cur = NULL;
        if (card->ch.ops->was_reset(card->ch.self))
            handle_note_reset(card);
        err = check_same_card(card);
        if (err != TSCNS_OK)
            card->ch.ops->end(card->ch.self);
    }
    if (err != TSCNS_OK) {
        card->depth--;
        pthread_mutex_unlock(&card->mu);
    }
    return err;
}

void handle_end(tscns_card *card)
{
    if (--card->depth == 0)
        card->ch.ops->end(card->ch.self);
    pthread_mutex_unlock(&card->mu);
}

void handle_use_profile(tscns_card *card, const cardio_profile *prof)
{
    card->prof = prof;
    card->ch.extended_ok = prof->extended_ok;
    card->ch.select_fci_fallback = prof->select_fci_fallback;
}

void handle_selected(tscns_card *card, const cardio_loc *loc)
{
    card->cur = loc;
    card->key_df_kept = loc != NULL && loc == &card->prof->key_df;
}

tscns_err handle_select(tscns_card *card, const cardio_loc *loc)
{
    tscns_err err;

    if (card->cur == loc)
        return TSCNS_OK;
    handle_selected(card, NULL);
    err = iso_select(&card->ch, loc, NULL, NULL);
    if (err == TSCNS_OK)
        handle_selected(card, loc);
    return err;
}

tscns_err handle_new(const tscns_transport_ops *ops, void *self, const char *reader_name,
                     tscns_card **out)
{
    tscns_card *card;
    tscns_err err;

    if (out != NULL)
        *out = NULL;
    if (ops == NULL || out == NULL) {
        if (ops != NULL)
            ops->close(self);
        return TSCNS_E_INVALID_ARG;
    }
    card = calloc(1, sizeof(*card));
    if (card == NULL || (card->ch.rbuf = malloc(TSCNS_MAX_RESPONSE)) == NULL ||
        RAND_bytes(card->salt, sizeof(card->salt)) != 1) {
        if (card != NULL)
            free(card->ch.rbuf);
        free(card);
        ops->close(self);
        return TSCNS_E_NOMEM;
    }
    init_card_mutex(card);
    track(card);
    snprintf(card->reader, sizeof(card->reader), "%s", reader_name ? reader_name : "");
    card->ch.ops = ops;
    card->ch.self = self;
    card->ch.reader = card->reader;
    card->pin_tries = -1;
    card->puk_tries = -1;
    *out = card;

    card->atr_len = sizeof(card->atr);
    err = ops->connect(self, card->atr, &card->atr_len);
    if (err != TSCNS_OK)
        handle_detail_link(card);
    return err;
}

void tscns_card_close(tscns_card *card)
{
    if (card == NULL)
        return;
    untrack(card);
    card->ch.ops->close(card->ch.self);
    pthread_mutex_destroy(&card->mu);
    free(card->ch.rbuf);
    OPENSSL_cleanse(card, sizeof(*card));
    free(card);
}

const char *tscns_card_detail(const tscns_card *card)
{
    return card != NULL ? card->detail : "";
}

const char *tscns_card_reader(const tscns_card *card)
{
    return card->reader;
}

const char *tscns_card_family(const tscns_card *card)
{
    return card->prof->name;
}

const char *tscns_card_backend(const tscns_card *card)
{
    return card->p11 != NULL ? "pkcs11" : "native";
}

const char *tscns_card_family_description(const tscns_card *card)
{
    return card->prof->description;
}

const uint8_t *tscns_card_atr(const tscns_card *card, size_t *len)
{
    *len = card->atr_len;
    return card->atr;
}

tscns_err tscns_card_reset(tscns_card *card)
{
    tscns_err err;
    int recheck;
    int lost;

    if (card == NULL)
        return TSCNS_E_INVALID_ARG;
    pthread_mutex_lock(&card->mu);
    if (card->ch.ops->reset == NULL) {
        handle_detail(card, "this transport cannot reset the card");
        pthread_mutex_unlock(&card->mu);
        return TSCNS_E_INTERNAL;
    }
    /* A card that was pulled lost its state with its power, and whatever card the reader holds
     * now is not this handle's to reset (a reset then even confuses some reader drivers). */
    lost = card->ch.lost;
    err = lost ? TSCNS_E_CARD_REMOVED : card->ch.ops->reset(card->ch.self);
    if (err == TSCNS_OK) {
        /* Our own reset on our own connection: the card cannot have been swapped meanwhile. */
        recheck = card->recheck;
        handle_note_reset(card);
        card->recheck = recheck;
        card->pin_lost = 0;
    } else {
        if (err == TSCNS_E_CARD_REMOVED)
            card->ch.lost = 1;
        handle_note_reset(card);
        if (lost)
            handle_detail(card, "reader %s", card->reader);
        else
            handle_detail_sw(card, "resetting the card");
    }
    pthread_mutex_unlock(&card->mu);
    return err;
}

tscns_err tscns_card_lock(tscns_card *card)
{
    return handle_begin(card);
}

void tscns_card_unlock(tscns_card *card)
{
    handle_end(card);
}

unsigned long tscns_card_apdu_count(const tscns_card *card)
{
    return card->ch.sent;
}
