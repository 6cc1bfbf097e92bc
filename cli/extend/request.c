/* `tscns extend request`: a PKCS#10 request for the card's subject and key, signed by the card. */
#include "extend.h"

#include <openssl/x509.h>

#include "card_cert.h"
#include "card_key.h"
#include "options.h"
#include "ossl_report.h"
#include "output.h"
#include "progress.h"
#include "start.h"

static const char request_help[] =
    "Usage: tscns extend request [-o FILE] [--pin-file FILE]\n"
    "\n"
    "Write a PKCS#10 certificate request (PEM) for the same subject and the same key as the\n"
    "card's certificate, signed with the card's key (needs the PIN). Give it to the CA; install\n"
    "its answer with `tscns extend install`.\n"
    "\n"
    "  -o, --output FILE  write the request to FILE (default: standard output)\n"
    "  --pin-file FILE    read the PIN from the first line of FILE (default: ask on the\n"
    "                     terminal)\n";

enum { OPT_OUT = 'o', OPT_PIN = 'p' };

static const struct option longopts[] = {
    {"output", required_argument, NULL, OPT_OUT},
    /* --out: what earlier versions documented, so scripts may use it */
    {"out", required_argument, NULL, OPT_OUT},
    {"pin-file", required_argument, NULL, OPT_PIN},
    CLI_GLOBAL_LONGOPTS,
    {NULL, 0, NULL, 0}};

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

/* PEM, as CAs and `openssl req` expect a request. */
static int write_request(const char *out, X509_REQ *req)
{
    unsigned char *der = NULL;
    int len = i2d_X509_REQ(req, &der);
    int rc;

    if (len <= 0) {
        ossl_report("encoding the request");
        return CLI_INTERNAL;
    }
    rc = cli_output_pem(out, "CERTIFICATE REQUEST", der, (size_t)len);
    OPENSSL_free(der);
    return rc;
}

int extend_request(const struct cli_global *global, int argc, char **argv)
{
    struct cli_global g = *global;
    struct cli_parser p;
    const char *out = NULL, *pin_file = NULL;
    char serial[17];
    struct card_key k;
    X509_REQ *req = NULL;
    X509 *cert = NULL;
    int c, rc;

    cli_parse_init(&p, "extend request", request_help, "o:", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0) {
        if (c == OPT_OUT)
            out = optarg;
        else
            pin_file = optarg;
    }
    if (!cli_start(&p, c, NULL, &rc))
        return rc;

    progress("reading the card's certificate");
    rc = card_cert_read(&g, serial, &cert);
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
    rc = write_request(out, req);
    if (rc == CLI_OK && out != NULL)
        progress("wrote the request to %s", out);
end:
    X509_REQ_free(req);
    card_key_close(&k);
    X509_free(cert);
    return rc;
}
