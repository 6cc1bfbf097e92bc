/* The in-process transport: cardio's unit tests reach the engine without pcscd. */
#include <stdio.h>
#include <stdlib.h>

#include "vcard_transport.h"

typedef struct vtransport {
    vcard *card;
    int present;
    int powered;
    int reset_pending;
    int remove_armed;
    unsigned long remove_countdown;
    uint8_t answer[VCARD_MAX_RESPONSE];
} vtransport;

static tscns_err vt_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    vtransport *t = self;
    if (!t->present) {
        return TSCNS_E_NO_CARD;
    }
    if (!t->powered) {
        vcard_power_on(t->card);
        t->powered = 1;
    }
    size_t len;
    const uint8_t *a = vcard_atr(t->card, &len);
    if (*atr_len < len) {
        return TSCNS_E_INVALID_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        atr[i] = a[i];
    }
    *atr_len = len;
    return TSCNS_OK;
}

static tscns_err vt_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                             size_t *resp_len)
{
    vtransport *t = self;
    if (t->remove_armed && t->remove_countdown == 0) {
        t->present = 0;
        t->powered = 0;
        t->remove_armed = 0;
    }
    if (!t->present) {
        return TSCNS_E_CARD_REMOVED;
    }
    if (!t->powered) {
        return TSCNS_E_CARD_REMOVED; /* pulled and put back: the client must reconnect */
    }
    if (cmd_len > VCARD_MAX_COMMAND) {
        return TSCNS_E_INVALID_ARG;
    }
    if (t->remove_armed) {
        t->remove_countdown--;
    }
    size_t n = vcard_transmit(t->card, cmd, cmd_len, t->answer);
    if (n > *resp_len) {
        return TSCNS_E_TOO_LARGE;
    }
    for (size_t i = 0; i < n; i++) {
        resp[i] = t->answer[i];
    }
    *resp_len = n;
    return TSCNS_OK;
}

static tscns_err vt_begin(void *self)
{
    (void)self;
    return TSCNS_OK;
}

static void vt_end(void *self)
{
    (void)self;
}

static int vt_was_reset(void *self)
{
    vtransport *t = self;
    int r = t->reset_pending;
    t->reset_pending = 0;
    return r;
}

/* cardio's own reset: the card loses its volatile state; was_reset() does not report it. */
static tscns_err vt_reset(void *self)
{
    vtransport *t = self;
    if (!t->present || !t->powered) {
        return TSCNS_E_CARD_REMOVED;
    }
    vcard_power_on(t->card);
    return TSCNS_OK;
}

static void vt_close(void *self)
{
    vtransport *t = self;
    vcard_close(t->card);
    free(t);
}

static const tscns_transport_ops vt_ops = {
    .connect = vt_connect,
    .transmit = vt_transmit,
    .begin = vt_begin,
    .end = vt_end,
    .was_reset = vt_was_reset,
    .close = vt_close,
    .reset = vt_reset,
};

tscns_err vcard_transport_open(const char *image_dir, const tscns_transport_ops **ops, void **self)
{
    char err[512];
    vtransport *t = calloc(1, sizeof(*t));
    if (!t) {
        return TSCNS_E_NOMEM;
    }
    if (vcard_open(image_dir, &t->card, err, sizeof(err)) != 0) {
        fprintf(stderr, "vcard_transport_open: %s\n", err);
        free(t);
        return TSCNS_E_INVALID_ARG;
    }
    t->present = 1;
    *ops = &vt_ops;
    *self = t;
    return TSCNS_OK;
}

vcard *vcard_transport_engine(void *self)
{
    return ((vtransport *)self)->card;
}

void vcard_transport_remove_after(void *self, unsigned long n)
{
    vtransport *t = self;
    t->remove_armed = 1;
    t->remove_countdown = n;
    if (n == 0) {
        t->present = 0;
        t->powered = 0;
        t->remove_armed = 0;
    }
}

void vcard_transport_insert(void *self)
{
    vtransport *t = self;
    t->present = 1;
    t->powered = 0;
    t->remove_armed = 0;
    t->reset_pending = 1;
}

void vcard_transport_reset(void *self)
{
    vtransport *t = self;
    vcard_power_on(t->card);
    t->reset_pending = 1;
}
