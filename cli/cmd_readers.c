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
    "configuration). No command is sent to any card.\n"
    "A module that does not load, or whose token listing fails, is named with the reason\n"
    "after the readers, which are listed all the same; the exit status is then 3.\n\n"
    "  --json   print a JSON object {\"readers\": [{name, card_present, atr, family, backend,\n"
    "           why}], \"tokens\": [{label, serial, manufacturer, model, slot, has_cert}],\n"
    "           \"module\": {path, error}}; module is null when no module is used (none\n"
    "           configured, or backend native), its error null when it loaded; a module that\n"
    "           failed has an empty tokens array\n";

/* What the command found: the readers, and the module's tokens or why there are none. */
struct listing {
    const tscns_reader *readers;
    size_t count;
    const tscns_token *tokens;
    size_t ntokens;
    /* The module, when the backend may use it; NULL when none is used. */
    const char *module;
    /* Why the module gave no tokens (it names the module); "" when it loaded. */
    char module_error[1024];
};

static int wanted(const struct cli_global *g, const tscns_reader *r)
{
    return g->reader == NULL || strstr(r->name, g->reader) != NULL;
}

/* The backend tscns_card_open() would take for the card in @p r, and why, under @p b. */
static const char *reader_backend(const struct cli_backend *b, const struct listing *l,
                                  const tscns_reader *r, const char **why)
{
    int module = b->module[0] != '\0';
    int failed = l->module_error[0] != '\0';

    if (b->backend == TSCNS_BACKEND_PKCS11) {
        *why = failed ? "backend pkcs11, and the PKCS#11 module failed"
                      : "backend pkcs11: every card through the module";
        return failed ? NULL : "pkcs11";
    }
    if (r->family != NULL) {
        *why = "recognised from its ATR";
        return "native";
    }
    if (b->backend == TSCNS_BACKEND_AUTO && module) {
        *why = failed ? "not recognised, and the PKCS#11 module failed"
                      : "not recognised: the PKCS#11 module serves it if it shows it as a token";
        return failed ? NULL : "pkcs11";
    }
    *why = module ? "not recognised, and backend native" : "not recognised, and no PKCS#11 module";
    return NULL;
}

/*
 * The module's tokens when the backend may use them. A module that fails leaves no tokens and
 * its reason in l->module_error; the readers are listed all the same.
 */
static tscns_err module_tokens(const struct cli_backend *b, tscns_ctx *ctx, struct listing *l,
                               tscns_token **tokens)
{
    tscns_err err;
    const char *detail;

    *tokens = NULL;
    if (b->module[0] == '\0' || b->backend == TSCNS_BACKEND_NATIVE)
        return TSCNS_OK;
    l->module = b->module;
    err = tscns_ctx_tokens(ctx, tokens, &l->ntokens);
    if (err == TSCNS_OK) {
        l->tokens = *tokens;
        return TSCNS_OK;
    }
    /* cardio's details of a module's failure name the module; say it when there is none. */
    detail = tscns_ctx_detail(ctx);
    if (*detail != '\0')
        snprintf(l->module_error, sizeof(l->module_error), "%s", detail);
    else
        snprintf(l->module_error, sizeof(l->module_error), "module %s: %s", b->module,
                 tscns_strerror(err));
    l->ntokens = 0;
    return err;
}

