/* tscns pin change: one CHANGE REFERENCE DATA with the old and new PIN, never retried. */
#include <stdio.h>

#include "options.h"
#include "pin_common.h"
#include "pin_input.h"

static const char help[] =
    "Usage: tscns pin change [--pin-file F] [--new-pin-file F]\n\n"
    "Change the PIN. The new PIN (5 to 8 digits) is checked, and typed twice when asked on the\n"
    "terminal, before anything is sent to the card.\n\n"
    "  --pin-file F       read the current PIN from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

int pin_change(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                             {"pin-file", required_argument, NULL, 'p'},
                                             {"new-pin-file", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_session s;
    const char *pin_file = NULL, *new_file = NULL;
    char pin[CLI_SECRET_MAX], new_pin[CLI_SECRET_MAX];
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
        else if (c == 'n')
            new_file = optarg;
        else
            return cli_bad_option("pin change", argc, argv);
    }
    if (optind < argc)
        return cli_usage_error("pin change", "unexpected argument '%s'", argv[optind]);

    rc = cli_session_open(&g, &s);
    if (rc != CLI_OK)
        return rc;
    rc = pin_read_secret(SECRET_PIN, pin_file, pin, sizeof(pin));
    if (rc == CLI_OK) {
        rc = pin_read_new(new_file, new_pin, sizeof(new_pin));
        if (rc == CLI_OK) {
            err = tscns_card_change_pin(s.card, pin, new_pin, &tries);
            cli_secret_wipe(new_pin, sizeof(new_pin));
            if (err == TSCNS_OK)
                printf("PIN changed.\n");
            else
                rc = pin_report_failure(&s, err, tries, SECRET_PIN);
        }
        cli_secret_wipe(pin, sizeof(pin));
    }
    cli_session_close(&s);
    return rc;
}
