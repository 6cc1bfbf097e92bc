/* tscns keyref: a key "file" that names the card key, for programs that only read key files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "output.h"
#include "pem.h"
#include "session.h"
#include "uri.h"

static const char help[] =
    "Usage: tscns keyref [-o FILE]\n\n"
    "Write the PEM key-reference file for the tscns OpenSSL provider: it names the card's CNS\n"
    "key by card serial (and by reader, only if --reader was given), so programs that read a\n"
    "private-key file (curl --key, Python's load_cert_chain, openssl -key) use the card.\n"
    "The file holds no secret (only the URI cns:serial=...;type=private): mode 0644 is fine.\n\n"
    "  -o, --output FILE   write to FILE (replaced atomically) instead of standard output\n";

#define KEYREF_LABEL "TSCNS KEY REFERENCE"

int cmd_keyref(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_session s;
    const char *path = NULL;
    char serial[17], uri[1024];
    char *text;
    size_t text_len;
    int c, rc;
    tscns_err err;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        int taken = cli_global_option(&g, c, optarg);

        if (taken < 0)
            return CLI_USAGE;
        if (taken > 0)
            continue;
        if (c == 'h')
            return cli_print_help(help);
        if (c == 'o')
            path = optarg;
        else
            return cli_bad_option("keyref", argc, argv);
    }
    if (optind < argc)
        return cli_usage_error("keyref", "unexpected argument '%s'", argv[optind]);

    /* The serial comes from the card even with --serial: the file must name a card that exists. */
    rc = cli_session_open(&g, &s);
    if (rc != CLI_OK)
        return rc;
    err = tscns_card_serial(s.card, serial);
    if (err != TSCNS_OK)
        rc = cli_session_fail(&s, err);
    cli_session_close(&s);
    if (rc != CLI_OK)
        return rc;
    if (cli_key_uri(g.reader, serial, uri, sizeof(uri)) != 0)
        return cli_usage_error("keyref", "the reader name is too long for a key reference");
    text = cli_pem_armour(KEYREF_LABEL, uri, strlen(uri), &text_len);
    if (text == NULL) {
        fprintf(stderr, "tscns: out of memory\n");
        return CLI_INTERNAL;
    }
    rc = cli_output(path, text, text_len);
    free(text);
    return rc;
}
