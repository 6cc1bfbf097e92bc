#include "driver_key.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/store.h>
#include <openssl/ui.h>

/* The PEM-style callback behind the UI method: @p u is the PIN given to the store. */
static int give_pin(char *buf, int size, int rwflag, void *u)
{
    const char *pin = u;
    int n = (int)strlen(pin);

    (void)rwflag;
    if (n >= size)
        return -1;
    memcpy(buf, pin, (size_t)n);
    return n;
}

EVP_PKEY *driver_load_key(OSSL_LIB_CTX *libctx, const char *uri, const char *pin)
{
    UI_METHOD *ui = NULL;
    OSSL_STORE_CTX *s = NULL;
    OSSL_STORE_INFO *info;
    EVP_PKEY *pkey = NULL;

    if (pin != NULL && (ui = UI_UTIL_wrap_read_pem_callback(give_pin, 0)) == NULL)
        return NULL;
    s = OSSL_STORE_open_ex(uri, libctx, NULL, ui, (void *)pin, NULL, NULL, NULL);
    if (s != NULL) {
        OSSL_STORE_expect(s, OSSL_STORE_INFO_PKEY);
        while (pkey == NULL && !OSSL_STORE_eof(s) && (info = OSSL_STORE_load(s)) != NULL) {
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
            OSSL_STORE_INFO_free(info);
        }
        OSSL_STORE_close(s);
    }
    UI_destroy_method(ui);
    return pkey;
}
