/*
 * The two signature encodings of RFC 8017, built on the host because the card only does the
 * raw RSA private operation on a block of the modulus length (docs/card.md, section 4).
 */
#ifndef TSP_EMSA_H
#define TSP_EMSA_H

#include <stddef.h>

#include <openssl/types.h>

/* Salt-length special values, as OpenSSL's RSA_PSS_SALTLEN_* use them. */
#define TSP_SALT_DIGEST (-1)
#define TSP_SALT_AUTO (-2)
#define TSP_SALT_MAX (-3)

/*
 * EMSA-PKCS1-v1_5 (section 9.2) into @p block of @p k bytes: 00 01 FF.. 00 DigestInfo(hash).
 * With @p md NULL the input is used as is (no DigestInfo), as OpenSSL does without a digest.
 */
int tsp_emsa_pkcs1(const EVP_MD *md, const unsigned char *in, size_t inlen, unsigned char *block,
                   size_t k);

/* The salt length a signature will use for @p saltlen (a count or a TSP_SALT_* value). */
int tsp_pss_salt_bytes(int saltlen, size_t hlen, int modbits);

/*
 * EMSA-PSS (section 9.1.1) of the message digest @p mhash into @p block of @p k bytes (a
 * leading zero byte when the encoded message is one byte shorter than the modulus).
 */
int tsp_emsa_pss(OSSL_LIB_CTX *libctx, const EVP_MD *md, const EVP_MD *mgf1,
                 const unsigned char *mhash, size_t hlen, int saltlen, int modbits,
                 unsigned char *block, size_t k);

#endif
