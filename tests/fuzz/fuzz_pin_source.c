/*
 * The provider's pin-source value (tscns_pin_source_parse, include/tscns/pin_file.h), read only
 * when a signature needs the PIN, so fuzz_provider_config, which loads the provider, never
 * reaches it. The input is the value, up to its first NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tscns/pin_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = malloc(size + 1);
    const char *arg = NULL, *bad;
    tscns_pin_source_kind kind;

    if (value == NULL)
        abort();
    memcpy(value, data, size);
    value[size] = '\0';
    bad = tscns_pin_source_parse(value, &kind, &arg);
    if (bad == NULL) {
        /* The name or path is a non-empty part of the value itself, of the form announced. */
        if (arg == NULL || arg <= value || arg >= value + strlen(value) || *arg == '\0')
            abort();
        if (kind == TSCNS_PIN_SOURCE_FILE && *arg != '/')
            abort();
        if (kind == TSCNS_PIN_SOURCE_ENV && strchr(arg, '=') != NULL)
            abort();
    } else if (bad[0] == '\0' || strpbrk(bad, "0123456789") != NULL) {
        /* A refusal says something and holds no digit, so it cannot repeat a bare PIN. */
        abort();
    }
    free(value);
    return 0;
}
