/* tscns readers: what PC/SC sees, without opening any card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "hex.h"
#include "json.h"
#include "json_error.h"
#include "options.h"
#include "start.h"
#include "report.h"
#include "tscns/card.h"

static const char help[] =
    "Usage: tscns readers [--json]\n\n"
    "List the smart-card readers, whether each holds a card, the card family recognised\n"
    "from its ATR, and the backend that would serve it; then the tokens of the PKCS#11\n"
    "module, if one is configured (--pkcs11-module, or pkcs11-module in the provider's\n"
    "configuration). No command is sent to any card.\n\n"
    "  --json   print a JSON object {\"readers\": [{name, card_present, atr, family, backend,\n"
    "           why}], \"tokens\": [{label, serial, manufacturer, model, slot, has_cert}]}\n";

static int wanted(const struct cli_global *g, const tscns_reader *r)
{
    return g->reader == NULL || strstr(r->name, g->reader) != NULL;
}

/* The backend tscns_card_open() would take for the card in @p r, and why, under @p b. */
static const char *reader_backend(const struct cli_backend *b, const tscns_reader *r,
                                  const char **why)
{
    int module = b->module[0] != '\0';

    if (b->backend == TSCNS_BACKEND_PKCS11) {
        *why = "backend pkcs11: every card through the module";
        return "pkcs11";
    }
    if (r->family != NULL) {
        *why = "recognised from its ATR";
        return "native";
    }
    if (b->backend == TSCNS_BACKEND_AUTO && module) {
        *why = "not recognised: the PKCS#11 module serves it if it shows it as a token";
        return "pkcs11";
    }
    *why = module ? "not recognised, and backend native" : "not recognised, and no PKCS#11 module";
    return NULL;
}

/* The module's tokens when the backend may use them; *count 0 otherwise. */
static tscns_err module_tokens(const struct cli_backend *b, tscns_ctx *ctx, tscns_token **list,
                               size_t *count)
{
    *list = NULL;
    *count = 0;
    if (b->module[0] == '\0' || b->backend == TSCNS_BACKEND_NATIVE)
        return TSCNS_OK;
    return tscns_ctx_tokens(ctx, list, count);
}

