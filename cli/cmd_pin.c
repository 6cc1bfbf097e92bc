/* tscns pin: dispatch to verify, change, unblock. */
#include "cli.h"
#include "options.h"
#include "pin_common.h"

static const char help[] =
    "Usage: tscns pin verify  [--pin-file F]\n"
    "       tscns pin change  [--pin-file F] [--new-pin-file F]\n"
    "       tscns pin unblock [--puk-file F] [--new-pin-file F]\n\n"
    "Check the PIN, change it, or set a new one with the PUK after it was blocked.\n"
    "Without a file option each code is asked for on the terminal, without echo (a new PIN\n"
    "twice). A file gives the code on its first line. A PIN is 5 to 8 digits, the PUK 8;\n"
    "a code in the wrong format is never sent. A rejected code is never retried: 3 wrong\n"
    "PINs block the PIN, 3 wrong PUKs make the card impossible to unblock.\n";

static const struct cli_subcommand subcommands[] = {
    {"verify", pin_verify, NULL},
    {"change", pin_change, NULL},
    {"unblock", pin_unblock, NULL},
};

int cmd_pin(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;

    cli_parse_init(&p, "pin", help, "+", longopts, argc, argv, &g);
    if (cli_next_option(&p) == CLI_OPT_STOP)
        return p.rc;
    return cli_run_subcommand(&p, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
                              "no subcommand given (verify, change or unblock)");
}
