/* tscns keyref: a key "file" that names the card key, for programs that only read key files. */
#include <string.h>

#include "cli.h"
#include "keyref_file.h"
#include "options.h"
#include "output.h"
#include "session.h"
#include "start.h"

static const char help[] =
    "Usage: tscns keyref [-o FILE]\n\n"
    "Write the PEM key-reference file for the tscns OpenSSL provider: it names the card's CNS\n"
    "key by card serial (and by reader, only if --reader was given), so programs that read a\n"
    "private-key file (curl --key, Python's load_cert_chain, openssl -key) use the card.\n"
    "The file holds no secret (only the URI cns:serial=...;type=private): mode 0644 is fine.\n\n"
    "  -o, --output FILE   write to FILE (replaced atomically) instead of standard output\n";

int cmd_keyref(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_session s;
    const char *path = NULL;
    char serial[17];
    int c, rc;
    tscns_err err;

    cli_parse_init(&p, "keyref", help, "o:", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        path = optarg;
    /* The serial comes from the card even with --serial: the file must name a card that exists. */
    if (!cli_start(&p, c, &s, &rc))
        return rc;
    err = tscns_card_serial(s.card, serial);
    if (err != TSCNS_OK)
        rc = cli_session_fail(&s, err);
    cli_session_close(&s);
    if (rc != CLI_OK)
        return rc;
    return cli_keyref_output(g.reader, serial, path);
}
