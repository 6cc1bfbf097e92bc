/* tscns pin unblock: one RESET RETRY COUNTER with the PUK and a new PIN, never retried. */
#include "pin_common.h"

static const char help[] =
    "Usage: tscns pin unblock [--puk-file F] [--new-pin-file F]\n\n"
    "Unblock the PIN with the PUK (8 digits, from the card's letter) and set a new PIN. The PUK\n"
    "has 3 tries for the life of the card: after the third wrong PUK the PIN can never be\n"
    "unblocked. Both codes are checked before anything is sent.\n\n"
    "  --puk-file F       read the PUK from the first line of F\n"
    "  --new-pin-file F   read the new PIN from the first line of F\n";

static const struct option longopts[] = {
    CLI_GLOBAL_LONGOPTS,
    {"puk-file", required_argument, NULL, PIN_OPT_CODE_FILE},
    {"new-pin-file", required_argument, NULL, PIN_OPT_NEW_FILE},
    {NULL, 0, NULL, 0}};

static const struct pin_command unblock = {
    "pin unblock",
    help,
    longopts,
    SECRET_PUK,
    1,
    tscns_card_unblock_pin,
    "PIN unblocked and set to the new PIN.",
};

int pin_unblock(const struct cli_global *global, int argc, char **argv)
{
    return pin_command_run(&unblock, global, argc, argv);
}
