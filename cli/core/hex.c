#include "hex.h"

void cli_hex(const uint8_t *data, size_t len, char sep, char *out, size_t size)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t per_byte = sep != '\0' ? 3 : 2;
    size_t n = 0;

    if (size == 0)
        return;
    for (size_t i = 0; i < len && n + per_byte < size; i++) {
        if (sep != '\0' && i > 0)
            out[n++] = sep;
        out[n++] = digits[data[i] >> 4];
        out[n++] = digits[data[i] & 0x0F];
    }
    out[n] = '\0';
}
