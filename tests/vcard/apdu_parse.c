/* ISO 7816-4 command APDU cases 1-4, short and extended. */
#include "engine_internal.h"

int vc_apdu_parse(const uint8_t *cmd, size_t len, vc_apdu *a)
{
    if (len < 4) {
        return -1;
    }
    *a = (vc_apdu){.cla = cmd[0], .ins = cmd[1], .p1 = cmd[2], .p2 = cmd[3]};
    if (len == 4) {
        return 0;
    }
    if (len == 5) {
        a->has_le = 1;
        a->le = cmd[4] ? cmd[4] : 256;
        return 0;
    }
    if (cmd[4] != 0) {
        a->lc = cmd[4];
        a->data = cmd + 5;
        if (len == 5 + a->lc) {
            return 0;
        }
        if (len == 6 + a->lc) {
            a->has_le = 1;
            a->le = cmd[5 + a->lc] ? cmd[5 + a->lc] : 256;
            return 0;
        }
        return -1;
    }
    a->extended = 1;
    if (len == 7) {
        size_t le = (size_t)cmd[5] << 8 | cmd[6];
        a->has_le = 1;
        a->le = le ? le : 65536;
        return 0;
    }
    a->lc = (size_t)cmd[5] << 8 | cmd[6];
    a->data = cmd + 7;
    if (a->lc == 0) {
        return -1;
    }
    if (len == 7 + a->lc) {
        return 0;
    }
    if (len == 9 + a->lc) {
        size_t le = (size_t)cmd[7 + a->lc] << 8 | cmd[8 + a->lc];
        a->has_le = 1;
        a->le = le ? le : 65536;
        return 0;
    }
    return -1;
}
