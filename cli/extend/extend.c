/* `tscns extend`: renew the CNS certificate for the same on-card key, with nothing to lose. */
#include "extend.h"

#include "options.h"
#include "progress.h"

static const char extend_help[] =
    "Usage: tscns extend SUBCOMMAND [options]\n"
    "\n"
    "Renew the card's CNS authentication certificate for the same on-card key.\n"
    "\n"
    "Subcommands:\n"
    "  status [--json]                       validity, key, file size, can it be renewed\n"
    "  request [-o FILE]                     PKCS#10 request signed on the card (PIN)\n"
    "  online --server URL --ca-cert FILE    renew with CMP and install the answer\n"
    "  install FILE --ca-cert FILE           check and write a renewed certificate (PUK)\n"
    "  restore BACKUP                        put a saved certificate back (PUK)\n"
    "\n"
    "Before writing, the card's certificate is saved to\n"
    "$XDG_STATE_HOME/tscns/backup/<serial>-<time>.der (default ~/.local/state/...).\n"
    "`tscns extend SUBCOMMAND --help` tells more.\n";

static const struct cli_subcommand subcommands[] = {
    {"status", extend_status, NULL},   {"request", extend_request, NULL},
    {"online", extend_online, NULL},   {"install", extend_install, NULL},
    {"restore", extend_restore, NULL},
};

int cmd_extend(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;

    /* '+': stop at the subcommand, whose options are its own. */
    cli_parse_init(&p, "extend", extend_help, "+", longopts, argc, argv, &g);
    if (cli_next_option(&p) == CLI_OPT_STOP)
        return p.rc;
    /* The clock of the progress lines covers the whole command, card detection included. */
    progress_start();
    return cli_run_subcommand(&p, subcommands, sizeof(subcommands) / sizeof(subcommands[0]),
                              "no subcommand given (status, request, online, install or restore)");
}
