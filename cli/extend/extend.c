/* `tscns extend`: renew the CNS certificate for the same on-card key, with nothing to lose. */
#include "extend.h"

#include <stdio.h>
#include <string.h>

#include "options.h"
#include "progress.h"

static const char extend_help[] =
    "usage: tscns extend SUBCOMMAND [options]\n"
    "\n"
    "Renew the card's CNS authentication certificate for the same on-card key.\n"
    "\n"
    "subcommands:\n"
    "  status [--json]                       validity, key, file size, can it be renewed\n"
    "  request [-o FILE]                     PKCS#10 request signed on the card (PIN)\n"
    "  online --server URL --ca-cert FILE    renew with CMP and install the answer\n"
    "  install FILE --ca-cert FILE           check and write a renewed certificate (PUK)\n"
    "  restore BACKUP                        put a saved certificate back (PUK)\n"
    "\n"
    "Before writing, the card's certificate is saved to\n"
    "$XDG_STATE_HOME/tscns/backup/<serial>-<time>.der (default ~/.local/state/...).\n"
    "`tscns extend SUBCOMMAND --help` tells more.\n";

static const struct {
    const char *name;
    int (*fn)(const struct cli_global *g, int argc, char **argv);
} subcommands[] = {
    {"status", extend_status},   {"request", extend_request}, {"online", extend_online},
    {"install", extend_install}, {"restore", extend_restore},
};

int cmd_extend(const struct cli_global *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        if (argc < 2)
            fputs(extend_help, stderr);
        else
            cli_print_help(extend_help);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    /* The clock of the progress lines covers the whole command, card detection included. */
    progress_start();
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].fn(g, argc - 1, argv + 1);
    }
    return cli_usage_error("extend", "unknown subcommand '%s'", argv[1]);
}
