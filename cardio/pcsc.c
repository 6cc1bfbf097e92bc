/*
 * PC/SC transport (docs/testing.md, "Faults as a client sees them"). Each card keeps its own
 * context, so that a dead context (pcscd restarted) or a fork() is repaired per card, and a
 * child never talks through its parent's socket.
 */
#include "pcsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <PCSC/pcsclite.h>

#include "pcsc_call.h"
#include "trace.h"
#include "tscns/timeout.h"

typedef struct pcsc_link {
    char reader[256];
    SCARDCONTEXT hctx;
    int have_ctx;
    SCARDHANDLE h;
    int have_card;
    DWORD proto;
    pid_t pid;
    /** Connected at least once: a later connect is a reconnect and the card state is gone. */
    int ever_connected;
    /** The next connect is the child's own after fork(): the card itself was not reset. */
    int forked;
    int reset_seen;
    int in_tx;
    /** A call stalled and nothing connected since: the card's state is unknown. */
    int stalled;
    /** The last failed PC/SC call of the current operation, for error details. */
    char last_err[384];
} pcsc_link;

tscns_err pcsc_error(LONG rv)
{
    switch (rv) {
    case SCARD_S_SUCCESS:
        return TSCNS_OK;
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
        return TSCNS_E_NO_SERVICE;
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
        return TSCNS_E_NO_READER;
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_NOT_TRANSACTED:
        return TSCNS_E_CARD_REMOVED;
    case SCARD_W_RESET_CARD:
        return TSCNS_E_CARD_RESET;
    case SCARD_E_SHARING_VIOLATION:
        return TSCNS_E_SHARING;
    case SCARD_E_NO_MEMORY:
        return TSCNS_E_NOMEM;
    case SCARD_E_INSUFFICIENT_BUFFER:
        return TSCNS_E_BAD_RESPONSE;
    case PCALL_TIMEOUT:
        return TSCNS_E_TIMEOUT;
    case PCALL_NO_THREAD:
        return TSCNS_E_NOMEM;
    default:
        return TSCNS_E_COMM;
    }
}

int pcsc_context_dead(LONG rv)
{
    return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED ||
           rv == SCARD_E_INVALID_HANDLE;
}

static int card_gone(LONG rv)
{
    return rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NOT_TRANSACTED ||
           rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_UNPOWERED_CARD ||
           rv == SCARD_W_UNRESPONSIVE_CARD;
}

/* The command's name for a person, from its INS byte. */
static const char *ins_name(const uint8_t *cmd, size_t len)
{
    switch (len >= 2 ? cmd[1] : 0) {
    case 0xA4:
        return "SELECT";
    case 0xB0:
        return "READ BINARY";
    case 0xD6:
        return "UPDATE BINARY";
    case 0x20:
        return "VERIFY";
    case 0x24:
        return "CHANGE REFERENCE DATA";
    case 0x2C:
        return "RESET RETRY COUNTER";
    case 0x22:
        return "MSE";
    case 0x2A:
        return "PSO DECIPHER";
    case 0xC0:
        return "GET RESPONSE";
    default:
        return "a command";
    }
}

/*
 * A call did not return within the deadline: its context and handle are the stuck call's now
 * (pcsc_call.h), so the next operation starts from a fresh context, as after a pcscd restart.
 */
static tscns_err stalled(pcsc_link *l, const char *what)
{
    l->stalled = 1;
    l->have_card = 0;
    l->have_ctx = 0;
    l->in_tx = 0;
    snprintf(l->last_err, sizeof(l->last_err), "%s within %d s", what, tscns_card_timeout());
    trace_event(l->reader, l->last_err);
    return TSCNS_E_TIMEOUT;
}

static void note(pcsc_link *l, const char *what, LONG rv)
{
    char msg[160];

    if (rv == PCALL_TIMEOUT) {
        char words[sizeof(l->last_err) - 16];

        snprintf(words, sizeof(words), "pcscd or the reader \"%s\" did not complete %s", l->reader,
                 what);
        stalled(l, words);
        return;
    }
    if (rv != SCARD_S_SUCCESS)
        snprintf(l->last_err, sizeof(l->last_err), "%s returned 0x%08lX", what, (unsigned long)rv);
    if (!trace_enabled())
        return;
    snprintf(msg, sizeof(msg), "%s: %s (0x%08lX)", what, pcsc_stringify_error(rv),
             (unsigned long)rv);
    trace_event(l->reader, msg);
}

static void drop_card(pcsc_link *l)
{
    if (l->have_card && pcall_disconnect(l->hctx, l->h, SCARD_LEAVE_CARD) == PCALL_TIMEOUT)
        l->have_ctx = 0;
    l->have_card = 0;
    l->in_tx = 0;
}

