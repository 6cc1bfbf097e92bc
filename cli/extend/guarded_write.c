#include "guarded_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pin_codes.h"
#include "pin_input.h"
#include "progress.h"
#include "report.h"
#include "shell_quote.h"

/* Prints " OPTION VALUE", the value quoted for the shell; nothing when @p value is NULL. */
static void print_option(const char *option, const char *value)
{
    char *word;

    if (value == NULL)
        return;
    word = cli_shell_quote(value);
    fprintf(stderr, " %s %s", option, word != NULL ? word : "?");
    free(word);
}

/*
 * The exact command that puts the backup back, quoted so that pasting it into a shell runs it
 * as printed, whatever the backup's path and the reader's name hold. The card's certificate is
 * unreadable after a broken write, so the restore needs the CA certificates too.
 */
static void restore_advice(const struct write_job *j)
{
    char *backup;

    if (j->backup_path == NULL)
        return;
    fprintf(stderr, "tscns extend: the card's previous certificate is saved in %s\n",
            j->backup_path);
    fprintf(stderr, "tscns extend: put the card back in the reader and restore it with:\n");
    backup = cli_shell_quote(j->backup_path);
    fprintf(stderr, "    tscns extend restore %s", backup != NULL ? backup : "?");
    free(backup);
    print_option("--serial", j->serial);
    print_option("--reader", j->reader);
    print_option("--ca-cert", j->ca_file);
    fputc('\n', stderr);
}

static void say_write_error(const struct write_job *j, tscns_err err)
{
    const char *detail = tscns_card_detail(j->card);

    switch (err) {
    case TSCNS_E_SECURITY:
        fprintf(stderr,
                "tscns extend: the card refused the write: security status not satisfied "
                "(6982); its access rule for the certificate file%s is not satisfied\n",
                j->no_puk ? " (the PUK, skipped with --no-puk)" : "");
        break;
    case TSCNS_E_MISMATCH:
        fprintf(stderr, "tscns extend: the card's read-back differs from what was written\n");
        break;
    case TSCNS_E_CARD_REMOVED:
    case TSCNS_E_NO_CARD:
        fprintf(stderr, "tscns extend: the card was removed during the write\n");
        break;
    case TSCNS_E_TIMEOUT:
        fprintf(stderr, "tscns extend: the card stopped answering during the write (%s)\n", detail);
        break;
    default:
        fprintf(stderr, "tscns extend: the write failed: %s%s%s%s\n", tscns_strerror(err),
                *detail != '\0' ? " (" : "", detail, *detail != '\0' ? ")" : "");
        break;
    }
}

static int verify_puk(const struct write_job *j, const char *puk)
{
    char words[64];
    int tries = -1;
    tscns_err err;

    progress("verifying the PUK (the certificate file's access rule)");
    err = tscns_card_verify_puk(j->card, puk, &tries);
    switch (err) {
    case TSCNS_OK:
        progress("PUK accepted");
        return CLI_OK;
    case TSCNS_E_PIN_INCORRECT:
        fprintf(stderr,
                "tscns extend: the card rejected the PUK: %s. It is not tried again. Nothing was "
                "written.\n",
                cli_tries_words(tries, words, sizeof(words)));
        if (tries == 1)
            fprintf(stderr, "tscns extend: one more wrong PUK makes the card's PIN unrecoverable "
                            "for good\n");
        return CLI_WRONG_PIN;
    case TSCNS_E_PUK_BLOCKED:
        fprintf(stderr, "tscns extend: the PUK is blocked: the certificate cannot be written. "
                        "Nothing was written.\n");
        return CLI_BLOCKED;
    default:
        fprintf(stderr, "tscns extend: nothing was written.\n");
        return cli_report(err, NULL, j->card);
    }
}

/* The PUK was accepted once; after a reset the same accepted value may be sent again. */
static tscns_err write_back(const struct write_job *j, const char *puk)
{
    tscns_err err = tscns_card_write_certificate(j->card, j->old_der, j->old_len);

    if (err == TSCNS_E_SECURITY && puk != NULL) {
        int tries = -1;

        progress("the card lost the PUK state; verifying the accepted PUK again");
        err = tscns_card_verify_puk(j->card, puk, &tries);
        if (err == TSCNS_OK)
            err = tscns_card_write_certificate(j->card, j->old_der, j->old_len);
    }
    return err;
}

