/* tscns pin verify: one VERIFY with the PIN the user gives, never more. */
#include "pin_common.h"

static const char help[] = "Usage: tscns pin verify [--pin-file F]\n\n"
                           "Check the PIN with the card (one try is used if it is wrong).\n\n"
                           "  --pin-file F   read the PIN from the first line of F\n";

static const struct option longopts[] = {CLI_GLOBAL_LONGOPTS,
                                         {"pin-file", required_argument, NULL, PIN_OPT_CODE_FILE},
                                         {NULL, 0, NULL, 0}};

static tscns_err send_verify(tscns_card *card, const char *pin, const char *unused, int *tries)
{
    (void)unused;
    return tscns_card_verify_pin(card, pin, tries);
}

static const struct pin_command verify = {
    "pin verify", help, longopts, SECRET_PIN, 0, send_verify, "PIN correct.",
};

int pin_verify(const struct cli_global *global, int argc, char **argv)
{
    return pin_command_run(&verify, global, argc, argv);
}