static void drop_context(pcsc_link *l)
{
    drop_card(l);
    if (l->have_ctx)
        pcall_release(l->hctx);
    l->have_ctx = 0;
}

/* A child after fork() owns nothing of its parent's: forget, never release, those handles. */
static void check_fork(pcsc_link *l)
{
    pid_t now = getpid();

    if (l->pid == now)
        return;
    l->pid = now;
    l->have_card = 0;
    l->have_ctx = 0;
    l->in_tx = 0;
    l->forked = l->ever_connected;
}

static tscns_err ensure_card(pcsc_link *l)
{
    LONG rv = SCARD_S_SUCCESS;

    check_fork(l);
    if (l->have_card)
        return TSCNS_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!l->have_ctx) {
            rv = pcall_establish(&l->hctx);
            if (rv != SCARD_S_SUCCESS) {
                note(l, "SCardEstablishContext", rv);
                return pcsc_error(rv);
            }
            l->have_ctx = 1;
        }
        rv = pcall_connect(l->hctx, l->reader, &l->h, &l->proto);
        if (rv == SCARD_S_SUCCESS)
            break;
        note(l, "SCardConnect", rv);
        if (!pcsc_context_dead(rv))
            break;
        drop_context(l);
    }
    if (rv != SCARD_S_SUCCESS)
        return rv == SCARD_E_NO_SMARTCARD && l->ever_connected ? TSCNS_E_CARD_REMOVED
               : rv == SCARD_E_NO_SMARTCARD                    ? TSCNS_E_NO_CARD
                                                               : pcsc_error(rv);
    l->have_card = 1;
    l->stalled = 0;
    if (l->ever_connected && !l->forked)
        l->reset_seen = 1;
    l->ever_connected = 1;
    l->forked = 0;
    return TSCNS_OK;
}

/* After SCARD_W_RESET_CARD: the handle works again once reconnected; the card state is gone. */
static LONG reconnect(pcsc_link *l)
{
    LONG rv = pcall_reconnect(l->hctx, l->h, SCARD_LEAVE_CARD, &l->proto);

    note(l, "SCardReconnect after reset", rv);
    if (rv == SCARD_S_SUCCESS)
        l->reset_seen = 1;
    return rv;
}

/* Classify a failed call: repair what can be repaired for the next call. */
static tscns_err fail(pcsc_link *l, const char *what, LONG rv)
{
    note(l, what, rv);
    if (rv == PCALL_TIMEOUT)
        return TSCNS_E_TIMEOUT;
    if (card_gone(rv)) {
        drop_card(l);
        return TSCNS_E_CARD_REMOVED;
    }
    if (pcsc_context_dead(rv)) {
        drop_context(l);
        return TSCNS_E_NO_SERVICE;
    }
    return pcsc_error(rv);
}

static tscns_err op_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    pcsc_link *l = self;
    BYTE buf[MAX_ATR_SIZE];
    DWORD blen = sizeof(buf);
    LONG rv;
    tscns_err err;

    l->last_err[0] = '\0';
    err = ensure_card(l);
    if (err != TSCNS_OK)
        return err;
    rv = pcall_status(l->hctx, l->h, buf, &blen);
    if (rv == SCARD_W_RESET_CARD && reconnect(l) == SCARD_S_SUCCESS) {
        blen = sizeof(buf);
        rv = pcall_status(l->hctx, l->h, buf, &blen);
    }
    if (l->stalled)
        return TSCNS_E_TIMEOUT;
    if (rv != SCARD_S_SUCCESS)
        return fail(l, "SCardStatus", rv);
    if (blen > *atr_len)
        return TSCNS_E_BAD_RESPONSE;
    memcpy(atr, buf, blen);
    *atr_len = blen;
    return TSCNS_OK;
}

