/*
 * tscns-bench-apdu: raw APDU round-trip rate through PC/SC, to measure the test stack itself
 * (pcscd + vpcd + tscns-vcard) without cardio. Not a test: it prints numbers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: tscns-bench-apdu [--reader SUBSTRING] [-n COUNT]\n"
               "\n"
               "Connects to the first reader holding a card (or whose name contains SUBSTRING),\n"
               "selects the TS-CNS certificate file 3F00/1100/1101 and sends COUNT (default\n"
               "2000) READ BINARY commands of 255 bytes, then prints APDUs per second and the\n"
               "mean time per APDU.\n");
}

static char *pick_reader(SCARDCONTEXT ctx, char *list, DWORD len, const char *want)
{
    for (char *r = list; r < list + len && *r; r += strlen(r) + 1) {
        SCARD_READERSTATE st = {.szReader = r, .dwCurrentState = SCARD_STATE_UNAWARE};
        if (want ? strstr(r, want) != NULL
                 : SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS &&
                       (st.dwEventState & SCARD_STATE_PRESENT)) {
            return r;
        }
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int transmit_ok(SCARDHANDLE card, const SCARD_IO_REQUEST *pci, const uint8_t *cmd, DWORD len)
{
    uint8_t resp[258];
    DWORD resp_len = sizeof(resp);
    LONG rv = SCardTransmit(card, pci, cmd, len, NULL, resp, &resp_len);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-bench-apdu: SCardTransmit: %s\n", pcsc_stringify_error(rv));
        return 0;
    }
    if (resp_len < 2 || resp[resp_len - 2] != 0x90 || resp[resp_len - 1] != 0x00) {
        fprintf(stderr, "tscns-bench-apdu: the card answered %02X%02X\n",
                resp_len >= 2 ? resp[resp_len - 2] : 0, resp_len >= 1 ? resp[resp_len - 1] : 0);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *want = NULL;
    long count = 2000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc) {
            want = argv[++i];
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            char *end;
            count = strtol(argv[++i], &end, 10);
            if (*end != '\0' || count <= 0) {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto, len = SCARD_AUTOALLOCATE;
    char *readers = NULL;
    int rc = 1;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-bench-apdu: no PC/SC service: %s\n", pcsc_stringify_error(rv));
        return 1;
    }
    rv = SCardListReaders(ctx, NULL, (LPSTR)&readers, &len);
    char *reader = rv == SCARD_S_SUCCESS ? pick_reader(ctx, readers, len, want) : NULL;
    if (!reader) {
        fprintf(stderr, "tscns-bench-apdu: no reader with a card\n");
        goto end;
    }
    rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                      &proto);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-bench-apdu: SCardConnect(%s): %s\n", reader,
                pcsc_stringify_error(rv));
        goto end;
    }
    const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
    static const uint8_t select_cert[] = {0x00, 0xA4, 0x08, 0x0C, 0x04, 0x11, 0x00, 0x11, 0x01};
    static const uint8_t read[] = {0x00, 0xB0, 0x00, 0x00, 0xFF};
    if (transmit_ok(card, pci, select_cert, sizeof(select_cert))) {
        double t0 = now_s();
        long done = 0;
        while (done < count && transmit_ok(card, pci, read, sizeof(read))) {
            done++;
        }
        double dt = now_s() - t0;
        if (done == count) {
            printf("reader: %s\n%ld APDUs (READ BINARY 255 bytes) in %.3f s: %.0f APDUs/s, "
                   "%.1f us per APDU\n",
                   reader, count, dt, (double)count / dt, dt * 1e6 / (double)count);
            rc = 0;
        }
    }
    SCardDisconnect(card, SCARD_LEAVE_CARD);
end:
    SCardFreeMemory(ctx, readers);
    SCardReleaseContext(ctx);
    return rc;
}
