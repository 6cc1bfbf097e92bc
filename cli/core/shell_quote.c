#include "shell_quote.h"

#include <stdlib.h>
#include <string.h>

static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "%+,-./:=@_";

char *cli_shell_quote(const char *arg)
{
    size_t len = strlen(arg), quotes = 0;
    char *out, *o;

    if (len > 0 && strspn(arg, plain) == len)
        return strdup(arg);
    for (const char *p = arg; *p != '\0'; p++)
        quotes += *p == '\'';
    /* Each ' grows by 3 ('\''), plus the opening and closing quote and the NUL. */
    out = malloc(len + 3 * quotes + 3);
    if (out == NULL)
        return NULL;
    o = out;
    *o++ = '\'';
    for (const char *p = arg; *p != '\0'; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}
