/**
 * @file uri.h
 * @brief The `cns:` URI that names a card key, as the provider's key-reference decoder reads it.
 */
#ifndef TSCNS_CLI_URI_H
#define TSCNS_CLI_URI_H

#include <stddef.h>

/**
 * Percent-encode @p in (RFC 3986: everything but unreserved characters) into @p out.
 * Returns the length written, or 0 with out[0] = '\0' if @p size is too small.
 */
size_t cli_percent_encode(const char *in, char *out, size_t size);

/**
 * "cns:serial=S;type=private", or "cns:reader=R;serial=S;type=private" when @p reader is not
 * NULL (R percent-encoded). Returns 0 on success, -1 if @p size is too small.
 */
int cli_key_uri(const char *reader, const char *serial, char *out, size_t size);

#endif
