/* The cns: URI grammar of the provider (provider/uri.c), as a program or a config passes it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    const char *why = NULL;
    tsp_uri uri;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    tsp_uri_is_cns(s);
    if (tsp_uri_parse(s, &uri, &why))
        tsp_uri_clear(&uri);
    else if (why == NULL)
        abort(); /* a refusal always says why */
    free(s);
    return 0;
}
