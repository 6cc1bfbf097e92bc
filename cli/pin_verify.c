/* tscns pin verify: one VERIFY with the PIN the user gives, never more. */
#include <stdio.h>

#include "options.h"
#include "pin_common.h"
#include "pin_input.h"

static const char help[] = "Usage: tscns pin verify [--pin-file F]\n\n"
                           "Check the PIN with the card (one try is used if it is wrong).\n\n"
                           "  --pin-file F   read the PIN from the first line of F\n";

int pin_verify(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"pin-file", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_session s;
    const char *pin_file = NULL;
    char pin[CLI_SECRET_MAX];
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
        if (c == 'p')
            pin_file = optarg;
        else
            return cli_bad_option("pin verify", argc, argv);
    }
    if (optind < argc)
        return cli_usage_error("pin verify", "unexpected argument '%s'", argv[optind]);

    rc = cli_session_open(&g, &s);
    if (rc != CLI_OK)
        return rc;
    rc = pin_read_secret(SECRET_PIN, pin_file, pin, sizeof(pin));
    if (rc == CLI_OK) {
        err = tscns_card_verify_pin(s.card, pin, &tries);
        cli_secret_wipe(pin, sizeof(pin));
        if (err == TSCNS_OK)
            printf("PIN correct.\n");
        else
            rc = pin_report_failure(&s, err, tries, SECRET_PIN);
    }
    cli_session_close(&s);
    return rc;
}
