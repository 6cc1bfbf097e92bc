/* tscns info: everything readable without the PIN, for people or (--json) for scripts. */
#include <stdio.h>
#include <string.h>

#include "cert_summary.h"
#include "backend.h"
#include "cli.h"
#include "hex.h"
#include "json.h"
#include "options.h"
#include "session.h"
#include "start.h"

static const char help[] =
    "Usage: tscns info [--json]\n\n"
    "Show the card (serial, family, ATR), the backend that serves it and why, its\n"
    "authentication certificate (subject, issuer, validity, key size) and the holder's data\n"
    "from the card (EF_DatiPersonali; not through a PKCS#11 module). No PIN is needed.\n\n"
    "  --json   print one JSON object: serial, family, family_description, reader, atr,\n"
    "           backend, backend_why, certificate {subject, issuer, not_before, not_after,\n"
    "           key_bits, serial} with ISO 8601 dates, and personal {the 16 fields} with the\n"
    "           card's ddmmyyyy dates (null through a PKCS#11 module)\n";

/* Labels in tscns_personal_field order. */
static const char *const personal_labels[TSCNS_PD_COUNT] = {
    "Issuer code",
    "Issue date",
    "Card expiry",
    "Surname",
    "Given name",
    "Birth date",
    "Sex",
    "Height",
    "Codice fiscale",
    "Citizenship",
    "Birth municipality",
    "Birth country",
    "Birth record",
    "Residence municipality",
    "Residence address",
    "Expatriation notes",
};

struct card_info {
    const char *reader;
    const char *family;
    const char *description;
    char serial[17];
    char atr_hex[3 * TSCNS_MAX_ATR + 1];
    char atr_spaced[3 * TSCNS_MAX_ATR + 1];
    int have_cert;
    struct cert_summary cert;
    /* 0 when the backend cannot read EF_DatiPersonali (a PKCS#11 module). */
    int have_personal;
    tscns_personal personal;
    const char *backend;
    char backend_why[1200];
};

static int is_date_field(int f)
{
    return f == TSCNS_PD_ISSUE_DATE || f == TSCNS_PD_EXPIRY_DATE || f == TSCNS_PD_BIRTH_DATE;
}

/* ddmmyyyy as dd/mm/yyyy for people; anything else unchanged. */
static const char *human_date(const char *s, char *buf, size_t size)
{
    if (strlen(s) != 8 || strspn(s, "0123456789") != 8)
        return s;
    snprintf(buf, size, "%.2s/%.2s/%.4s", s, s + 2, s + 4);
    return buf;
}

static void print_text(const struct card_info *in)
{
    char date[16];

    printf("Reader:           %s\n", in->reader);
    printf("Card serial:      %s\n", in->serial);
    printf("Family:           %s (%s)\n", in->family, in->description);
    printf("ATR:              %s\n", in->atr_spaced[0] != '\0' ? in->atr_spaced : "(none)");
    printf("Backend:          %s (%s)\n", in->backend, in->backend_why);
    printf("\nAuthentication certificate\n");
    if (in->have_cert) {
        printf("  Subject:        %s\n", in->cert.subject);
        printf("  Issuer:         %s\n", in->cert.issuer);
        printf("  Valid from:     %s\n", in->cert.not_before);
        printf("  Valid until:    %s\n", in->cert.not_after);
        printf("  Key:            RSA %d bits\n", in->cert.key_bits);
        printf("  Serial number:  %s\n", in->cert.serial);
    } else {
        printf("  (the certificate on the card does not parse as X.509)\n");
    }
    printf("\nHolder (EF_DatiPersonali)\n");
    if (!in->have_personal)
        printf("  (not readable through a PKCS#11 module)\n");
    for (int f = 0; in->have_personal && f < TSCNS_PD_COUNT; f++) {
        const char *v = in->personal.field[f];

        if (*v == '\0')
            continue;
        printf("  %-23s %s\n", personal_labels[f],
               is_date_field(f) ? human_date(v, date, sizeof(date)) : v);
    }
}

