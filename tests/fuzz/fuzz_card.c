/*
 * Card answers. A transport of this target's own answers every command with the next answer of
 * the input, whatever the command was, so that cardio meets any FCI, READ BINARY of any length
 * and status word, 61xx and 6Cxx chains and certificate length header on its way through opening
 * the card, reading the serial, the certificate and the holder's data, a VERIFY and a raw RSA
 * operation.
 *
 * Input: one byte choosing the ATR (a TS-CNS family below, or the next byte % 34 bytes of input),
 * then answers, each a length byte (0xFF: two more bytes, big-endian) and that many bytes
 * (data || SW1 SW2). When the answers run out the card stops answering (a transport error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scratch.h"
#include "tscns/card.h"
#include "tscns/transport.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct script {
    const uint8_t *p;
    size_t left;
    uint8_t atr[TSCNS_MAX_ATR];
    size_t atr_len;
};

static const char *const known_atr[] = {
    "3BDF18008131FE7D006B020C0182011101434E53103180FC",   /* Athena */
    "3BFF1800FF8131FE55006B02091617011101434E531131808D", /* ST 2021 */
    "3BFF1800008131FE45006B05052000012101434E5310318079", /* IDEMIA */
};

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (; hex[0] != '\0' && hex[1] != '\0'; hex += 2)
        out[n++] = (uint8_t)strtoul((char[3]){hex[0], hex[1], '\0'}, NULL, 16);
    return n;
}

static int take(struct script *s, size_t n, const uint8_t **out)
{
    if (s->left < n)
        return 0;
    *out = s->p;
    s->p += n;
    s->left -= n;
    return 1;
}

static tscns_err script_connect(void *self, uint8_t *atr, size_t *atr_len)
{
    struct script *s = self;

    if (*atr_len < s->atr_len)
        return TSCNS_E_COMM;
    memcpy(atr, s->atr, s->atr_len);
    *atr_len = s->atr_len;
    return TSCNS_OK;
}

static tscns_err script_transmit(void *self, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                 size_t *resp_len)
{
    struct script *s = self;
    const uint8_t *b, *answer;
    size_t n;

    (void)cmd;
    (void)cmd_len;
    if (!take(s, 1, &b))
        return TSCNS_E_COMM;
    n = b[0];
    if (n == 0xFF) {
        if (!take(s, 2, &b))
            return TSCNS_E_COMM;
        n = (size_t)b[0] << 8 | b[1];
    }
    if (n > *resp_len || !take(s, n, &answer))
        return TSCNS_E_COMM;
    memcpy(resp, answer, n);
    *resp_len = n;
    return TSCNS_OK;
}

static tscns_err script_begin(void *self)
{
    (void)self;
    return TSCNS_OK;
}

static void script_end(void *self)
{
    (void)self;
}

static int script_was_reset(void *self)
{
    (void)self;
    return 0;
}

static void script_close(void *self)
{
    (void)self;
}

static const tscns_transport_ops script_ops = {
    .connect = script_connect,
    .transmit = script_transmit,
    .begin = script_begin,
    .end = script_end,
    .was_reset = script_was_reset,
    .close = script_close,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* cardio keeps a record per card serial of the PINs it rejected: not in the user's home. */
    if (setenv("XDG_STATE_HOME", fuzz_scratch_dir("card"), 1) != 0)
        abort();
    /* A cache file one input wrote would change what the next one does. */
    if (setenv("TSCNS_CERT_CACHE", "no", 1) != 0)
        abort();
    return 0;
}

static void card_operations(tscns_card *card)
{
    static uint8_t block[512], out[512];
    char serial[17];
    tscns_personal personal;
    const uint8_t *der;
    size_t len, bytes, out_len = sizeof(out);
    int tries = -1;

    tscns_card_serial(card, serial);
    if (tscns_card_certificate(card, &der, &len) == TSCNS_OK && len > 0)
        block[0] = der[len - 1]; /* every byte of the certificate is readable */
    tscns_card_certificate_capacity(card, &len);
    tscns_card_personal(card, &personal);
    if (tscns_card_verify_pin(card, "12345678", &tries) == TSCNS_OK &&
        tscns_card_key_bytes(card, &bytes) == TSCNS_OK && bytes <= sizeof(block))
        tscns_card_rsa_private(card, block, bytes, out, &out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct script s = {.p = data, .left = size};
    const uint8_t *pick, *atr;
    tscns_card *card = NULL;

    if (!take(&s, 1, &pick))
        return 0;
    if (pick[0] < sizeof(known_atr) / sizeof(known_atr[0])) {
        s.atr_len = unhex(known_atr[pick[0]], s.atr);
    } else {
        s.atr_len = pick[0] % (TSCNS_MAX_ATR + 1);
        if (!take(&s, s.atr_len, &atr))
            return 0;
        memcpy(s.atr, atr, s.atr_len);
    }
    if (tscns_card_open_transport(&script_ops, &s, "fuzz reader", &card) == TSCNS_OK) {
        card_operations(card);
        tscns_card_close(card);
    }
    /* Each input is another card: nothing of the last one may be served from the cache. */
    tscns_cert_cache_clear();
    return 0;
}
