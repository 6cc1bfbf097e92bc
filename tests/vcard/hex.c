/* Hex text to bytes, for ATRs in the profile table and card.state. */
#include <ctype.h>

#include "engine_internal.h"

static int nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char)toupper((unsigned char)c);
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

long vc_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int high = -1;
    for (const char *p = hex; *p; p++) {
        if (*p == ' ' || *p == ':') {
            continue;
        }
        int v = nibble(*p);
        if (v < 0) {
            return -1;
        }
        if (high < 0) {
            high = v;
            continue;
        }
        if (n == cap) {
            return -1;
        }
        out[n++] = (uint8_t)(high << 4 | v);
        high = -1;
    }
    return high < 0 ? (long)n : -1;
}
