/* tscns cert: the authentication certificate exactly as the card holds it. */
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "output.h"
#include "session.h"
#include "start.h"

static const char help[] =
    "Usage: tscns cert [-o FILE] [--pem | --der]\n\n"
    "Export the card's CNS authentication certificate.\n\n"
    "  -o, --output FILE   write to FILE (replaced atomically) instead of standard output\n"
    "  --pem               PEM text (the default)\n"
    "  --der               binary DER; refused when standard output is a terminal\n";

int cmd_cert(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                             {"output", required_argument, NULL, 'o'},
                                             {"pem", no_argument, NULL, 'p'},
                                             {"der", no_argument, NULL, 'd'},
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_session s;
    const char *path = NULL;
    const uint8_t *der;
    size_t len;
    int pem = 1, c, rc;
    tscns_err err;

    cli_parse_init(&p, "cert", help, "o:", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0) {
        if (c == 'o')
            path = optarg;
        else
            pem = c == 'p';
    }
    if (!cli_start(&p, c, NULL, &rc))
        return rc;
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
        rc = pem ? cli_output_pem(path, "CERTIFICATE", der, len) : cli_output(path, der, len);
    cli_session_close(&s);
    return rc;
}