static void print_json(const struct cli_global *g, const struct cli_backend *b,
                       const struct listing *l)
{
    struct json j;
    char atr[3 * TSCNS_MAX_ATR + 1];

    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_begin_array(&j, "readers");
    for (size_t i = 0; i < l->count; i++) {
        const tscns_reader *r = &l->readers[i];

        if (!wanted(g, r))
            continue;
        json_begin_object(&j, NULL);
        json_string(&j, "name", r->name);
        json_bool(&j, "card_present", r->card_present);
        if (r->card_present) {
            cli_hex(r->atr, r->atr_len, '\0', atr, sizeof(atr));
            json_string(&j, "atr", atr);
        } else {
            json_null(&j, "atr");
        }
        json_string(&j, "family", r->family);
        if (r->card_present) {
            const char *why, *backend = reader_backend(b, l, r, &why);

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
    for (size_t i = 0; i < l->ntokens; i++) {
        const tscns_token *t = &l->tokens[i];

        json_begin_object(&j, NULL);
        json_string(&j, "label", t->label);
        json_string(&j, "serial", t->serial);
        json_string(&j, "manufacturer", t->manufacturer);
        json_string(&j, "model", t->model);
        json_string(&j, "slot", t->slot);
        json_bool(&j, "has_cert", t->has_cert);
        json_end_object(&j);
    }
    json_end_array(&j);
    if (l->module == NULL) {
        json_null(&j, "module");
    } else {
        json_begin_object(&j, "module");
        json_string(&j, "path", l->module);
        json_string(&j, "error", l->module_error[0] != '\0' ? l->module_error : NULL);
        json_end_object(&j);
    }
    json_end_object(&j);
}

static void print_text(const struct cli_global *g, const struct cli_backend *b,
                       const struct listing *l)
{
    char atr[3 * TSCNS_MAX_ATR + 1];
    const char *why, *backend;

    for (size_t i = 0; i < l->count; i++) {
        const tscns_reader *r = &l->readers[i];

        if (!wanted(g, r))
            continue;
        printf("%s\n", r->name);
        if (!r->card_present) {
            printf("  no card\n");
            continue;
        }
        cli_hex(r->atr, r->atr_len, ' ', atr, sizeof(atr));
        if (r->family != NULL)
            printf("  card: TS-CNS, family %s\n", r->family);
        else
            printf("  card: not a TS-CNS card this software knows\n");
        printf("  ATR:  %s\n", atr);
        backend = reader_backend(b, l, r, &why);
        printf("  backend: %s (%s)\n", backend != NULL ? backend : "none", why);
    }
    for (size_t i = 0; i < l->ntokens; i++) {
        const tscns_token *t = &l->tokens[i];

        printf("PKCS#11 token \"%s\" (serial %s, slot %s)\n", t->label, t->serial, t->slot);
        printf("  %s %s, %s\n", t->manufacturer, t->model,
               t->has_cert ? "holds a certificate" : "holds no certificate with a key");
        printf("  backend: pkcs11 (module %s, %s)\n", b->module,
               b->backend == TSCNS_BACKEND_PKCS11
                   ? "backend pkcs11"
                   : "backend auto: used when no card tscns recognises matches");
    }
    if (l->module_error[0] != '\0')
        printf("PKCS#11 module failed, no token listed: %s\n", l->module_error);
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
    struct listing l;
    tscns_ctx *ctx = NULL;
    tscns_reader *list = NULL;
    tscns_token *tokens = NULL;
    size_t shown = 0;
    int json = 0, c, rc;
    tscns_err err, terr;

    cli_parse_init(&p, "readers", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = 1;
    if (!cli_start(&p, c, NULL, &rc))
        return rc;

    err = tscns_ctx_new(&ctx);
    if (err != TSCNS_OK)
        return cli_report(err, NULL, NULL);
    memset(&l, 0, sizeof(l));
    cli_backend_apply(&g, ctx, &b);
    terr = module_tokens(&b, ctx, &l, &tokens);
    err = tscns_ctx_readers(ctx, &list, &l.count);
    l.readers = list;
    /* A token that is no PC/SC card (SoftHSM, a USB token) stands without any reader. */
    if ((err == TSCNS_E_NO_READER || err == TSCNS_E_NO_SERVICE) && l.ntokens > 0) {
        err = TSCNS_OK;
        l.count = 0;
    }
    for (size_t i = 0; err == TSCNS_OK && i < l.count; i++)
        shown += (size_t)wanted(&g, &list[i]);
    if (err != TSCNS_OK || shown + l.ntokens == 0) {
        /* Nothing to list: the module's failure is said first, then what is missing. */
        if (terr != TSCNS_OK)
            fprintf(stderr, "tscns: PKCS#11 module failed, no token listed: %s\n", l.module_error);
        if (err == TSCNS_E_NO_READER || (err == TSCNS_OK && l.count == 0))
            rc = no_reader();
        else if (err != TSCNS_OK)
            rc = cli_report(err, ctx, NULL);
        else
            rc = no_match(g.reader, list, l.count);
        goto end;
    }
    if (json)
        print_json(&g, &b, &l);
    else
        print_text(&g, &b, &l);
    /* The listing says why; the status says that the configured module is of no use. */
    rc = cli_exit_code(terr);
end:
    free(list);
    free(tokens);
    tscns_ctx_free(ctx);
    return rc;
}
