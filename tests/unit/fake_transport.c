/* The scripted transport: compares each command with the script, answers from it. */
#include "fake_transport.h"

#include <stdio.h>
#include <string.h>

size_t fake_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (; hex[0] != '\0' && hex[1] != '\0' && n < cap; hex += 2) {
        unsigned v;

        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
    }
    return n;
}

static tscns_err fake_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    fake_card *f = self;

    *atr_len = fake_unhex(f->atr_hex, atr, *atr_len);
    return TSCNS_OK;
}

static tscns_err fake_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                               size_t *resp_len)
{
    fake_card *f = self;
    size_t o = 0;

    for (size_t i = 0; i < cmd_len && o + 3 < sizeof(f->got); i++)
        o += (size_t)snprintf(f->got + o, sizeof(f->got) - o, "%02X", cmd[i]);
    if (f->next >= f->n_steps || strcmp(f->steps[f->next].cmd_hex, f->got) != 0) {
        f->mismatch = 1;
        return TSCNS_E_COMM;
    }
    *resp_len = fake_unhex(f->steps[f->next].resp_hex, resp, *resp_len);
    f->next++;
    return TSCNS_OK;
}

static tscns_err fake_begin(void *self)
{
    (void)self;
    return TSCNS_OK;
}

static void fake_end(void *self)
{
    (void)self;
}

static int fake_was_reset(void *self)
{
    (void)self;
    return 0;
}

static void fake_close(void *self)
{
    fake_card *f = self;

    f->closed = 1;
}

const tscns_transport_ops fake_ops = {
    .connect = fake_connect,
    .transmit = fake_transmit,
    .begin = fake_begin,
    .end = fake_end,
    .was_reset = fake_was_reset,
    .close = fake_close,
};
