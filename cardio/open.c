/* The top of the card stack: a base handle, identified, with the upper layers' reset hooks. */
#include "open.h"

#include <stdio.h>
#include <string.h>

#include "cert.h"
#include "efs.h"
#include "identify.h"
#include "trace.h"

/* The serial tells whether the reader still holds the card this handle identified. */
static tscns_err same_card(tscns_card *card)
{
    char serial[17];
    tscns_err err;

    if (!card->have_serial)
        return TSCNS_OK;
    err = efs_read_serial(card, serial);
    if (err != TSCNS_OK)
        return err;
    if (strcmp(serial, card->serial) != 0) {
        handle_detail(card, "reader %s now holds card %s, not %s", card->reader, serial,
                      card->serial);
        return TSCNS_E_CARD_REMOVED;
    }
    return TSCNS_OK;
}

/* Another program may have rewritten the certificate while the card was reset. */
static void forget_card(tscns_card *card)
{
    if (card->have_serial)
        cert_cache_forget(card->reader, card->serial, card->prof);
}

static const handle_hooks cns_hooks = {.same_card = same_card, .reset = forget_card};

tscns_err open_card(const tscns_transport_ops *ops, void *self, const char *reader_name,
                    tscns_card **out, char *detail, size_t detail_cap)
{
    tscns_card *card;
    tscns_err err;

    err = handle_new(ops, self, reader_name, out);
    card = out != NULL ? *out : NULL;
    if (card == NULL)
        return err;
    card->hooks = &cns_hooks;
    if (err == TSCNS_OK)
        err = identify_card(card);
    if (err != TSCNS_OK) {
        trace_event(card->reader, card->detail);
        if (detail != NULL && detail_cap > 0)
            snprintf(detail, detail_cap, "%s", card->detail);
        *out = NULL;
        tscns_card_close(card);
    }
    return err;
}

tscns_err tscns_card_open_transport(const tscns_transport_ops *ops, void *self,
                                    const char *reader_name, tscns_card **out)
{
    return open_card(ops, self, reader_name, out, NULL, 0);
}
