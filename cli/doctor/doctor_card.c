/* tscns doctor: the PC/SC side (pcscd, readers, card, certificate), read without any PIN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "backend.h"
#include "doctor.h"
#include "report.h"
#include "tscns/card.h"

static void add_error(struct doctor *d, const char *check, tscns_err err, const tscns_ctx *ctx,
                      const tscns_card *card)
{
    char text[512];
    const char *hint = cli_hint(err);

    cli_error_text(err, ctx, card, text, sizeof(text));
    if (hint != NULL)
        doctor_add(d, check, DOCTOR_PROBLEM, cli_exit_code(err), "%s: %s", text, hint);
    else
        doctor_add(d, check, DOCTOR_PROBLEM, cli_exit_code(err), "%s", text);
}

static void check_readers(struct doctor *d, const struct cli_global *g, const tscns_reader *list,
                          size_t count)
{
    char names[768] = "";
    size_t used = 0, matching = 0;

    for (size_t i = 0; i < count; i++) {
        if (g->reader != NULL && strstr(list[i].name, g->reader) == NULL)
            continue;
        matching++;
        used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
                                 "%s'%s'", matching > 1 ? ", " : "", list[i].name);
        if (used >= sizeof(names))
            used = sizeof(names);
    }
    if (matching == 0)
        doctor_add(d, "readers", DOCTOR_PROBLEM, CLI_NO_CARD,
                   "%zu reader(s), none whose name contains '%s': check --reader against "
                   "`tscns readers`",
                   count, g->reader);
    else
        doctor_add(d, "readers", DOCTOR_OK, CLI_OK, "%zu reader(s): %s", matching, names);
}

static void check_certificate(struct doctor *d, tscns_card *card)
{
    const uint8_t *der;
    const unsigned char *p;
    size_t len;
    X509 *x;
    EVP_PKEY *key;
    tscns_err err = tscns_card_certificate(card, &der, &len);

    if (err != TSCNS_OK) {
        add_error(d, "certificate", err, NULL, card);
        return;
    }
    p = der;
    x = d2i_X509(NULL, &p, (long)len);
    key = x != NULL ? X509_get0_pubkey(x) : NULL;
    if (key == NULL) {
        doctor_add(d, "certificate", DOCTOR_PROBLEM, CLI_CARD_ERROR,
                   "the certificate on the card does not parse as X.509");
    } else {
        char until[64] = "";
        BIO *bio = BIO_new(BIO_s_mem());

        if (bio != NULL && ASN1_TIME_print(bio, X509_get0_notAfter(x)) > 0)
            BIO_read(bio, until, sizeof(until) - 1);
        BIO_free(bio);
        d->key_bits = EVP_PKEY_get_bits(key);
        if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
            doctor_add(d, "certificate", DOCTOR_PROBLEM, CLI_CARD_ERROR,
                       "RSA %d bits, expired on %s: portals will refuse it; see `tscns extend "
                       "status`",
                       d->key_bits, until);
        else
            doctor_add(d, "certificate", DOCTOR_OK, CLI_OK, "RSA %d bits, valid until %s",
                       d->key_bits, until);
    }
    X509_free(x);
}

static void check_card(struct doctor *d, const struct cli_global *g, tscns_ctx *ctx)
{
    tscns_card *card = NULL;
    char serial[17];
    tscns_err err = tscns_card_open(ctx, g->reader, g->serial, &card);

    if (err == TSCNS_OK)
        err = tscns_card_serial(card, serial);
    if (err != TSCNS_OK) {
        add_error(d, "card", err, ctx, card);
        doctor_add(d, "certificate", DOCTOR_SKIPPED, CLI_OK, "needs a card");
    } else {
        doctor_add(d, "card", DOCTOR_OK, CLI_OK,
                   "TS-CNS, family %s (%s), serial %s, in '%s', backend %s",
                   tscns_card_family(card), tscns_card_family_description(card), serial,
                   tscns_card_reader(card), tscns_card_backend(card));
        check_certificate(d, card);
    }
    if (card != NULL)
        tscns_card_close(card);
}

/*
 * Which backend the card would get and why; with a module, whether it loads and what it shows.
 * 1 when the module serves tokens, so that a card check is worth making without any reader.
 */
