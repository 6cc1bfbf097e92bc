/**
 * @file keep_uses.h
 * @brief The renewal keeps what the card's certificate is used for: its X.509 version, its
 * keyUsage bits and its extendedKeyUsage purposes.
 */
#ifndef TSCNS_CLI_EXTEND_KEEP_USES_H
#define TSCNS_CLI_EXTEND_KEEP_USES_H

#include <openssl/x509.h>

/**
 * Compare @p new_cert with @p card_cert, the certificate it replaces: print a progress line for
 * each of version, keyUsage and extendedKeyUsage that is kept and a "refused:" line naming what
 * is dropped. Returns the number of these checks that failed.
 */
int keep_uses(X509 *card_cert, X509 *new_cert);

#endif
