/*
 * The key-reference decoders (provider/decoder.c), PEM and DER, reached the way every program
 * reaches them: the provider module is loaded into a library context of this process and
 * OpenSSL's decoder chain is asked for a private key from the input. The decoders are static
 * functions behind the provider's dispatch table, and going through OpenSSL also feeds them
 * through its own BIOs as in real use. A reference that parses goes on to open the card: no
 * PC/SC service is reachable here (PCSCLITE_CSOCK_NAME names a socket that does not exist), so
 * that fails at once. The first input byte picks PEM or DER.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static OSSL_LIB_CTX *libctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/tscns-fuzz/pcscd.comm", 1) != 0 ||
        (libctx = OSSL_LIB_CTX_new()) == NULL ||
        !OSSL_PROVIDER_set_default_search_path(libctx, TSCNS_MODULE_DIR) ||
        OSSL_PROVIDER_load(libctx, "default") == NULL ||
        OSSL_PROVIDER_load(libctx, "tscns") == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const unsigned char *p = data + 1;
    size_t left = size - 1;
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx;

    if (size == 0)
        return 0;
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, data[0] & 1 ? "DER" : "PEM", NULL, "RSA",
                                         OSSL_KEYMGMT_SELECT_PRIVATE_KEY, libctx, NULL);
    if (dctx == NULL)
        abort();
    OSSL_DECODER_from_data(dctx, &p, &left);
    OSSL_DECODER_CTX_free(dctx);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return 0;
}
