/* tscns pin change: one CHANGE REFERENCE DATA with the old and new PIN, never retried. */
#include "pin_common.h"

static const char help[] =
    "Usage: tscns pin change [--pin-file F] [--new-pin-file F]\n\n"
    "Change the PIN. The new PIN (5 to 8 digits) is checked, and typed twice when asked on the\n"
    "terminal, before anything is sent to the card.\n\n"
    "  --pin-file F       read the current PIN from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

static const struct option longopts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"pin-file", required_argument, NULL, PIN_OPT_CODE_FILE},
    {"new-pin-file", required_argument, NULL, PIN_OPT_NEW_FILE},
    {NULL, 0, NULL, 0}};

static const struct pin_command change = {
    "pin change", help, longopts, SECRET_PIN, 1, tscns_card_change_pin, "PIN changed.",
};

int pin_change(const struct cli_global *global, int argc, char **argv)
{
    return pin_command_run(&change, global, argc, argv);
}
