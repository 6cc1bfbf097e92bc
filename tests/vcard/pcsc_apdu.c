/* tscns-vcard-apdu: send raw APDUs to a card through PC/SC (for the vcard integration tests). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include "engine_internal.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: tscns-vcard-apdu [--reader SUBSTRING] APDU-HEX...\n"
               "\n"
               "Connects to the first reader whose name contains SUBSTRING (default: the first\n"
               "reader with a card), sends each APDU on one connection and prints each answer\n"
               "as one line of hex (data then SW1 SW2). Exit 1 if a PC/SC call fails or an\n"
               "answer is shorter than a status word (it is still printed).\n");
}

static char *pick_reader(char *list, DWORD len, const char *want)
{
    for (char *r = list; r < list + len && *r; r += strlen(r) + 1) {
        if (!want || strstr(r, want)) {
            return r;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *want = NULL;
    int first = 1;
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "--reader") == 0) {
        want = argv[2];
        first = 3;
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto, len = SCARD_AUTOALLOCATE;
    char *readers = NULL;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-vcard-apdu: SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
        return 1;
    }
    rv = SCardListReaders(ctx, NULL, (LPSTR)&readers, &len);
    char *reader = rv == SCARD_S_SUCCESS ? pick_reader(readers, len, want) : NULL;
    if (!reader) {
        fprintf(stderr, "tscns-vcard-apdu: no reader%s%s\n", want ? " matching " : "",
                want ? want : "");
        SCardReleaseContext(ctx);
        return 1;
    }
    rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                      &proto);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "tscns-vcard-apdu: SCardConnect(%s): %s\n", reader,
                pcsc_stringify_error(rv));
        SCardFreeMemory(ctx, readers);
        SCardReleaseContext(ctx);
        return 1;
    }
    static uint8_t cmd[VCARD_MAX_COMMAND], resp[VCARD_MAX_RESPONSE];
    int rc = 0;
    for (int i = first; i < argc && rc == 0; i++) {
        long n = vc_hex_decode(argv[i], cmd, sizeof(cmd));
        DWORD resp_len = sizeof(resp);
        if (n < 4) {
            fprintf(stderr, "tscns-vcard-apdu: not an APDU: %s\n", argv[i]);
            rc = 2;
            break;
        }
        const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        rv = SCardTransmit(card, pci, cmd, (DWORD)n, NULL, resp, &resp_len);
        if (rv != SCARD_S_SUCCESS) {
            fprintf(stderr, "tscns-vcard-apdu: SCardTransmit: %s\n", pcsc_stringify_error(rv));
            rc = 1;
            break;
        }
        for (DWORD k = 0; k < resp_len; k++) {
            printf("%02X", resp[k]);
        }
        printf("\n");
        if (resp_len < 2) {
            /* vpcd answers a transmit cut short by a vanished card with no bytes at all */
            fprintf(stderr, "tscns-vcard-apdu: answer of %lu bytes has no status word\n",
                    (unsigned long)resp_len);
            rc = 1;
        }
    }
    fflush(stdout);
    SCardDisconnect(card, SCARD_LEAVE_CARD);
    SCardFreeMemory(ctx, readers);
    SCardReleaseContext(ctx);
    return rc;
}