static int check_backend(struct doctor *d, const struct cli_global *g, tscns_ctx *ctx)
{
    struct cli_backend b;
    tscns_token *tokens = NULL;
    size_t n = 0;
    tscns_err err;

    if (cli_backend_apply(g, ctx, &b) != TSCNS_OK) {
        doctor_add(d, "backend", DOCTOR_PROBLEM, CLI_USAGE,
                   "backend pkcs11 (from %s) without a module: set pkcs11-module = PATH in the "
                   "provider's section, or --pkcs11-module",
                   b.source);
        return 0;
    }
    if (b.module[0] == '\0') {
        doctor_add(d, "backend", DOCTOR_OK, CLI_OK,
                   "%s (from %s), no PKCS#11 module: cards tscns recognises, natively",
                   tscns_backend_name(b.backend), b.source);
        return 0;
    }
    /* Under native the module is never loaded, by doctor as by every other command. */
    if (b.backend == TSCNS_BACKEND_NATIVE) {
        doctor_add(d, "backend", DOCTOR_NOTE, CLI_OK,
                   "native (from %s): module %s is configured but not used, nor loaded", b.source,
                   b.module);
        return 0;
    }
    err = tscns_ctx_tokens(ctx, &tokens, &n);
    if (err != TSCNS_OK) {
        char text[512];

        doctor_add(d, "backend", DOCTOR_PROBLEM, cli_exit_code(err),
                   "%s (from %s): %s: give a PKCS#11 module that loads, or none%s",
                   tscns_backend_name(b.backend), b.source,
                   cli_error_text(err, ctx, NULL, text, sizeof(text)),
                   b.backend == TSCNS_BACKEND_AUTO
                       ? "; cards tscns recognises are still served natively"
                       : "");
        return 0;
    }
    doctor_add(d, "backend", DOCTOR_OK, CLI_OK, "%s (from %s), module %s showing %zu token(s): %s",
               tscns_backend_name(b.backend), b.source, b.module, n,
               b.backend == TSCNS_BACKEND_PKCS11
                   ? "every card through the module"
                   : "cards tscns recognises natively, the rest through the module");
    free(tokens);
    return n > 0 && b.backend != TSCNS_BACKEND_NATIVE;
}

void doctor_check_card(struct doctor *d, const struct cli_global *g)
{
    tscns_ctx *ctx = NULL;
    tscns_reader *list = NULL;
    size_t count = 0;
    int tokens = 0;
    tscns_err err = tscns_ctx_new(&ctx);

    if (err == TSCNS_OK)
        tokens = check_backend(d, g, ctx);
    if (err == TSCNS_OK)
        err = tscns_ctx_readers(ctx, &list, &count);
    if (err == TSCNS_E_NO_READER) {
        doctor_add(d, "pcscd", DOCTOR_OK, CLI_OK, "the PC/SC service answers");
        add_error(d, "readers", err, ctx, NULL);
    } else if (err != TSCNS_OK) {
        add_error(d, "pcscd", err, ctx, NULL);
        doctor_add(d, "readers", DOCTOR_SKIPPED, CLI_OK, "needs the PC/SC service");
    } else {
        doctor_add(d, "pcscd", DOCTOR_OK, CLI_OK, "the PC/SC service answers");
        check_readers(d, g, list, count);
    }
    if (err == TSCNS_OK || tokens) {
        check_card(d, g, ctx);
    } else {
        doctor_add(d, "card", DOCTOR_SKIPPED, CLI_OK, "needs a reader");
        doctor_add(d, "certificate", DOCTOR_SKIPPED, CLI_OK, "needs a card");
    }
    free(list);
    tscns_ctx_free(ctx);
}
