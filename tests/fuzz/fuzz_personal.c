/* EF_DatiPersonali as the card returns it, straight into the strict parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tscns/personal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tscns_personal p;

    if (tscns_parse_personal(data, size, &p) != TSCNS_OK)
        return 0;
    /* What the parser accepted is what the JSON and text output print: every field a C string. */
    for (int f = 0; f < TSCNS_PD_COUNT; f++)
        if (memchr(p.field[f], '\0', sizeof(p.field[f])) == NULL ||
            tscns_personal_field_name((tscns_personal_field)f) == NULL)
            abort();
    return 0;
}
