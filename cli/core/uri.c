#include "uri.h"

#include <stdio.h>
#include <string.h>

#include "tscns/keyref.h"

/* How every key URI ends: the card serial, and the private key. */
#define KEYREF_URI_SERIAL                                                                          \
    TSCNS_URI_KEY_SERIAL "=%s" TSCNS_URI_SEPARATOR TSCNS_URI_KEY_TYPE "=" TSCNS_URI_TYPE_PRIVATE

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

size_t cli_percent_encode(const char *in, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        size_t need = unreserved(*p) ? 1 : 3;

        if (n + need >= size) {
            if (size > 0)
                out[0] = '\0';
            return 0;
        }
        if (need == 1) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 0x0F];
        }
    }
    if (size > 0)
        out[n] = '\0';
    return n;
}

int cli_key_uri(const char *reader, const char *serial, char *out, size_t size)
{
    char encoded[3 * 256 + 1];
    int n;

    if (reader == NULL) {
        n = snprintf(out, size, TSCNS_URI_SCHEME KEYREF_URI_SERIAL, serial);
    } else {
        if (*reader != '\0' && cli_percent_encode(reader, encoded, sizeof(encoded)) == 0)
            return -1;
        if (*reader == '\0')
            encoded[0] = '\0';
        n = snprintf(out, size,
                     TSCNS_URI_SCHEME TSCNS_URI_KEY_READER
                     "=%s" TSCNS_URI_SEPARATOR KEYREF_URI_SERIAL,
                     encoded, serial);
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