static void print_json(const struct card_info *in)
{
    struct json j;

    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_string(&j, "serial", in->serial);
    json_string(&j, "family", in->family);
    json_string(&j, "family_description", in->description);
    json_string(&j, "reader", in->reader);
    json_string(&j, "atr", in->atr_hex);
    json_string(&j, "backend", in->backend);
    json_string(&j, "backend_why", in->backend_why);
    if (in->have_cert) {
        json_begin_object(&j, "certificate");
        json_string(&j, "subject", in->cert.subject);
        json_string(&j, "issuer", in->cert.issuer);
        json_string(&j, "not_before", in->cert.not_before);
        json_string(&j, "not_after", in->cert.not_after);
        json_int(&j, "key_bits", in->cert.key_bits);
        json_string(&j, "serial", in->cert.serial);
        json_end_object(&j);
    } else {
        json_null(&j, "certificate");
    }
    if (!in->have_personal) {
        json_null(&j, "personal");
        json_end_object(&j);
        return;
    }
    json_begin_object(&j, "personal");
    for (int f = 0; f < TSCNS_PD_COUNT; f++)
        json_string(&j, tscns_personal_field_name((tscns_personal_field)f), in->personal.field[f]);
    json_end_object(&j);
    json_end_object(&j);
}

/* Which backend serves the card and why, under the command's choice @p b. */
static void backend_why(const struct cli_session *s, const struct cli_backend *b,
                        struct card_info *in)
{
    in->backend = tscns_card_backend(s->card);
    if (strcmp(in->backend, "native") == 0)
        snprintf(in->backend_why, sizeof(in->backend_why), "tscns recognised the card; backend %s",
                 tscns_backend_name(b->backend));
    else
        snprintf(in->backend_why, sizeof(in->backend_why), "module %s, backend %s, from %s",
                 b->module, tscns_backend_name(b->backend), b->source);
}

static int collect(struct cli_session *s, struct card_info *in)
{
    const uint8_t *atr, *der;
    size_t atr_len, der_len;
    tscns_err err;

    in->reader = tscns_card_reader(s->card);
    in->family = tscns_card_family(s->card);
    in->description = tscns_card_family_description(s->card);
    atr = tscns_card_atr(s->card, &atr_len);
    cli_hex(atr, atr_len, '\0', in->atr_hex, sizeof(in->atr_hex));
    cli_hex(atr, atr_len, ' ', in->atr_spaced, sizeof(in->atr_spaced));

    err = tscns_card_serial(s->card, in->serial);
    if (err == TSCNS_OK)
        err = tscns_card_certificate(s->card, &der, &der_len);
    if (err == TSCNS_OK)
        err = tscns_card_personal(s->card, &in->personal);
    in->have_personal = err == TSCNS_OK;
    /* What the backend cannot give is shown as missing, never made up. */
    if (err == TSCNS_E_UNSUPPORTED)
        err = TSCNS_OK;
    if (err != TSCNS_OK)
        return cli_session_fail(s, err);
    in->have_cert = cert_summary_parse(der, der_len, &in->cert) == 0;
    if (!in->have_cert)
        fprintf(stderr, "tscns: warning: the certificate on the card does not parse as X.509\n");
    return CLI_OK;
}

int cmd_info(const struct cli_global *global, int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_GLOBAL_LONGOPTS, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    struct cli_global g = *global;
    struct cli_parser p;
    struct cli_session s;
    struct cli_backend b;
    struct card_info in;
    int json = 0, c, rc;

    cli_parse_init(&p, "info", help, "", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        json = 1;
    if (!cli_start(&p, c, &s, &rc))
        return rc;
    memset(&in, 0, sizeof(in));
    cli_backend_choose(&g, &b);
    backend_why(&s, &b, &in);
    rc = collect(&s, &in);
    if (rc == CLI_OK) {
        if (json)
            print_json(&in);
        else
            print_text(&in);
    }
    cli_session_close(&s);
    return rc;
}
