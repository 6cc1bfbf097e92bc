/*
 * tscns-bench-floor: the card's own part of a cold TLS client authentication, and nothing else:
 * connect, then VERIFY, MSE RESTORE, MSE SET and PSO DECIPHER back to back, with no file read.
 * tests/bench/run adds it to a curl run with the key as a software file: the floor that no card
 * route can beat (docs/benchmarks.md, "Cold start").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static const char usage[] =
    "usage: tscns-bench-floor --reader NAME --pin PIN --pin-ref HEX --key-ref HEX --bits N\n";

static int transmit(SCARDHANDLE card, const uint8_t *cmd, size_t len, const char *what)
{
    uint8_t resp[600];
    DWORD n = sizeof(resp);
    LONG rv = SCardTransmit(card, SCARD_PCI_T1, cmd, (DWORD)len, NULL, resp, &n);

    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-bench-floor: %s: %s\n", what, pcsc_stringify_error(rv));
        return 0;
    }
    if (n < 2 || resp[n - 2] != 0x90 || resp[n - 1] != 0x00) {
        fprintf(stderr, "tscns-bench-floor: %s: the card answered %02X%02X\n", what,
                n >= 2 ? resp[n - 2] : 0, n >= 1 ? resp[n - 1] : 0);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *reader = NULL, *pin = NULL;
    unsigned pin_ref = 0, key_ref = 0, bits = 0;
    uint8_t verify[13] = {0x00, 0x20, 0x00, 0x00, 0x08};
    uint8_t restore[] = {0x00, 0x22, 0xF3, 0x03, 0x00};
    uint8_t mse[] = {0x00, 0x22, 0xF1, 0xB8, 0x03, 0x83, 0x01, 0x00};
    uint8_t pso[4 + 3 + 1 + 256 + 2] = {0x00, 0x2A, 0x80, 0x86};
    size_t k, n;
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto;
    int ok;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--reader") == 0)
            reader = argv[i + 1];
        else if (strcmp(argv[i], "--pin") == 0)
            pin = argv[i + 1];
        else if (strcmp(argv[i], "--pin-ref") == 0)
            pin_ref = (unsigned)strtoul(argv[i + 1], NULL, 16);
        else if (strcmp(argv[i], "--key-ref") == 0)
            key_ref = (unsigned)strtoul(argv[i + 1], NULL, 16);
        else if (strcmp(argv[i], "--bits") == 0)
            bits = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    if (reader == NULL || pin == NULL || strlen(pin) > 8 || (bits != 1024 && bits != 2048)) {
        fputs(usage, stderr);
        return 2;
    }
    verify[3] = (uint8_t)pin_ref;
    memset(verify + 5, 0xFF, 8);
    memcpy(verify + 5, pin, strlen(pin));
    mse[7] = (uint8_t)key_ref;
    k = bits / 8;
    /* A raw block below any modulus of that size: 00 01 then zeros. */
    if (k <= 254) {
        pso[4] = (uint8_t)(k + 1);
        pso[6] = 0x01;
        n = 5 + 1 + k;
        pso[n++] = (uint8_t)k;
    } else {
        pso[4] = 0x00;
        pso[5] = (uint8_t)((k + 1) >> 8);
        pso[6] = (uint8_t)(k + 1);
        pso[9] = 0x01;
        n = 7 + 1 + k;
        pso[n++] = (uint8_t)(k >> 8);
        pso[n++] = (uint8_t)k;
    }
    if (SCardEstablishContext(SCARD_SCOPE_USER, NULL, NULL, &ctx) != SCARD_S_SUCCESS ||
        SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &card, &proto) !=
            SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-bench-floor: cannot connect to %s\n", reader);
        return 1;
    }
    SCardBeginTransaction(card);
    ok = transmit(card, verify, sizeof(verify), "VERIFY") &&
         transmit(card, restore, sizeof(restore), "MSE RESTORE") &&
         transmit(card, mse, sizeof(mse), "MSE SET") && transmit(card, pso, n, "PSO DECIPHER");
    SCardEndTransaction(card, SCARD_LEAVE_CARD);
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    return ok ? 0 : 1;
}
