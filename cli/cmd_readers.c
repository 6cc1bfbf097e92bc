/* tscns readers: what PC/SC sees, without opening any card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "List the smart-card readers, whether each holds a card, and the card family recognised\n"
    "from its ATR. No command is sent to any card.\n\n"
    "  --json   print a JSON object {\"readers\": [{name, card_present, atr, family}]}\n";

static int wanted(const struct cli_global *g, const tscns_reader *r)
{
    return g->reader == NULL || strstr(r->name, g->reader) != NULL;
}

static void print_json(const struct cli_global *g, const tscns_reader *list, size_t count)
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
        json_end_object(&j);
    }
    json_end_array(&j);
    json_end_object(&j);
}

static void print_text(const struct cli_global *g, const tscns_reader *list, size_t count)
{
    char atr[3 * TSCNS_MAX_ATR + 1];

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
    tscns_ctx *ctx = NULL;
    tscns_reader *list = NULL;
    size_t count = 0, shown = 0;
    int json = 0, c, rc;
    tscns_err err;

    cli_parse_init(&p, "readers", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = 1;
    if (!cli_start(&p, c, NULL, &rc))
        return rc;

    err = tscns_ctx_new(&ctx);
    if (err == TSCNS_OK)
        err = tscns_ctx_readers(ctx, &list, &count);
    if (err == TSCNS_E_NO_READER || (err == TSCNS_OK && count == 0)) {
        tscns_ctx_free(ctx);
        free(list);
        return no_reader();
    }
    if (err != TSCNS_OK) {
        rc = cli_report(err, ctx, NULL);
        tscns_ctx_free(ctx);
        return rc;
    }
    for (size_t i = 0; i < count; i++)
        shown += (size_t)wanted(&g, &list[i]);
    if (shown == 0) {
        rc = no_match(g.reader, list, count);
    } else {
        if (json)
            print_json(&g, list, count);
        else
            print_text(&g, list, count);
    }
    free(list);
    tscns_ctx_free(ctx);
    return rc;
}