static int roll_back(const struct write_job *j, tscns_err first, const char *puk)
{
    tscns_err err;

    if (j->old_der == NULL) {
        fprintf(stderr, "tscns extend: the card held no readable certificate before, so there "
                        "is nothing to write back\n");
        restore_advice(j);
        return cli_exit_code(first);
    }
    /* Like a pulled card: a card that does not answer cannot take the old certificate back. */
    if (first == TSCNS_E_TIMEOUT) {
        fprintf(stderr, "tscns extend: the card is not answering, so the previous certificate "
                        "could not be written back\n");
        restore_advice(j);
        return cli_exit_code(first);
    }
    progress("rolling back: writing the previous certificate back and reading it back");
    err = write_back(j, puk);
    if (err == TSCNS_OK) {
        fprintf(stderr, "tscns extend: the previous certificate is back on the card and verified "
                        "byte for byte; the card is as before\n");
        if (j->backup_path != NULL)
            fprintf(stderr, "tscns extend: (its backup stays in %s)\n", j->backup_path);
        return cli_exit_code(first);
    }
    if (first == TSCNS_E_SECURITY && err == TSCNS_E_SECURITY) {
        fprintf(stderr, "tscns extend: the card refused every write, so its certificate was not "
                        "changed\n");
        if (j->backup_path != NULL)
            fprintf(stderr, "tscns extend: (a backup was made anyway: %s)\n", j->backup_path);
        return cli_exit_code(first);
    }
    if (err == TSCNS_E_CARD_REMOVED || err == TSCNS_E_NO_CARD)
        fprintf(stderr, "tscns extend: the card is no longer in the reader, so the previous "
                        "certificate could not be written back\n");
    else
        fprintf(stderr, "tscns extend: the previous certificate could not be written back: %s\n",
                tscns_strerror(err));
    restore_advice(j);
    return cli_exit_code(first);
}

/*
 * Ends every write attempt: the card forgets the PUK (no other program may write with it), and
 * pcscd tells every other program using the card that it changed, so cardio there reads the
 * certificate again and verifies the PIN again before signing.
 */
static void reset_card(const struct write_job *j)
{
    tscns_err err = tscns_card_reset(j->card);

    if (err == TSCNS_OK)
        progress("card reset: the PUK state is closed and other programs see the change");
    else if (err == TSCNS_E_CARD_REMOVED || err == TSCNS_E_NO_CARD)
        progress("the card left the reader before the reset: it forgot the PUK with its power");
    else if (err == TSCNS_E_TIMEOUT)
        fprintf(stderr, "tscns extend: the card stopped answering; its connection is reset as "
                        "soon as pcscd gets back to it, but remove the card and put it back to be "
                        "sure it forgets the PUK\n");
    else
        fprintf(stderr,
                "tscns extend: the card could not be reset (%s); remove it and put it back so "
                "that it forgets the PUK\n",
                tscns_strerror(err));
}

/* Inside the card lock: the PUK (if any), the write with read-back, a roll-back on failure. */
static int write_locked(const struct write_job *j, const char *puk)
{
    tscns_err err;
    int rc;

    if (puk != NULL) {
        rc = verify_puk(j, puk);
        if (rc != CLI_OK)
            return rc;
    }
    progress("writing %zu bytes with UPDATE BINARY, then reading them back", j->new_len);
    err = tscns_card_write_certificate(j->card, j->new_der, j->new_len);
    if (err == TSCNS_OK) {
        progress("read-back matches byte for byte: the card holds the new certificate");
        return CLI_OK;
    }
    say_write_error(j, err);
    return roll_back(j, err, puk);
}

int guarded_write(const struct write_job *j)
{
    char puk[CLI_SECRET_MAX];
    const char *puk_given = NULL;
    tscns_err err;
    int rc;

    if (!j->no_puk) {
        /* Format-checked here, so a malformed PUK never reaches the card. */
        rc = pin_read_secret(SECRET_PUK, j->puk_file, puk, sizeof(puk));
        if (rc != CLI_OK) {
            fprintf(stderr, "tscns extend: nothing was written.\n");
            return rc;
        }
        puk_given = puk;
    }
    /* One transaction from the PUK to the reset: no other program can come in between. */
    err = tscns_card_lock(j->card);
    if (err == TSCNS_OK) {
        rc = write_locked(j, puk_given);
        reset_card(j);
        tscns_card_unlock(j->card);
    } else {
        fprintf(stderr, "tscns extend: nothing was written.\n");
        rc = cli_report(err, NULL, j->card);
    }
    if (puk_given != NULL)
        cli_secret_wipe(puk, sizeof(puk));
    return rc;
}
