/**
 * @file card_cert.h
 * @brief The card's serial and certificate, read through cardio in a session of their own.
 */
#ifndef TSCNS_CLI_EXTEND_CARD_CERT_H
#define TSCNS_CLI_EXTEND_CARD_CERT_H

#include <openssl/x509.h>

#include "cli.h"

/**
 * Open the card the global options name, read its serial and certificate, and close it again,
 * so that the provider, which has its own cardio, finds the card free afterwards.
 * Prints why on failure; returns an exit code.
 */
int card_cert_read(const struct cli_global *g, char serial[17], X509 **cert);

#endif
