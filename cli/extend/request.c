/* `tscns extend request`: a PKCS#10 request for the card's subject and key, signed by the card. */
#include "extend.h"

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>

#include "card_key.h"
#include "certfile.h"
#include "options.h"
#include "ossl_report.h"
#include "output.h"
#include "progress.h"
#include "session.h"

static const char request_help[] =
    "usage: tscns extend request [-o FILE] [--pin-file FILE]\n"
    "\n"
    "Write a PKCS#10 certificate request (PEM) for the same subject and the same key as the\n"
    "card's certificate, signed with the card's key (needs the PIN). Give it to the CA; install\n"
    "its answer with `tscns extend install`.\n"
    "\n"
    "options:\n"
    "  -o, --out FILE   write the request to FILE (default: standard output)\n"
    "  --pin-file FILE  read the PIN from the first line of FILE (default: ask on the terminal)\n";

enum { OPT_OUT = 'o', OPT_PIN = 'p' };

static const struct option longopts[] = {{"out", required_argument, NULL, OPT_OUT},
                                         {"pin-file", required_argument, NULL, OPT_PIN},
                                         CLI_GLOBAL_LONGOPTS,
                                         {NULL, 0, NULL, 0}};

/* Serial and certificate come from cardio; the session ends before the provider uses the card. */
static int read_card(const struct cli_global *g, char serial[17], X509 **cert)
{
    struct cli_session s;
    const uint8_t *der;
    size_t len;
    tscns_err err;
    int rc;

    rc = cli_session_open(g, &s);
    if (rc != CLI_OK)
        return rc;
    err = tscns_card_serial(s.card, serial);
    if (err == TSCNS_OK)
        err = tscns_card_certificate(s.card, &der, &len);
    if (err != TSCNS_OK) {
        rc = cli_session_fail(&s, err);
        cli_session_close(&s);
        return rc;
    }
    *cert = cert_from_der(der, len);
    cli_session_close(&s);
    if (*cert == NULL) {
        fprintf(stderr, "tscns extend: the card's certificate cannot be parsed\n");
        return CLI_CARD_ERROR;
    }
    return CLI_OK;
}

static X509_REQ *make_request(struct card_key *k, X509 *cert)
{
    X509_REQ *req = X509_REQ_new_ex(k->libctx, NULL);
    EVP_MD *md = EVP_MD_fetch(k->libctx, "SHA256", NULL);
    int ok = req != NULL && md != NULL;

    /* The public key is the certificate's: the request must name exactly the card's key. */
    ok = ok && X509_REQ_set_version(req, 0) &&
         X509_REQ_set_subject_name(req, X509_get_subject_name(cert)) &&
         X509_REQ_set_pubkey(req, X509_get0_pubkey(cert));
    if (ok) {
        progress("signing the request on the card");
        ok = X509_REQ_sign(req, k->pkey, md) > 0;
    }
    EVP_MD_free(md);
    if (!ok) {
        ossl_report("signing the request with the card");
        X509_REQ_free(req);
        return NULL;
    }
    return req;
}

int extend_request(const struct cli_global *global, int argc, char **argv)
{
    struct cli_global g = *global;
    const char *out = NULL, *pin_file = NULL;
    char serial[17];
    struct card_key k;
    X509_REQ *req = NULL;
    X509 *cert = NULL;
    BIO *mem = NULL;
    char *pem;
    long pem_len;
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        int r = cli_global_option(&g, c, optarg);

        if (r < 0)
            return CLI_USAGE;
        if (r > 0)
            continue;
        if (c == OPT_OUT)
            out = optarg;
        else if (c == OPT_PIN)
            pin_file = optarg;
        else if (c == 'h')
            return cli_print_help(request_help);
        else
            return cli_usage_error("extend request", "unknown option");
    }
    if (optind != argc)
        return cli_usage_error("extend request", "unexpected argument '%s'", argv[optind]);

    progress("reading the card's certificate");
    rc = read_card(&g, serial, &cert);
    if (rc != CLI_OK)
        return rc;
    progress("opening the card key through the tscns provider");
    rc = card_key_open(&k, &g, serial, pin_file);
    if (rc != CLI_OK) {
        X509_free(cert);
        return rc;
    }
    req = make_request(&k, cert);
    rc = CLI_CARD_ERROR;
    if (req == NULL)
        goto end;
    /* Checked in software with the certificate's key: proves the card signed with that key. */
    if (X509_REQ_verify(req, X509_get0_pubkey(cert)) != 1) {
        ossl_report("checking the card's signature on the request");
        goto end;
    }
    progress("the request's signature verifies with the certificate's public key");
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || !PEM_write_bio_X509_REQ(mem, req)) {
        rc = CLI_INTERNAL;
        goto end;
    }
    pem_len = BIO_get_mem_data(mem, &pem);
    rc = cli_output(out, pem, (size_t)pem_len);
    if (rc == CLI_OK && out != NULL)
        progress("wrote the request to %s", out);
end:
    BIO_free(mem);
    X509_REQ_free(req);
    card_key_close(&k);
    X509_free(cert);
    return rc;
}
