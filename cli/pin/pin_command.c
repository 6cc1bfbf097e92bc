#include "pin.h"

#include <stdio.h>
#include <string.h>

#include "pin_codes.h"
#include "pin_input.h"
#include "report.h"
#include "start.h"
#include "tscns/card.h"
#include "tscns/pin_state.h"

static int puk_failure(tscns_err err, int tries)
{
    char words[64];

    if ((err == TSCNS_E_PIN_INCORRECT && tries == 0) || err == TSCNS_E_PIN_BLOCKED ||
        err == TSCNS_E_PUK_BLOCKED) {
        fprintf(stderr, "tscns: PUK blocked: the PIN of this card can never be unblocked; "
                        "ask the issuer for a new card\n");
        return CLI_BLOCKED;
    }
    fprintf(stderr, "tscns: wrong PUK: %s — after 0 the card can never be unblocked\n",
            cli_tries_words(tries, words, sizeof(words)));
    return CLI_WRONG_PIN;
}

static int pin_failure(tscns_err err, int tries)
{
    char words[64];

    if (err == TSCNS_E_PUK_BLOCKED) {
        fprintf(stderr, "tscns: PIN and PUK blocked: the card's key can never be used again\n");
        return CLI_BLOCKED;
    }

    if ((err == TSCNS_E_PIN_INCORRECT && tries == 0) || err == TSCNS_E_PIN_BLOCKED) {
        fprintf(stderr, "tscns: PIN blocked: unblock it with `tscns pin unblock` (needs the "
                        "PUK)\n");
        return CLI_BLOCKED;
    }
    fprintf(stderr, "tscns: wrong PIN: %s\n", cli_tries_words(tries, words, sizeof(words)));
    if (tries == 1)
        fprintf(stderr, "tscns: one more wrong PIN blocks the card's PIN\n");
    return CLI_WRONG_PIN;
}

int pin_report_failure(const struct cli_session *s, tscns_err err, int tries, enum secret_kind kind)
{
    switch (err) {
    case TSCNS_E_PIN_INCORRECT:
    case TSCNS_E_PIN_BLOCKED:
    case TSCNS_E_PUK_BLOCKED:
        return kind == SECRET_PUK ? puk_failure(err, tries) : pin_failure(err, tries);
    case TSCNS_E_PIN_REJECTED:
        fprintf(stderr, "tscns: not sent: the card already rejected this %s\n",
                kind == SECRET_PUK ? "PUK" : "PIN");
        return CLI_WRONG_PIN;
    default:
        return cli_session_fail(s, err);
    }
}

/*
 * A person gave the right PIN (or a PUK and a new PIN): the provider may send a configured PIN
 * again (include/tscns/pin_state.h). A record that cannot be written only keeps it waiting.
 */
static void person_verified(tscns_card *card)
{
    char serial[17];

    if (tscns_card_serial(card, serial) == TSCNS_OK)
        tscns_pin_state_person_verified(serial);
}

static int ask_and_send(const struct pin_command *pc, struct cli_session *s, const char *code_file,
                        const char *new_file)
{
    char code[CLI_SECRET_MAX], new_pin[CLI_SECRET_MAX];
    int rc, tries = -1;
    tscns_err err;

    rc = pin_read_secret(pc->checks, code_file, code, sizeof(code));
    if (rc != CLI_OK)
        return rc;
    if (pc->sets_new_pin)
        rc = pin_read_new(new_file, new_pin, sizeof(new_pin));
    if (rc == CLI_OK) {
        err = pc->send(s->card, code, pc->sets_new_pin ? new_pin : NULL, &tries);
        if (err == TSCNS_OK) {
            printf("%s\n", pc->done);
            person_verified(s->card);
        } else
            rc = pin_report_failure(s, err, tries, pc->checks);
    }
    cli_secret_wipe(new_pin, sizeof(new_pin));
    cli_secret_wipe(code, sizeof(code));
    return rc;
}

int pin_command_run(const struct pin_command *pc, const struct cli_global *global, int argc,
                    char **argv)
{
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_session s;
    const char *code_file = NULL, *new_file = NULL;
    int c, rc;

    cli_parse_init(&p, pc->cmd, pc->help, "", pc->longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0) {
        if (c == PIN_OPT_CODE_FILE)
            code_file = optarg;
        else
            new_file = optarg;
    }
    /* The card first: nobody should type a code for a card that is not there. */
    if (!cli_start(&p, c, &s, &rc))
        return rc;
    rc = ask_and_send(pc, &s, code_file, new_file);
    cli_session_close(&s);
    return rc;
}
