/*
 * The DER AlgorithmIdentifier of a card signature, which `openssl req`, `x509` and CMS put
 * into what they sign.
 */
#ifndef TSP_ALGID_H
#define TSP_ALGID_H

#include <stddef.h>

#include <openssl/types.h>

/*
 * PKCS#1 v1.5 (@p pss 0): <digest>WithRSAEncryption with NULL parameters.
 * PSS: id-RSASSA-PSS with RSASSA-PSS-params (RFC 4055), defaults left out as DER requires.
 * *der is OPENSSL_malloc'ed. Returns 1 on success.
 */
int tsp_algid_der(const EVP_MD *md, int pss, const EVP_MD *mgf1, int salt_bytes,
                  unsigned char **der, size_t *len);

#endif
