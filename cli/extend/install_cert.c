/* extend_install_cert(): everything between "here is a certificate" and "it is on the card". */
#include "extend.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "backup.h"
#include "certfile.h"
#include "checks.h"
#include "confirm.h"
#include "guarded_write.h"
#include "progress.h"
#include "session.h"

struct card_state {
    char serial[17];
    uint8_t *old_der; /* our own copy: cardio's cache changes when the write succeeds */
    size_t old_len;
    X509 *old_cert; /* NULL when the card's bytes do not parse (a broken earlier write) */
    size_t capacity;
};

static void card_state_free(struct card_state *cs)
{
    OPENSSL_free(cs->old_der);
    X509_free(cs->old_cert);
}

static int read_card(struct cli_session *s, const struct install_opts *o, struct card_state *cs)
{
    const uint8_t *der;
    size_t len;
    tscns_err err;

    progress("reading the card in %s (%s)", tscns_card_reader(s->card),
             tscns_card_family_description(s->card));
    err = tscns_card_serial(s->card, cs->serial);
    if (err != TSCNS_OK)
        return cli_session_fail(s, err);
    err = tscns_card_certificate(s->card, &der, &len);
    if (err == TSCNS_OK) {
        cs->old_der = OPENSSL_memdup(der, len);
        if (cs->old_der == NULL)
            return CLI_INTERNAL;
        cs->old_len = len;
        cs->old_cert = cert_from_der(der, len);
    } else if (!o->restore || err == TSCNS_E_CARD_REMOVED || err == TSCNS_E_NO_CARD) {
        return cli_session_fail(s, err);
    }
    if (cs->old_cert == NULL && !o->restore) {
        refuse("the certificate on card %s cannot be parsed; if an earlier write broke it, put "
               "the backup back with `tscns extend restore`",
               cs->serial);
        return CLI_CARD_ERROR;
    }
    if (cs->old_cert == NULL)
        progress("the card's certificate file does not hold a readable certificate now");
    err = tscns_card_certificate_capacity(s->card, &cs->capacity);
    if (err != TSCNS_OK)
        return cli_session_fail(s, err);
    return CLI_OK;
}

/* A backup is only put back on the card it came from: its name carries that card's serial. */
static int restore_target_ok(const struct install_opts *o, const struct card_state *cs)
{
    char from[17];

    if (backup_serial_of(o->restore_path, from) != 0) {
        refuse("%s is not named like a tscns backup (<card serial>-<time>.der), so it cannot be "
               "matched to this card",
               o->restore_path);
        return 0;
    }
    if (strcmp(from, cs->serial) != 0) {
        refuse("%s is the backup of card %s, but the card in the reader is %s", o->restore_path,
               from, cs->serial);
        return 0;
    }
    progress("check: the backup was taken from this card (%s): yes", cs->serial);
    return 1;
}

static void describe(X509 *cert, size_t len)
{
    char from[64], to[64];
    char *subject = cert_name_words(X509_get_subject_name(cert));

    progress("certificate to write: %s, valid %s to %s, %zu bytes", subject ? subject : "?",
             cert_time_words(X509_get0_notBefore(cert), from, sizeof(from)),
             cert_time_words(X509_get0_notAfter(cert), to, sizeof(to)), len);
    OPENSSL_free(subject);
}

/* Every check at once, so one run names all that is wrong; nothing is written on a refusal. */
static int vet(const struct install_opts *o, const struct card_state *cs, X509 *leaf,
               STACK_OF(X509) * chain, size_t new_len)
{
    struct check_input in;

    memset(&in, 0, sizeof(in));
    in.card_cert = cs->old_cert;
    in.new_cert = leaf;
    in.chain = chain;
    in.ca_file = o->ca_file;
    in.new_len = new_len;
    in.capacity = cs->capacity;
    in.need_later = !o->restore;
    /* A backup is what the card held before: putting it back is an undo, not a renewal. */
    in.keep_uses = !o->restore;
    if ((o->restore && !restore_target_ok(o, cs)) || checks_run(&in) != 0) {
        fprintf(stderr, "tscns extend: nothing was written to the card\n");
        return CLI_FILE_ERROR;
    }
    return CLI_OK;
}

