/*
 * tscns doctor: the configured pin-source. A pin-source that cannot be read, or holds no
 * well-formed PIN, fails every program at its first signature; doctor says so beforehand.
 * The PIN is read as the provider reads it and cleansed at once: never printed, never sent.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tscns/card.h"
#include "tscns/pin_file.h"

#include "doctor.h"

#define FIX "fix `pin-source` in the tscns section of %s, or remove it to have programs ask"

/*
 * The PIN named by @p source into @p pin: 1; 0 with the reason in @p why; -1 when @p source is
 * not a well-formed pin-source (it may then be a PIN written in its place).
 */
static int read_source(const char *source, char *pin, size_t cap, char *why, size_t whycap)
{
    const char *arg, *bad, *v;
    tscns_pin_source_kind kind;

    if ((bad = tscns_pin_source_parse(source, &kind, &arg)) != NULL) {
        snprintf(why, whycap, "%s", bad);
        return -1;
    }
    if (kind == TSCNS_PIN_SOURCE_FILE)
        return tscns_pin_file_read(arg, pin, cap, why, whycap) == TSCNS_PIN_FILE_OK;
    if ((v = getenv(arg)) == NULL) {
        snprintf(why, whycap,
                 "the environment variable %s is not set here, so programs started from this "
                 "shell get no PIN from it",
                 arg);
        return 0;
    }
    if (strlen(v) >= cap) {
        snprintf(why, whycap, "%s is too long for a PIN", arg);
        return 0;
    }
    memcpy(pin, v, strlen(v) + 1);
    return 1;
}

void doctor_check_pin_source(struct doctor *d)
{
    char pin[TSCNS_PIN_FILE_MAX + 1], why[768];
    const char *shown;
    int ok;

    if (!d->tscns_configured)
        return;
    if (d->pin_source[0] == '\0') {
        doctor_add(d, "pin_source", DOCTOR_OK, CLI_OK,
                   "not set: programs ask for the PIN (openssl -passin, curl --pass, Python's "
                   "password=)");
        return;
    }
    ok = read_source(d->pin_source, pin, sizeof(pin), why, sizeof(why));
    shown = ok >= 0 ? d->pin_source : "(not shown: it may be the PIN itself)";
    if (ok == 1 && !tscns_pin_format_ok(pin)) {
        snprintf(why, sizeof(why),
                 "what it holds is not a PIN of 5 to 8 digits (nothing "
                 "would be sent to the card)");
        ok = 0;
    }
    OPENSSL_cleanse(pin, sizeof(pin));
    if (ok == 1)
        doctor_add(d, "pin_source", DOCTOR_OK, CLI_OK,
                   "%s holds a PIN of the right form (doctor never sends it: only the card "
                   "can say whether it is right)",
                   d->pin_source);
    else
        doctor_add(d, "pin_source", DOCTOR_PROBLEM, CLI_FILE_ERROR, "pin-source = %s: %s; " FIX,
                   shown, why, d->config_path);
}
