/* APDU encoding and the one place where status words 61xx and 6Cxx are handled. */
#include "apdu.h"

#include <string.h>

#include <openssl/crypto.h>

#include "trace.h"

tscns_err apdu_encode(const apdu *a, int extended_ok, uint8_t *out, size_t cap, size_t *out_len)
{
    int extended = a->lc > 255 || a->le > 256;
    size_t need = 4;
    size_t n = 0;

    if (a->lc > 65535 || a->le > 65536 || (a->lc > 0 && a->data == NULL))
        return TSCNS_E_INVALID_ARG;
    if (extended && !extended_ok)
        return TSCNS_E_TOO_LARGE;
    if (a->lc > 0)
        need += (extended ? 3 : 1) + a->lc;
    if (a->le > 0)
        need += extended ? (a->lc > 0 ? 2 : 3) : 1;
    if (need > cap)
        return TSCNS_E_TOO_LARGE;

    out[n++] = a->cla;
    out[n++] = a->ins;
    out[n++] = a->p1;
    out[n++] = a->p2;
    if (a->lc > 0) {
        if (extended) {
            out[n++] = 0x00;
            out[n++] = (uint8_t)(a->lc >> 8);
        }
        out[n++] = (uint8_t)a->lc;
        memcpy(out + n, a->data, a->lc);
        n += a->lc;
    }
    if (a->le > 0) {
        /* The maximum (256 short, 65536 extended) is encoded as zero bytes. */
        if (extended) {
            if (a->lc == 0)
                out[n++] = 0x00;
            out[n++] = (uint8_t)((a->le >> 8) & 0xFF);
        }
        out[n++] = (uint8_t)(a->le & 0xFF);
    }
    *out_len = n;
    return TSCNS_OK;
}

static tscns_err raw_exchange(apdu_chan *ch, const apdu *a, size_t *rlen)
{
    uint8_t cmd[APDU_MAX_COMMAND];
    size_t clen = 0;
    tscns_err err;

    err = apdu_encode(a, ch->extended_ok, cmd, sizeof(cmd), &clen);
    if (err != TSCNS_OK)
        return err;
    trace_command(ch->reader, cmd, clen, a->sensitive);
    *rlen = TSCNS_MAX_RESPONSE;
    ch->sent++;
    err = ch->ops->transmit(ch->self, cmd, clen, ch->rbuf, rlen);
    /* The command may hold PIN bytes: do not leave them on the stack. */
    if (a->sensitive)
        OPENSSL_cleanse(cmd, clen);
    if (err != TSCNS_OK) {
        trace_event(ch->reader, "transmit failed");
        if (err == TSCNS_E_CARD_REMOVED || err == TSCNS_E_NO_CARD)
            ch->lost = 1;
        return err;
    }
    trace_response(ch->reader, ch->rbuf, *rlen);
    if (*rlen < 2)
        return TSCNS_E_BAD_RESPONSE;
    return TSCNS_OK;
}

static tscns_err append(uint8_t *resp, size_t cap, size_t *have, const uint8_t *d, size_t n)
{
    if (n == 0)
        return TSCNS_OK;
    if (resp == NULL || n > cap - *have)
        return TSCNS_E_BAD_RESPONSE;
    memcpy(resp + *have, d, n);
    *have += n;
    return TSCNS_OK;
}

tscns_err apdu_exchange(apdu_chan *ch, const apdu *a, uint8_t *resp, size_t *resp_len, uint16_t *sw)
{
    size_t cap = resp_len != NULL ? *resp_len : 0;
    size_t have = 0;
    size_t rlen = 0;
    apdu cur = *a;
    tscns_err err;
    uint16_t s;
    int resent = 0;
    /* Bounded: a card that keeps answering 61xx cannot hold us forever. */
    int rounds = 0;

    /* A failure without an answer must not be reported with an older command's SW. */
    ch->last_sw = 0;
    for (;;) {
        err = raw_exchange(ch, &cur, &rlen);
        if (err != TSCNS_OK)
            return err;
        s = (uint16_t)(ch->rbuf[rlen - 2] << 8 | ch->rbuf[rlen - 1]);
        if ((s >> 8) == 0x6C && (a->sensitive || a->writes)) {
            /* A PIN try the card may have counted, or a write it may have done: never sent
             * twice. These commands expect no data, so a Le correction is an odd answer. */
            ch->last_sw = s;
            return TSCNS_E_BAD_RESPONSE;
        }
        if ((s >> 8) == 0x6C && !resent) {
            /* Wrong Le: the card tells the right one; resend the same command once. */
            cur.le = (s & 0xFF) ? (s & 0xFF) : 256;
            resent = 1;
            continue;
        }
        err = append(resp, cap, &have, ch->rbuf, rlen - 2);
        if (err != TSCNS_OK)
            return err;
        if ((s >> 8) == 0x61 && ++rounds <= 256) {
            memset(&cur, 0, sizeof(cur));
            cur.cla = a->cla;
            cur.ins = 0xC0;
            cur.le = (s & 0xFF) ? (s & 0xFF) : 256;
            continue;
        }
        break;
    }
    ch->last_sw = s;
    if (sw != NULL)
        *sw = s;
    if (resp_len != NULL)
        *resp_len = have;
    return TSCNS_OK;
}

int apdu_sw_tries(uint16_t sw, int *tries)
{
    if ((sw & 0xFFF0) != 0x63C0)
        return 0;
    *tries = sw & 0x0F;
    return 1;
}

tscns_err apdu_sw_error(uint16_t sw)
{
    switch (sw) {
    case 0x9000:
        return TSCNS_OK;
    case 0x6982:
        return TSCNS_E_SECURITY;
    case 0x6983:
        return TSCNS_E_PIN_BLOCKED;
    case 0x6A82:
    case 0x6A88:
        return TSCNS_E_NOT_FOUND;
    case 0x6A84:
        return TSCNS_E_TOO_LARGE;
    default:
        break;
    }
    if ((sw & 0xFFF0) == 0x63C0)
        return TSCNS_E_PIN_INCORRECT;
    return TSCNS_E_CARD_STATUS;
}
