/* tscns pin: verify, change and unblock, one table entry each. */
#include <string.h>

#include "cli.h"
#include "options.h"
#include "pin.h"

static const char help[] =
    "Usage: tscns pin verify  [--pin-file F]\n"
    "       tscns pin change  [--pin-file F] [--new-pin-file F]\n"
    "       tscns pin unblock [--puk-file F] [--new-pin-file F]\n\n"
    "Check the PIN, change it, or set a new one with the PUK after it was blocked.\n"
    "Without a file option each code is asked for on the terminal, without echo (a new PIN\n"
    "twice). A file gives the code on its first line. A PIN is 5 to 8 digits, the PUK 8;\n"
    "a code in the wrong format is never sent. A rejected code is never retried: 3 wrong\n"
    "PINs block the PIN, 3 wrong PUKs make the card impossible to unblock.\n";

static const char verify_help[] =
    "Usage: tscns pin verify [--pin-file F]\n\n"
    "Check the PIN with the card (one try is used if it is wrong). A right PIN also lets the\n"
    "OpenSSL provider send its pin-source again after the card rejected it.\n\n"
    "  --pin-file F   read the PIN from the first line of F\n";

static const char change_help[] =
    "Usage: tscns pin change [--pin-file F] [--new-pin-file F]\n\n"
    "Change the PIN. The new PIN (5 to 8 digits) is checked, and typed twice when asked on the\n"
    "terminal, before anything is sent to the card.\n\n"
    "  --pin-file F       read the current PIN from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

static const char unblock_help[] =
    "Usage: tscns pin unblock [--puk-file F] [--new-pin-file F]\n\n"
    "Unblock the PIN with the PUK (8 digits, from the card's letter) and set a new PIN. The PUK\n"
    "has 3 tries for the life of the card: after the third wrong PUK the PIN can never be\n"
    "unblocked. Both codes are checked before anything is sent.\n\n"
    "  --puk-file F       read the PUK from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

static const struct option verify_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"pin-file", required_argument, NULL, PIN_OPT_CODE_FILE},
    {NULL, 0, NULL, 0}};

static const struct option change_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"pin-file", required_argument, NULL, PIN_OPT_CODE_FILE},
    {"new-pin-file", required_argument, NULL, PIN_OPT_NEW_FILE},
    {NULL, 0, NULL, 0}};

static const struct option unblock_opts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"puk-file", required_argument, NULL, PIN_OPT_CODE_FILE},
    {"new-pin-file", required_argument, NULL, PIN_OPT_NEW_FILE},
    {NULL, 0, NULL, 0}};

/* One VERIFY with the PIN the user gives, never more. */
static tscns_err send_verify(tscns_card *card, const char *pin, const char *unused, int *tries)
{
    (void)unused;
    return tscns_card_verify_pin(card, pin, tries);
}

/*
 * Each sends exactly one card command (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER)
 * and never retries it.
 */
static const struct pin_command pin_commands[] = {
    {"verify", "pin verify", verify_help, verify_opts, SECRET_PIN, 0, send_verify, "PIN correct."},
    {"change", "pin change", change_help, change_opts, SECRET_PIN, 1, tscns_card_change_pin,
     "PIN changed."},
    {"unblock", "pin unblock", unblock_help, unblock_opts, SECRET_PUK, 1, tscns_card_unblock_pin,
     "PIN unblocked and set to the new PIN."},
};

int cmd_pin(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;

    cli_parse_init(&p, "pin", help, "+", longopts, argc, argv, &g);
    if (cli_next_option(&p) == CLI_OPT_STOP)
        return p.rc;
    if (optind >= p.argc)
        return cli_usage_error("pin", "no subcommand given (verify, change or unblock)");
    for (size_t i = 0; i < sizeof(pin_commands) / sizeof(pin_commands[0]); i++) {
        if (strcmp(p.argv[optind], pin_commands[i].name) == 0)
            return pin_command_run(&pin_commands[i], &g, p.argc - optind, p.argv + optind);
    }
    return cli_usage_error("pin", "unknown command '%s'", p.argv[optind]);
}
