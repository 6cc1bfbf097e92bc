#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include "cli.h"
#include "json_error.h"

/*
 * An OpenSSL configuration that activates providers but not `default` leaves this process
 * without OpenSSL's random generator and digests; cardio can only call that out of memory.
 * (Without a configuration OpenSSL loads default by itself, and this says it is available.)
 */
static int default_provider_missing(tscns_err err)
{
    return err == TSCNS_E_NOMEM && !OSSL_PROVIDER_available(NULL, "default");
}

static const char *default_missing_text(char *buf, size_t size)
{
    const char *env = getenv("OPENSSL_CONF");
    char *file = env != NULL && *env != '\0' ? NULL : CONF_get1_default_config_file();

    snprintf(buf, size,
             "OpenSSL's default provider is not active: the OpenSSL configuration %s activates "
             "providers without `default`; list `default = default_sect` before tscns in its "
             "providers section, with `activate = 1` in [default_sect] (`tscns doctor` checks "
             "the configuration)",
             file != NULL  ? file
             : env != NULL ? env
                           : "in effect");
    OPENSSL_free(file);
    return buf;
}

int cli_exit_code(tscns_err err)
{
    if (default_provider_missing(err))
        return CLI_FILE_ERROR;
    switch (err) {
    case TSCNS_OK:
        return CLI_OK;
    case TSCNS_E_INVALID_ARG:
    case TSCNS_E_CANCELLED:
        return CLI_USAGE;
    case TSCNS_E_NO_SERVICE:
    case TSCNS_E_NO_READER:
    case TSCNS_E_NO_CARD:
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_SHARING:
        return CLI_NO_CARD;
    case TSCNS_E_PIN_INCORRECT:
    case TSCNS_E_PIN_REJECTED:
        return CLI_WRONG_PIN;
    case TSCNS_E_PIN_BLOCKED:
    case TSCNS_E_PUK_BLOCKED:
        return CLI_BLOCKED;
    case TSCNS_E_NOMEM:
    case TSCNS_E_INTERNAL:
        return CLI_INTERNAL;
    case TSCNS_E_CARD_RESET:
    case TSCNS_E_UNKNOWN_CARD:
    case TSCNS_E_CONTACTLESS:
    case TSCNS_E_COMM:
    case TSCNS_E_BAD_RESPONSE:
    case TSCNS_E_NOT_FOUND:
    case TSCNS_E_SECURITY:
    case TSCNS_E_CARD_STATUS:
    case TSCNS_E_TOO_LARGE:
    case TSCNS_E_MISMATCH:
    case TSCNS_E_TIMEOUT:
    case TSCNS_E_UNSUPPORTED:
    case TSCNS_E_PKCS11:
        return CLI_CARD_ERROR;
    }
    return CLI_INTERNAL;
}

/*
 * What a person can do next, where cardio's message says what is wrong but not how to fix it
 * on this system.
 */
const char *cli_hint(tscns_err err)
{
    switch (err) {
    case TSCNS_E_NO_SERVICE:
        return "start it with `systemctl start pcscd.socket` (or run `pcscd`)";
    case TSCNS_E_NO_READER:
        return "plug in a smart-card reader, or check --reader against `tscns readers`";
    case TSCNS_E_NO_CARD:
        return "insert the card, or check --reader and --serial";
    case TSCNS_E_SHARING:
        return "close the program that holds the card, then try again";
    case TSCNS_E_TIMEOUT:
        return "take the card out and put it back (or restart pcscd); a card that is only slow "
               "gets more time with --card-timeout SECONDS";
    default:
        return NULL;
    }
}

static const char *detail_of(const tscns_ctx *ctx, const tscns_card *card)
{
    const char *detail = NULL;

    if (card != NULL)
        detail = tscns_card_detail(card);
    if ((detail == NULL || *detail == '\0') && ctx != NULL)
        detail = tscns_ctx_detail(ctx);
    return detail;
}

const char *cli_error_text(tscns_err err, const tscns_ctx *ctx, const tscns_card *card, char *buf,
                           size_t size)
{
    const char *msg = tscns_strerror(err);
    const char *detail = detail_of(ctx, card);

    if (default_provider_missing(err))
        return default_missing_text(buf, size);
    /* Some details already begin with the general message: say it once. */
    if (detail == NULL || *detail == '\0')
        snprintf(buf, size, "%s", msg);
    else if (strncmp(detail, msg, strlen(msg)) == 0)
        snprintf(buf, size, "%s", detail);
    else
        snprintf(buf, size, "%s (%s)", msg, detail);
    return buf;
}

int cli_report(tscns_err err, const tscns_ctx *ctx, const tscns_card *card)
{
    char text[512];
    const char *h = cli_hint(err);

    fprintf(stderr, "tscns: %s\n", cli_error_text(err, ctx, card, text, sizeof(text)));
    cli_error_note(tscns_strerror(err), detail_of(ctx, card), h);
    if (h != NULL)
        fprintf(stderr, "tscns: %s\n", h);
    return cli_exit_code(err);
}

const char *cli_tries_words(int tries, char *buf, size_t size)
{
    if (tries < 0)
        snprintf(buf, size, "the card did not say how many tries are left");
    else if (tries == 0)
        snprintf(buf, size, "no tries left");
    else if (tries == 1)
        snprintf(buf, size, "1 try left");
    else
        snprintf(buf, size, "%d tries left", tries);
    return buf;
}
