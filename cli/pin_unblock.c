/* tscns pin unblock: one RESET RETRY COUNTER with the PUK and a new PIN, never retried. */
#include <stdio.h>

#include "options.h"
#include "pin_common.h"
#include "pin_input.h"

static const char help[] =
    "Usage: tscns pin unblock [--puk-file F] [--new-pin-file F]\n\n"
    "Unblock the PIN with the PUK (8 digits, from the card's letter) and set a new PIN. The PUK\n"
    "has 3 tries for the life of the card: after the third wrong PUK the PIN can never be\n"
    "unblocked. Both codes are checked before anything is sent.\n\n"
    "  --puk-file F       read the PUK from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

int pin_unblock(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                             {"puk-file", required_argument, NULL, 'k'},
                                             {"new-pin-file", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_session s;
    const char *puk_file = NULL, *new_file = NULL;
    char puk[CLI_SECRET_MAX], new_pin[CLI_SECRET_MAX];
    int c, rc, tries = -1;
    tscns_err err;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int taken = cli_global_option(&g, c, optarg);

        if (taken < 0)
            return CLI_USAGE;
        if (taken > 0)
            continue;
        if (c == 'h')
            return cli_print_help(help);
        if (c == 'k')
            puk_file = optarg;
        else if (c == 'n')
            new_file = optarg;
        else
            return cli_bad_option("pin unblock", argc, argv);
    }
    if (optind < argc)
        return cli_usage_error("pin unblock", "unexpected argument '%s'", argv[optind]);

    rc = cli_session_open(&g, &s);
    if (rc != CLI_OK)
        return rc;
    rc = pin_read_secret(SECRET_PUK, puk_file, puk, sizeof(puk));
    if (rc == CLI_OK) {
        rc = pin_read_new(new_file, new_pin, sizeof(new_pin));
        if (rc == CLI_OK) {
            err = tscns_card_unblock_pin(s.card, puk, new_pin, &tries);
            cli_secret_wipe(new_pin, sizeof(new_pin));
            if (err == TSCNS_OK)
                printf("PIN unblocked and set to the new PIN.\n");
            else
                rc = pin_report_failure(&s, err, tries, SECRET_PUK);
        }
        cli_secret_wipe(puk, sizeof(puk));
    }
    cli_session_close(&s);
    return rc;
}
