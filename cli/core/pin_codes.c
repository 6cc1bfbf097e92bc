#include "pin_codes.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pin_input.h"
#include "tscns/card.h"

int pin_read_secret(enum secret_kind kind, const char *file, char *buf, size_t size)
{
    const char *what = kind == SECRET_PUK ? "PUK" : "PIN";
    int rc;

    rc = cli_secret_read(file, kind == SECRET_PUK ? "--puk-file" : "--pin-file",
                         kind == SECRET_PUK ? "PUK: " : "PIN: ", what, buf, size);
    if (rc != CLI_OK)
        return rc;
    if (!tscns_pin_format_ok(buf)) {
        cli_secret_wipe(buf, size);
        fprintf(stderr,
                "tscns: that is not a %s: a %s is 5 to 8 digits (nothing was sent to the card)\n",
                what, what);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int pin_read_new(const char *file, char *buf, size_t size)
{
    char again[CLI_SECRET_MAX];
    int rc;

    rc = cli_secret_read(file, "--new-pin-file", "New PIN (5 to 8 digits): ", "new PIN", buf, size);
    if (rc != CLI_OK)
        return rc;
    if (!tscns_pin_format_ok(buf)) {
        cli_secret_wipe(buf, size);
        fprintf(stderr, "tscns: the new PIN must be 5 to 8 digits (nothing was sent to the "
                        "card)\n");
        return CLI_USAGE;
    }
    if (file != NULL)
        return CLI_OK;
    rc = cli_secret_read(NULL, "--new-pin-file", "Repeat the new PIN: ", "new PIN", again,
                         sizeof(again));
    if (rc == CLI_OK && strcmp(buf, again) != 0) {
        fprintf(stderr, "tscns: the two new PINs differ (nothing was sent to the card)\n");
        rc = CLI_USAGE;
    }
    cli_secret_wipe(again, sizeof(again));
    if (rc != CLI_OK)
        cli_secret_wipe(buf, size);
    return rc;
}
