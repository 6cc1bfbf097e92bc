/* tscns cert: the authentication certificate exactly as the card holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "output.h"
#include "pem.h"
#include "session.h"

static const char help[] =
    "Usage: tscns cert [-o FILE] [--pem | --der]\n\n"
    "Export the card's CNS authentication certificate.\n\n"
    "  -o, --output FILE   write to FILE (replaced atomically) instead of standard output\n"
    "  --pem               PEM text (the default)\n"
    "  --der               binary DER; refused when standard output is a terminal\n";

static int write_cert(const uint8_t *der, size_t len, int pem, const char *path)
{
    char *text;
    size_t text_len;
    int rc;

    if (!pem)
        return cli_output(path, der, len);
    text = cli_pem_armour("CERTIFICATE", der, len, &text_len);
    if (text == NULL) {
        fprintf(stderr, "tscns: out of memory\n");
        return CLI_INTERNAL;
    }
    rc = cli_output(path, text, text_len);
    free(text);
    return rc;
}

int cmd_cert(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                             {"output", required_argument, NULL, 'o'},
                                             {"pem", no_argument, NULL, 'p'},
                                             {"der", no_argument, NULL, 'd'},
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_session s;
    const char *path = NULL;
    const uint8_t *der;
    size_t len;
    int pem = 1, c, rc;
    tscns_err err;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        int taken = cli_global_option(&g, c, optarg);

        if (taken < 0)
            return CLI_USAGE;
        if (taken > 0)
            continue;
        switch (c) {
        case 'h':
            return cli_print_help(help);
        case 'o':
            path = optarg;
            break;
        case 'p':
            pem = 1;
            break;
        case 'd':
            pem = 0;
            break;
        default:
            return cli_bad_option("cert", argc, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error("cert", "unexpected argument '%s'", argv[optind]);
    /* Checked before touching the card: binary on a terminal can garble it and helps nobody. */
    if (!pem && path == NULL && isatty(STDOUT_FILENO))
        return cli_usage_error("cert", "refusing to write binary DER to a terminal: use -o FILE "
                                       "or redirect standard output");

    rc = cli_session_open(&g, &s);
    if (rc != CLI_OK)
        return rc;
    err = tscns_card_certificate(s.card, &der, &len);
    if (err != TSCNS_OK)
        rc = cli_session_fail(&s, err);
    else
        rc = write_cert(der, len, pem, path);
    cli_session_close(&s);
    return rc;
}
