#include "card_key.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/store.h>
#include <openssl/ui.h>

#include "tscns/provider_reasons.h"

#include "ossl_report.h"
#include "pin_input.h"
#include "provider_path.h"
#include "uri.h"

/*
 * OpenSSL may call this again after the card rejected the PIN; a second answer would be the
 * same PIN or a new prompt in a loop, so the second call gets "no PIN" and the command stops.
 */
static int pin_cb(char *buf, int size, int rwflag, void *u)
{
    struct card_key *k = u;
    char pin[CLI_SECRET_MAX];
    size_t len;

    (void)rwflag;
    if (k->pin_asked)
        return -1;
    k->pin_asked = 1;
    k->pin_rc = cli_secret_read(k->pin_file, "--pin-file", "Card PIN: ", "PIN", pin, sizeof(pin));
    if (k->pin_rc != CLI_OK)
        return -1;
    len = strlen(pin);
    if (len >= (size_t)size) {
        cli_secret_wipe(pin, sizeof(pin));
        return -1;
    }
    memcpy(buf, pin, len);
    cli_secret_wipe(pin, sizeof(pin));
    return (int)len;
}

static EVP_PKEY *load_key(struct card_key *k, const char *uri)
{
    UI_METHOD *ui = UI_UTIL_wrap_read_pem_callback(pin_cb, 0);
    OSSL_STORE_CTX *store = NULL;
    EVP_PKEY *pkey = NULL;

    if (ui == NULL)
        return NULL;
    store = OSSL_STORE_open_ex(uri, k->libctx, NULL, ui, k, NULL, NULL, NULL);
    /* Saying we want the private key is what makes the provider verify the PIN at load. */
    if (store != NULL && !OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY)) {
        OSSL_STORE_close(store);
        store = NULL;
    }
    while (store != NULL && pkey == NULL && !OSSL_STORE_eof(store)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(store);

        if (info == NULL) {
            if (OSSL_STORE_error(store))
                break;
            continue;
        }
        if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(store);
    UI_destroy_method(ui);
    return pkey;
}

/*
 * The exit code for the provider's reason (include/tscns/provider_reasons.h; the provider raises
 * them under the name it was loaded by), so a wrong PIN exits as from `tscns pin verify`.
 */
static int exit_code(int reason)
{
    switch (reason) {
    case TSCNS_PR_NO_SERVICE:
    case TSCNS_PR_NO_READER:
    case TSCNS_PR_NO_CARD:
    case TSCNS_PR_CARD_REMOVED:
    case TSCNS_PR_CARD_BUSY:
        return CLI_NO_CARD;
    case TSCNS_PR_WRONG_PIN:
    case TSCNS_PR_WRONG_PIN_2_LEFT:
    case TSCNS_PR_WRONG_PIN_1_LEFT:
        return CLI_WRONG_PIN;
    case TSCNS_PR_PIN_BLOCKED:
        return CLI_BLOCKED;
    case TSCNS_PR_NO_PIN:
        return CLI_USAGE;
    default:
        return CLI_CARD_ERROR;
    }
}

int card_key_open(struct card_key *k, const struct cli_global *g, const char *serial,
                  const char *pin_file)
{
    char path[PATH_MAX + 32], uri[1024];

    memset(k, 0, sizeof(*k));
    k->pin_file = pin_file;
    if (cli_find_provider("extend", path, sizeof(path)) != CLI_OK)
        return CLI_FILE_ERROR;
    k->libctx = OSSL_LIB_CTX_new();
    if (k->libctx == NULL)
        return CLI_INTERNAL;
    k->deflt = OSSL_PROVIDER_load(k->libctx, "default");
    k->tscns = OSSL_PROVIDER_load(k->libctx, path);
    if (k->deflt == NULL || k->tscns == NULL) {
        ossl_report("loading the OpenSSL providers");
        card_key_close(k);
        return CLI_INTERNAL;
    }
    if (cli_key_uri(g->reader, serial, uri, sizeof(uri)) != 0) {
        fprintf(stderr, "tscns extend: the reader name is too long for a key URI\n");
        card_key_close(k);
        return CLI_USAGE;
    }
    k->pkey = load_key(k, uri);
    if (k->pkey == NULL) {
        int rc = exit_code(ossl_report_reason("opening the card key", path));

        card_key_close(k);
        /* No PIN to give (no terminal, unreadable file) is the caller's to fix, as for every
         * command; the provider only saw a cancelled prompt. */
        return k->pin_rc != CLI_OK ? k->pin_rc : rc;
    }
    return CLI_OK;
}

void card_key_close(struct card_key *k)
{
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
    if (k->tscns != NULL)
        OSSL_PROVIDER_unload(k->tscns);
    if (k->deflt != NULL)
        OSSL_PROVIDER_unload(k->deflt);
    k->tscns = k->deflt = NULL;
    OSSL_LIB_CTX_free(k->libctx);
    k->libctx = NULL;
}
