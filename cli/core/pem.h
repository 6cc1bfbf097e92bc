/**
 * @file pem.h
 * @brief PEM armour (RFC 7468): a label and base64 lines of 64 characters.
 */
#ifndef TSCNS_CLI_PEM_H
#define TSCNS_CLI_PEM_H

#include <stddef.h>

/** "-----BEGIN LABEL-----\n" base64 lines "-----END LABEL-----\n"; free() the result. */
char *cli_pem_armour(const char *label, const void *data, size_t len, size_t *out_len);

#endif