static tscns_err op_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t *resp_len)
{
    pcsc_link *l = self;
    DWORD rlen = (DWORD)*resp_len;
    LONG rv;
    tscns_err err;

    l->last_err[0] = '\0';
    err = ensure_card(l);
    if (err != TSCNS_OK)
        return err;
    rv = pcall_transmit(l->hctx, l->h, l->proto, cmd, cmd_len, resp, &rlen);
    if (rv == PCALL_TIMEOUT) {
        char words[sizeof(l->last_err) - 16];

        /* The card may have acted on it (counted a PIN try, written): never sent again. */
        snprintf(words, sizeof(words), "the card in \"%s\" did not answer %s", l->reader,
                 ins_name(cmd, cmd_len));
        return stalled(l, words);
    }
    if (rv == SCARD_S_SUCCESS && rlen == 0) {
        /* An empty answer: the card went away in the middle of the exchange (vpcd answers so
         * when the card's socket closes, before pcscd's next poll notices). Even if it is still
         * there its state is unknown: drop the handle, so the next call reconnects and reports
         * the PIN state gone. A 1-byte answer, by contrast, came from a card that is there
         * and answers garbage: the APDU layer reports it as malformed. */
        note(l, "SCardTransmit answered nothing", rv);
        snprintf(l->last_err, sizeof(l->last_err), "SCardTransmit answered nothing");
        drop_card(l);
        return TSCNS_E_CARD_REMOVED;
    }
    if (rv == SCARD_S_SUCCESS) {
        *resp_len = rlen;
        return TSCNS_OK;
    }
    if (rv == SCARD_W_RESET_CARD) {
        /* The command was not sent. The caller must select again: report the reset. */
        if (reconnect(l) != SCARD_S_SUCCESS) {
            if (l->stalled)
                return TSCNS_E_TIMEOUT;
            drop_card(l);
            return TSCNS_E_CARD_REMOVED;
        }
        if (l->in_tx) {
            rv = pcall_begin(l->hctx, l->h);
            note(l, "SCardBeginTransaction after reset", rv);
            if (l->stalled)
                return TSCNS_E_TIMEOUT;
            if (rv != SCARD_S_SUCCESS)
                l->in_tx = 0;
        }
        return TSCNS_E_CARD_RESET;
    }
    return fail(l, "SCardTransmit", rv);
}

static tscns_err op_begin(void *self)
{
    pcsc_link *l = self;
    tscns_err err = TSCNS_E_COMM;

    l->last_err[0] = '\0';
    /* Three rounds: a reset, a reinserted card or a restarted pcscd each cost one. */
    for (int attempt = 0; attempt < 3; attempt++) {
        LONG rv;

        err = ensure_card(l);
        if (err != TSCNS_OK)
            return err;
        rv = pcall_begin(l->hctx, l->h);
        if (rv == SCARD_S_SUCCESS) {
            l->in_tx = 1;
            return TSCNS_OK;
        }
        if (rv == SCARD_W_RESET_CARD) {
            if (reconnect(l) != SCARD_S_SUCCESS) {
                if (l->stalled)
                    return TSCNS_E_TIMEOUT;
                drop_card(l);
            }
            continue;
        }
        err = fail(l, "SCardBeginTransaction", rv);
        if (err != TSCNS_E_CARD_REMOVED && err != TSCNS_E_NO_SERVICE)
            return err;
    }
    return err;
}

static void op_end(void *self)
{
    pcsc_link *l = self;

    check_fork(l);
    if (l->have_card && l->in_tx)
        note(l, "SCardEndTransaction", pcall_end(l->hctx, l->h));
    l->in_tx = 0;
}

static int op_was_reset(void *self)
{
    pcsc_link *l = self;
    int r = l->reset_seen;

    l->reset_seen = 0;
    return r;
}

static tscns_err op_reset(void *self)
{
    pcsc_link *l = self;
    tscns_err err;
    LONG rv;

    l->last_err[0] = '\0';
    /* The stalled connection is reset by its worker once pcscd answers (pcsc_call.h); a reset
     * through a new one would wait for the same stuck card or daemon. */
    if (l->stalled) {
        snprintf(l->last_err, sizeof(l->last_err),
                 "the stalled connection is reset as soon as pcscd gets back to it");
        return TSCNS_E_TIMEOUT;
    }
    err = ensure_card(l);
    if (err != TSCNS_OK)
        return err;
    /* pcscd marks every other handle on the card: their next call gets SCARD_W_RESET_CARD. */
    rv = pcall_reconnect(l->hctx, l->h, SCARD_RESET_CARD, &l->proto);
    note(l, "SCardReconnect with SCARD_RESET_CARD", rv);
    if (rv != SCARD_S_SUCCESS)
        return fail(l, "SCardReconnect", rv);
    /* A reset by someone else that came first is covered by ours. */
    l->reset_seen = 0;
    return TSCNS_OK;
}

static const char *op_last_error(void *self)
{
    pcsc_link *l = self;

    return l->last_err;
}

static void op_close(void *self)
{
    pcsc_link *l = self;

    if (l == NULL)
        return;
    if (l->pid == getpid())
        drop_context(l);
    free(l);
}

static const tscns_transport_ops pcsc_ops = {
    .connect = op_connect,
    .transmit = op_transmit,
    .begin = op_begin,
    .end = op_end,
    .was_reset = op_was_reset,
    .close = op_close,
    .reset = op_reset,
    .last_error = op_last_error,
};

tscns_err pcsc_transport_new(const char *reader, const tscns_transport_ops **ops, void **self)
{
    pcsc_link *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return TSCNS_E_NOMEM;
    if (strlen(reader) >= sizeof(l->reader)) {
        free(l);
        return TSCNS_E_INVALID_ARG;
    }
    strcpy(l->reader, reader);
    l->pid = getpid();
    *ops = &pcsc_ops;
    *self = l;
    return TSCNS_OK;
}
