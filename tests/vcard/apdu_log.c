/* The APDU log: one greppable line per APDU (format in vcard.h), PIN and PUK bytes masked. */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

const char *vc_ins_name(const uint8_t *cmd, size_t cmd_len, char buf[8])
{
    if (cmd_len < 4) {
        return "MALFORMED";
    }
    uint16_t p1p2 = (uint16_t)(cmd[2] << 8 | cmd[3]);
    switch (cmd[1]) {
    case 0xA4:
        return "SELECT";
    case 0xB0:
        return "READ_BINARY";
    case 0xD6:
        return "UPDATE_BINARY";
    case 0x20:
        return "VERIFY";
    case 0x24:
        return "CHANGE_REFERENCE_DATA";
    case 0x2C:
        return "RESET_RETRY_COUNTER";
    case 0x22:
        return p1p2 == 0xF303 ? "MSE_RESTORE" : p1p2 == 0xF1B8 ? "MSE_SET" : "MSE";
    case 0x2A:
        return p1p2 == 0x8086 ? "PSO_DECIPHER" : "PSO";
    case 0x84:
        return "GET_CHALLENGE";
    default:
        snprintf(buf, 8, "INS_%02X", cmd[1]);
        return buf;
    }
}

static int carries_secret(uint8_t ins)
{
    return ins == 0x20 || ins == 0x24 || ins == 0x2C;
}

void vc_log_apdu(vcard *v, const uint8_t *cmd, size_t cmd_len, uint16_t sw, double duration_ms)
{
    if (!v->log) {
        return;
    }
    char name[8];
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double since =
        (double)(now.tv_sec - v->t0.tv_sec) * 1e3 + (double)(now.tv_nsec - v->t0.tv_nsec) / 1e6;
    size_t shown = cmd_len;
    int masked = 0;
    if (cmd_len > 5 && carries_secret(cmd[1])) {
        /* Keep the header and Lc, so the log still shows which reference was used. */
        shown = cmd[4] == 0 && cmd_len >= 7 ? 7 : 5;
        masked = 1;
    }
    fprintf(v->log, "%.3f %s ", since, vc_ins_name(cmd, cmd_len, name));
    for (size_t i = 0; i < shown; i++) {
        fprintf(v->log, "%02X", cmd[i]);
    }
    fprintf(v->log, "%s -> %04X %.3f\n", masked ? "**" : "", sw, duration_ms);
    fflush(v->log);
}