/* No backup, no write. A card whose file holds no readable certificate has nothing to save. */
static int save_backup(const struct card_state *cs, char *path, size_t size)
{
    int rc;

    path[0] = '\0';
    if (cs->old_cert == NULL)
        return CLI_OK;
    rc = backup_save(cs->serial, cs->old_der, cs->old_len, path, size);
    if (rc != CLI_OK) {
        fprintf(stderr, "tscns extend: no backup, so nothing was written to the card\n");
        return rc;
    }
    progress("saved the card's certificate to %s (synced to disk)", path);
    return CLI_OK;
}

static int write_cert(const struct cli_global *g, const struct install_opts *o,
                      struct cli_session *s, const struct card_state *cs, X509 *leaf,
                      const uint8_t *new_der, size_t new_len, const char *backup_path)
{
    struct write_job job;
    char to[64];
    int rc;

    memset(&job, 0, sizeof(job));
    job.card = s->card;
    job.serial = cs->serial;
    job.reader = g->reader;
    job.old_der = cs->old_cert != NULL ? cs->old_der : NULL;
    job.old_len = cs->old_len;
    job.new_der = new_der;
    job.new_len = new_len;
    job.backup_path = backup_path[0] != '\0' ? backup_path : NULL;
    job.ca_file = o->ca_file;
    job.puk_file = o->puk_file;
    job.no_puk = o->no_puk;
    rc = guarded_write(&job);
    if (rc == CLI_OK) {
        printf("The card %s now holds the certificate valid until %s.\n", cs->serial,
               cert_time_words(X509_get0_notAfter(leaf), to, sizeof(to)));
        if (job.backup_path != NULL)
            printf("The previous certificate is saved in %s\n", job.backup_path);
    }
    return rc;
}

static int run(const struct cli_global *g, const struct install_opts *o, X509 *leaf,
               STACK_OF(X509) * chain, struct cli_session *s, struct card_state *cs)
{
    char backup_path[4096];
    uint8_t *new_der = NULL;
    size_t new_len = 0;
    int rc;

    rc = read_card(s, o, cs);
    if (rc != CLI_OK)
        return rc;
    new_der = cert_to_der(leaf, &new_len);
    if (new_der == NULL) {
        fprintf(stderr, "tscns extend: cannot encode the certificate\n");
        return CLI_INTERNAL;
    }
    describe(leaf, new_len);
    if (cs->old_der != NULL && cs->old_len == new_len &&
        memcmp(cs->old_der, new_der, new_len) == 0) {
        progress("the card already holds exactly this certificate: nothing to write");
        goto end;
    }
    rc = vet(o, cs, leaf, chain, new_len);
    if (rc != CLI_OK)
        goto end;
    if (!o->dry_run && !o->yes && !confirm("Write this certificate to the card?")) {
        rc = CLI_USAGE;
        goto end;
    }
    rc = save_backup(cs, backup_path, sizeof(backup_path));
    if (rc != CLI_OK)
        goto end;
    if (o->dry_run)
        progress("dry run: all checks passed; not asking for the PUK and not writing %zu bytes",
                 new_len);
    else
        rc = write_cert(g, o, s, cs, leaf, new_der, new_len, backup_path);
end:
    OPENSSL_free(new_der);
    return rc;
}

int extend_install_cert(const struct cli_global *g, const struct install_opts *o, X509 *leaf,
                        STACK_OF(X509) * chain)
{
    struct card_state cs;
    struct cli_session s;
    int rc;

    memset(&cs, 0, sizeof(cs));
    progress("looking for the card");
    rc = cli_session_open(g, &s);
    if (rc != CLI_OK)
        return rc;
    rc = run(g, o, leaf, chain, &s, &cs);
    card_state_free(&cs);
    cli_session_close(&s);
    return rc;
}
