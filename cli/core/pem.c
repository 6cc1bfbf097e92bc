#include "pem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* 48 input bytes give exactly one 64-character base64 line. */
#define PEM_LINE_INPUT 48

char *cli_pem_armour(const char *label, const void *data, size_t len, size_t *out_len)
{
    const unsigned char *in = data;
    size_t lines = (len + PEM_LINE_INPUT - 1) / PEM_LINE_INPUT;
    size_t size = 2 * (strlen(label) + 20) + lines * 65 + 1;
    char *out = malloc(size);
    size_t n;

    if (out == NULL)
        return NULL;
    n = (size_t)snprintf(out, size, "-----BEGIN %s-----\n", label);
    for (size_t off = 0; off < len; off += PEM_LINE_INPUT) {
        size_t chunk = len - off < PEM_LINE_INPUT ? len - off : PEM_LINE_INPUT;

        n += (size_t)EVP_EncodeBlock((unsigned char *)out + n, in + off, (int)chunk);
        out[n++] = '\n';
    }
    n += (size_t)snprintf(out + n, size - n, "-----END %s-----\n", label);
    if (out_len != NULL)
        *out_len = n;
    return out;
}
