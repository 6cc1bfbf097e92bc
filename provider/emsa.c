#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "emsa.h"

/* DER of DigestInfo up to the hash value (RFC 8017 section 9.2, note 1). */
static const struct {
    const char *name;
    unsigned char prefix[19];
    size_t len;
} digest_info[] = {
    {"SHA1",
     {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
     15},
    {"SHA2-224",
     {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04,
      0x05, 0x00, 0x04, 0x1c},
     19},
    {"SHA2-256",
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x05, 0x00, 0x04, 0x20},
     19},
    {"SHA2-384",
     {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
      0x05, 0x00, 0x04, 0x30},
     19},
    {"SHA2-512",
     {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
      0x05, 0x00, 0x04, 0x40},
     19},
};

int tsp_emsa_pkcs1(const EVP_MD *md, const unsigned char *in, size_t inlen, unsigned char *block,
                   size_t k)
{
    const unsigned char *prefix = NULL;
    size_t plen = 0, tlen, i;

    if (md != NULL) {
        for (i = 0; i < sizeof(digest_info) / sizeof(digest_info[0]); i++)
            if (EVP_MD_is_a(md, digest_info[i].name))
                break;
        if (i == sizeof(digest_info) / sizeof(digest_info[0]))
            return 0;
        if (inlen != (size_t)EVP_MD_get_size(md))
            return 0;
        prefix = digest_info[i].prefix;
        plen = digest_info[i].len;
    }
    tlen = plen + inlen;
    /* At least 8 bytes of FF padding. */
    if (k < tlen + 11)
        return 0;
    block[0] = 0x00;
    block[1] = 0x01;
    memset(block + 2, 0xff, k - tlen - 3);
    block[k - tlen - 1] = 0x00;
    if (plen != 0)
        memcpy(block + k - tlen, prefix, plen);
    memcpy(block + k - inlen, in, inlen);
    return 1;
}

int tsp_pss_salt_bytes(int saltlen, size_t hlen, int modbits)
{
    int emlen = (modbits - 1 + 7) / 8;

    switch (saltlen) {
    case TSP_SALT_DIGEST:
        return (int)hlen;
    case TSP_SALT_AUTO:
    case TSP_SALT_MAX:
        return emlen - (int)hlen - 2;
    default:
        return saltlen;
    }
}

/* dst ^= MGF1(seed) over @p len bytes. */
static int mgf1_xor(const EVP_MD *mgf1, const unsigned char *seed, size_t seedlen,
                    unsigned char *dst, size_t len)
{
    unsigned char out[EVP_MAX_MD_SIZE], ctr[4];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    size_t done = 0, i, n;
    unsigned int olen;
    uint32_t counter = 0;
    int ok = 0;

    if (c == NULL)
        return 0;
    while (done < len) {
        ctr[0] = (unsigned char)(counter >> 24);
        ctr[1] = (unsigned char)(counter >> 16);
        ctr[2] = (unsigned char)(counter >> 8);
        ctr[3] = (unsigned char)counter;
        if (!EVP_DigestInit_ex2(c, mgf1, NULL) || !EVP_DigestUpdate(c, seed, seedlen) ||
            !EVP_DigestUpdate(c, ctr, 4) || !EVP_DigestFinal_ex(c, out, &olen))
            goto end;
        n = len - done < olen ? len - done : olen;
        for (i = 0; i < n; i++)
            dst[done + i] ^= out[i];
        done += n;
        counter++;
    }
    ok = 1;
end:
    OPENSSL_cleanse(out, sizeof(out));
    EVP_MD_CTX_free(c);
    return ok;
}

int tsp_emsa_pss(OSSL_LIB_CTX *libctx, const EVP_MD *md, const EVP_MD *mgf1,
                 const unsigned char *mhash, size_t hlen, int saltlen, int modbits,
                 unsigned char *block, size_t k)
{
    static const unsigned char zeros[8] = {0};
    int embits = modbits - 1;
    size_t emlen = (size_t)(embits + 7) / 8, slen, dblen;
    unsigned char *em, *db, *h;
    unsigned char salt[EVP_MAX_MD_SIZE * 4 + 512];
    unsigned int hl;
    EVP_MD_CTX *c = NULL;
    int s = tsp_pss_salt_bytes(saltlen, hlen, modbits), ok = 0;

    if (s < 0 || hlen != (size_t)EVP_MD_get_size(md) || emlen > k || k - emlen > 1)
        return 0;
    slen = (size_t)s;
    if (emlen < hlen + slen + 2 || slen > sizeof(salt))
        return 0;
    memset(block, 0, k);
    em = block + (k - emlen);
    dblen = emlen - hlen - 1;
    db = em;
    h = em + dblen;
    if (slen > 0 && RAND_bytes_ex(libctx, salt, slen, 0) <= 0)
        return 0;
    /* H = Hash(00 x 8 || mHash || salt) */
    if ((c = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(c, md, NULL) ||
        !EVP_DigestUpdate(c, zeros, sizeof(zeros)) || !EVP_DigestUpdate(c, mhash, hlen) ||
        !EVP_DigestUpdate(c, salt, slen) || !EVP_DigestFinal_ex(c, h, &hl) || hl != hlen)
        goto end;
    /* DB = PS || 01 || salt, then masked with MGF1(H). */
    db[dblen - slen - 1] = 0x01;
    memcpy(db + dblen - slen, salt, slen);
    if (!mgf1_xor(mgf1, h, hlen, db, dblen))
        goto end;
    db[0] &= (unsigned char)(0xff >> (8 * emlen - (size_t)embits));
    em[emlen - 1] = 0xbc;
    ok = 1;
end:
    OPENSSL_cleanse(salt, sizeof(salt));
    EVP_MD_CTX_free(c);
    return ok;
}
