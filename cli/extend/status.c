/* `tscns extend status`: can this card's certificate be renewed, and would a new one fit? */
#include "extend.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "certfile.h"
#include "json.h"
#include "options.h"
#include "session.h"
#include "start.h"

static const char status_help[] =
    "Usage: tscns extend status [--json]\n"
    "\n"
    "Show the card's certificate validity and days left, the key size, the card family, the\n"
    "certificate file's size (when the card reports it) and whether a renewal is possible.\n"
    "\n"
    "  --json           machine-readable output\n";

enum { OPT_JSON = 'j' };

static const struct option longopts[] = {
    {"json", no_argument, NULL, OPT_JSON}, CLI_GLOBAL_LONGOPTS, {NULL, 0, NULL, 0}};

struct status {
    char serial[17];
    const char *reader, *family, *family_description;
    X509 *cert;
    size_t cert_len, capacity;
    int key_bits;
    long days_left;
    int possible;
    char reason[256];
};

/*
 * Renewal needs a certificate that is still valid (the CMP request and the TLS connection are
 * authenticated with it, as the official tool required a card not yet expired: docs/card.md,
 * section 6) and room in the file for a certificate at least as large as today's.
 */
static void judge(struct status *st)
{
    char until[64];

    cert_time_words(X509_get0_notAfter(st->cert), until, sizeof(until));
    if (X509_cmp_current_time(X509_get0_notBefore(st->cert)) > 0) {
        snprintf(st->reason, sizeof(st->reason), "the certificate is not valid yet");
    } else if (X509_cmp_current_time(X509_get0_notAfter(st->cert)) <= 0) {
        snprintf(st->reason, sizeof(st->reason),
                 "the certificate expired on %s: a renewal must be authenticated with a valid one",
                 until);
    } else if (st->capacity != 0 && st->capacity < st->cert_len) {
        snprintf(st->reason, sizeof(st->reason),
                 "the certificate file (%zu bytes) is smaller than the current certificate",
                 st->capacity);
    } else {
        st->possible = 1;
        if (st->capacity != 0)
            snprintf(st->reason, sizeof(st->reason),
                     "the certificate is valid; the file takes a certificate of up to %zu bytes",
                     st->capacity);
        else
            snprintf(st->reason, sizeof(st->reason),
                     "the certificate is valid; the card does not report its file size, so the "
                     "write will be checked by read-back");
    }
}

static void print_json(const struct status *st)
{
    char *subject = cert_name_words(X509_get_subject_name(st->cert));
    char *issuer = cert_name_words(X509_get_issuer_name(st->cert));
    char t1[64], t2[64];
    struct json j;

    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_string(&j, "reader", st->reader);
    json_string(&j, "serial", st->serial);
    json_string(&j, "family", st->family);
    json_string(&j, "family_description", st->family_description);
    json_begin_object(&j, "certificate");
    json_string(&j, "subject", subject != NULL ? subject : "");
    json_string(&j, "issuer", issuer != NULL ? issuer : "");
    json_string(&j, "not_before", cert_time_words(X509_get0_notBefore(st->cert), t1, sizeof(t1)));
    json_string(&j, "not_after", cert_time_words(X509_get0_notAfter(st->cert), t2, sizeof(t2)));
    json_int(&j, "not_after_epoch", (long long)cert_time_epoch(X509_get0_notAfter(st->cert)));
    json_int(&j, "days_left", st->days_left);
    json_int(&j, "size", (long long)st->cert_len);
    json_int(&j, "key_bits", st->key_bits);
    json_end_object(&j);
    if (st->capacity != 0)
        json_int(&j, "file_capacity", (long long)st->capacity);
    else
        json_null(&j, "file_capacity");
    json_bool(&j, "renewal_possible", st->possible);
    json_string(&j, "reason", st->reason);
    json_end_object(&j);
    fputc('\n', stdout);
    OPENSSL_free(subject);
    OPENSSL_free(issuer);
}

static void print_text(const struct status *st)
{
    char *subject = cert_name_words(X509_get_subject_name(st->cert));
    char t1[64], t2[64];

    printf("Card:              %s (%s)\n", st->serial, st->family_description);
    printf("Reader:            %s\n", st->reader);
    printf("Subject:           %s\n", subject != NULL ? subject : "?");
    printf("Valid:             %s to %s\n",
           cert_time_words(X509_get0_notBefore(st->cert), t1, sizeof(t1)),
           cert_time_words(X509_get0_notAfter(st->cert), t2, sizeof(t2)));
    if (st->days_left >= 0)
        printf("Days left:         %ld\n", st->days_left);
    else
        printf("Days left:         none (expired %ld %s ago)\n", -st->days_left,
               st->days_left == -1 ? "day" : "days");
    printf("Key:               RSA %d bits\n", st->key_bits);
    printf("Certificate size:  %zu bytes\n", st->cert_len);
    if (st->capacity != 0)
        printf("File capacity:     %zu bytes\n", st->capacity);
    else
        printf("File capacity:     not reported by the card\n");
    printf("Renewal possible:  %s: %s\n", st->possible ? "yes" : "no", st->reason);
    OPENSSL_free(subject);
}

static int collect(struct cli_session *s, struct status *st)
{
    const uint8_t *der;
    tscns_err err;

    st->reader = tscns_card_reader(s->card);
    st->family = tscns_card_family(s->card);
    st->family_description = tscns_card_family_description(s->card);
    err = tscns_card_serial(s->card, st->serial);
    if (err == TSCNS_OK)
        err = tscns_card_certificate(s->card, &der, &st->cert_len);
    if (err == TSCNS_OK)
        err = tscns_card_certificate_capacity(s->card, &st->capacity);
    if (err != TSCNS_OK)
        return cli_session_fail(s, err);
    st->cert = cert_from_der(der, st->cert_len);
    if (st->cert == NULL) {
        fprintf(stderr, "tscns extend: the card's certificate cannot be parsed; if an earlier "
                        "write broke it, put the backup back with `tscns extend restore`\n");
        return CLI_CARD_ERROR;
    }
    st->key_bits = EVP_PKEY_get_bits(X509_get0_pubkey(st->cert));
    st->days_left = cert_days_left(X509_get0_notAfter(st->cert));
    judge(st);
    return CLI_OK;
}

int extend_status(const struct cli_global *global, int argc, char **argv)
{
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_session s;
    struct status st;
    int c, json = 0, rc;

    cli_parse_init(&p, "extend status", status_help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = c == OPT_JSON;
    if (!cli_start(&p, c, &s, &rc))
        return rc;
    memset(&st, 0, sizeof(st));
    rc = collect(&s, &st);
    if (rc == CLI_OK) {
        if (json)
            print_json(&st);
        else
            print_text(&st);
    }
    X509_free(st.cert);
    cli_session_close(&s);
    return rc;
}
