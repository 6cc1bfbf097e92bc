/* tscns pin: dispatch to verify, change, unblock. */
#include <stdio.h>
#include <string.h>

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

struct subcommand {
    const char *name;
    cli_command_fn *run;
};

static const struct subcommand subcommands[] = {
    {"verify", pin_verify},
    {"change", pin_change},
    {"unblock", pin_unblock},
};

int cmd_pin(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    int c;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        int taken = cli_global_option(&g, c, optarg);

        if (taken < 0)
            return CLI_USAGE;
        if (taken > 0)
            continue;
        if (c == 'h')
            return cli_print_help(help);
        return cli_bad_option("pin", argc, argv);
    }
    if (optind >= argc)
        return cli_usage_error("pin", "which one: verify, change or unblock?");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[optind], subcommands[i].name) == 0)
            return subcommands[i].run(&g, argc - optind, argv + optind);
    }
    return cli_usage_error("pin", "unknown subcommand '%s'", argv[optind]);
}
