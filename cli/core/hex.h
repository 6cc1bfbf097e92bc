/**
 * @file hex.h
 * @brief Bytes as hex text, for ATRs and serial numbers.
 */
#ifndef TSCNS_CLI_HEX_H
#define TSCNS_CLI_HEX_H

#include <stddef.h>
#include <stdint.h>

/** Upper-case hex of @p data into @p out, bytes separated by @p sep unless it is '\0'. */
void cli_hex(const uint8_t *data, size_t len, char sep, char *out, size_t size);

#endif