static void print_json(const struct cli_global *g, const struct cli_backend *b,
                       const tscns_reader *list, size_t count, const tscns_token *tokens,
                       size_t ntokens)
{
    struct json j;
    char atr[3 * TSCNS_MAX_ATR + 1];

    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_begin_array(&j, "readers");
    for (size_t i = 0; i < count; i++) {
        if (!wanted(g, &list[i]))
            continue;
        json_begin_object(&j, NULL);
        json_string(&j, "name", list[i].name);
        json_bool(&j, "card_present", list[i].card_present);
        if (list[i].card_present) {
            cli_hex(list[i].atr, list[i].atr_len, '\0', atr, sizeof(atr));
            json_string(&j, "atr", atr);
        } else {
            json_null(&j, "atr");
        }
        json_string(&j, "family", list[i].family);
        if (list[i].card_present) {
            const char *why, *backend = reader_backend(b, &list[i], &why);

            json_string(&j, "backend", backend);
            json_string(&j, "why", why);
        } else {
            json_null(&j, "backend");
            json_null(&j, "why");
        }
        json_end_object(&j);
    }
    json_end_array(&j);
    json_begin_array(&j, "tokens");
    for (size_t i = 0; i < ntokens; i++) {
        json_begin_object(&j, NULL);
        json_string(&j, "label", tokens[i].label);
        json_string(&j, "serial", tokens[i].serial);
        json_string(&j, "manufacturer", tokens[i].manufacturer);
        json_string(&j, "model", tokens[i].model);
        json_string(&j, "slot", tokens[i].slot);
        json_bool(&j, "has_cert", tokens[i].has_cert);
        json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
}

static void print_text(const struct cli_global *g, const struct cli_backend *b,
                       const tscns_reader *list, size_t count, const tscns_token *tokens,
                       size_t ntokens)
{
    char atr[3 * TSCNS_MAX_ATR + 1];
    const char *why, *backend;

    for (size_t i = 0; i < count; i++) {
        if (!wanted(g, &list[i]))
            continue;
        printf("%s\n", list[i].name);
        if (!list[i].card_present) {
            printf("  no card\n");
            continue;
        }
        cli_hex(list[i].atr, list[i].atr_len, ' ', atr, sizeof(atr));
        if (list[i].family != NULL)
            printf("  card: TS-CNS, family %s\n", list[i].family);
        else
            printf("  card: not a TS-CNS card this software knows\n");
        printf("  ATR:  %s\n", atr);
        backend = reader_backend(b, &list[i], &why);
        printf("  backend: %s (%s)\n", backend != NULL ? backend : "none", why);
    }
    for (size_t i = 0; i < ntokens; i++) {
        printf("PKCS#11 token \"%s\" (serial %s, slot %s)\n", tokens[i].label, tokens[i].serial,
               tokens[i].slot);
        printf("  %s %s, %s\n", tokens[i].manufacturer, tokens[i].model,
               tokens[i].has_cert ? "holds a certificate" : "holds no certificate with a key");
        printf("  backend: pkcs11 (module %s, %s)\n", b->module,
               b->backend == TSCNS_BACKEND_PKCS11
                   ? "backend pkcs11"
                   : "backend auto: used when no card tscns recognises matches");
    }
}

/* The general hint names `tscns readers`; here the user has just run it. */
static int no_reader(void)
{
    static const char msg[] = "pcscd sees no smart-card reader";
    static const char hint[] =
        "plug in a reader; if one is plugged in, check that pcscd runs and sees it: "
        "`systemctl status pcscd.socket`, and `pcsc_scan` (package pcsc-tools)";

    fprintf(stderr, "tscns: %s\ntscns: %s\n", msg, hint);
    cli_error_note(msg, NULL, hint);
    return CLI_NO_CARD;
}

/* --reader matched nothing: the names that exist are what the user needs to pick one. */
static int no_match(const char *want, const tscns_reader *list, size_t count)
{
    char names[1024] = "", msg[256];
    size_t used = 0;

    for (size_t i = 0; i < count && used < sizeof(names); i++)
        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s'%s'", i > 0 ? ", " : "",
                                 list[i].name);
    snprintf(msg, sizeof(msg), "no reader name contains '%s'", want);
    fprintf(stderr, "tscns: %s; the readers are: %s\n", msg, names);
    cli_error_note(msg, names, NULL);
    return CLI_NO_CARD;
}

int cmd_readers(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_backend b;
    tscns_ctx *ctx = NULL;
    tscns_reader *list = NULL;
    tscns_token *tokens = NULL;
    size_t count = 0, shown = 0, ntokens = 0;
    int json = 0, c, rc;
    tscns_err err, terr = TSCNS_OK;

    cli_parse_init(&p, "readers", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = 1;
    if (!cli_start(&p, c, NULL, &rc))
        return rc;

    err = tscns_ctx_new(&ctx);
    if (err != TSCNS_OK)
        return cli_report(err, NULL, NULL);
    cli_backend_apply(&g, ctx, &b);
    terr = module_tokens(&b, ctx, &tokens, &ntokens);
    if (terr != TSCNS_OK) {
        rc = cli_report(terr, ctx, NULL);
        tscns_ctx_free(ctx);
        return rc;
    }
    err = tscns_ctx_readers(ctx, &list, &count);
    /* A token that is no PC/SC card (SoftHSM, a USB token) stands without any reader. */
    if ((err == TSCNS_E_NO_READER || err == TSCNS_E_NO_SERVICE) && ntokens > 0) {
        err = TSCNS_OK;
        count = 0;
    } else if (err == TSCNS_E_NO_READER || (err == TSCNS_OK && count == 0)) {
        tscns_ctx_free(ctx);
        free(list);
        free(tokens);
        return no_reader();
    }
    if (err != TSCNS_OK) {
        rc = cli_report(err, ctx, NULL);
        tscns_ctx_free(ctx);
        free(tokens);
        return rc;
    }
    for (size_t i = 0; i < count; i++)
        shown += (size_t)wanted(&g, &list[i]);
    if (shown == 0 && ntokens == 0) {
        rc = no_match(g.reader, list, count);
    } else {
        if (json)
            print_json(&g, &b, list, count, tokens, ntokens);
        else
            print_text(&g, &b, list, count, tokens, ntokens);
    }
    free(list);
    free(tokens);
    tscns_ctx_free(ctx);
    return rc;
}
