/*
 * `tscns extend online`: a CMP certification request (RFC 4210 / 9480) for the card's existing
 * key, protected by a signature with the card key and the current certificate; the answer then
 * goes through extend_install_cert() like any file.
 *
 * The default is cr (RFC 4210 section 5.3.3: an entity that already holds a certificate asks
 * for another one), which any CA that knows the current certificate can serve. With --kur it
 * is a key update request (section 5.3.5, "certificate update"): the same template plus
 * oldCertID naming the certificate to be replaced; a CA may want that to retire the old one.
 * RFC 4210 lets the "updated" key equal the old one. OpenSSL 3.0's mock server (`openssl cmp
 * -port`) accepts a kur only when the certificate it serves has the old one's issuer and
 * serial number, so the tests exercise kur that way and cr with a fresh serial.
 */
#include "extend.h"

#include <stdio.h>
#include <string.h>

#include <openssl/cmp.h>
#include <openssl/http.h>

#include "card_cert.h"
#include "card_key.h"
#include "certfile.h"
#include "cmp_tls.h"
#include "options.h"
#include "ossl_report.h"
#include "output.h"
#include "progress.h"
#include "start.h"

static const char online_help[] =
    "Usage: tscns extend online --server URL --ca-cert FILE [options]\n"
    "\n"
    "Ask a CA for a renewed certificate for the card's key with CMP (RFC 4210 / 9480): a\n"
    "certification request protected by a signature with the card's key and current certificate\n"
    "(needs the PIN), over HTTP or HTTPS (TLS client authentication with the card). The\n"
    "answer is then installed exactly as `tscns extend install` does (checks, backup, PUK,\n"
    "write, read-back).\n"
    "\n"
    "  --server URL       the CMP server, http://HOST[:PORT]/PATH or https://...\n"
    "  --ca-cert FILE     CA certificates: the new certificate, the CMP server's signature\n"
    "                     and the HTTPS server must verify against them (required)\n"
    "  --server-cert FILE expect the CMP server to sign with exactly this certificate\n"
    "  --kur              send a key update request naming the current certificate\n"
    "                     (oldCertID) instead of a certification request (cr)\n"
    "  -o, --output FILE  also save the new certificate (PEM) to FILE before installing it\n"
    "  --pin-file FILE    read the PIN from the first line of FILE (default: ask)\n"
    "  --puk-file FILE    read the PUK from the first line of FILE (default: ask)\n"
    "  --no-puk           write without verifying the PUK (cards whose file needs no PUK)\n"
    "  --dry-run          get the certificate, check it and back up, but do not write\n"
    "  -y, --yes          do not ask before writing\n";

enum {
    OPT_SERVER = 's',
    OPT_CA = 'c',
    OPT_SRVCERT = 'S',
    OPT_OUT = 'o',
    OPT_PIN = 'P',
    OPT_PUK = 'p',
    OPT_NO_PUK = 'n',
    OPT_DRY = 'd',
    OPT_YES = 'y',
    OPT_KUR = 'k'
};

static const struct option longopts[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"ca-cert", required_argument, NULL, OPT_CA},
    {"server-cert", required_argument, NULL, OPT_SRVCERT},
    {"output", required_argument, NULL, OPT_OUT},
    /* --out: what earlier versions documented, so scripts may use it */
    {"out", required_argument, NULL, OPT_OUT},
    {"pin-file", required_argument, NULL, OPT_PIN},
    {"puk-file", required_argument, NULL, OPT_PUK},
    {"no-puk", no_argument, NULL, OPT_NO_PUK},
    {"dry-run", no_argument, NULL, OPT_DRY},
    {"yes", no_argument, NULL, OPT_YES},
    {"kur", no_argument, NULL, OPT_KUR},
    CLI_GLOBAL_LONGOPTS,
    {NULL, 0, NULL, 0}};

struct online_opts {
    const char *server, *server_cert, *out, *pin_file;
    int kur;
    struct install_opts install;
};

struct url {
    char *host, *port, *path;
    int port_num, tls;
};

static void url_free(struct url *u)
{
    OPENSSL_free(u->host);
    OPENSSL_free(u->port);
    OPENSSL_free(u->path);
}

static int cmp_log(const char *func, const char *file, int line, OSSL_CMP_severity level,
                   const char *msg)
{
    (void)func;
    (void)file;
    (void)line;
    if (level <= OSSL_CMP_LOG_WARNING)
        fprintf(stderr, "tscns extend: CMP: %s\n", msg);
    return 1;
}

static X509_STORE *load_trust(const char *ca_file)
{
    X509_STORE *store = X509_STORE_new();

    if (store != NULL && !X509_STORE_load_file(store, ca_file)) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

static int configure(OSSL_CMP_CTX *cmp, const struct online_opts *o, const struct url *u,
                     struct card_key *k, X509 *cert)
{
    X509_STORE *trust = load_trust(o->install.ca_file);
    X509 *srv = NULL;
    STACK_OF(X509) *rest = NULL;
    int ok;

    if (trust == NULL) {
        fprintf(stderr, "tscns extend: cannot read CA certificates from %s\n", o->install.ca_file);
        return 0;
    }
    if (!OSSL_CMP_CTX_set0_trustedStore(cmp, trust)) {
        X509_STORE_free(trust);
        return 0;
    }
    /* The new certificate is verified before it is confirmed to the CA, not only at install. */
    OSSL_CMP_CTX_set_certConf_cb(cmp, OSSL_CMP_certConf_cb);
    OSSL_CMP_CTX_set_certConf_cb_arg(cmp, trust);
    if (o->server_cert != NULL) {
        if (certfile_load(o->server_cert, &srv, &rest) != CLI_OK)
            return 0;
        ok = OSSL_CMP_CTX_set1_srvCert(cmp, srv);
        X509_free(srv);
        sk_X509_pop_free(rest, X509_free);
        if (!ok)
            return 0;
    }
    return OSSL_CMP_CTX_set1_server(cmp, u->host) &&
           OSSL_CMP_CTX_set_serverPort(cmp, u->port_num) &&
           OSSL_CMP_CTX_set1_serverPath(cmp, u->path) &&
           /* Protection: signed by the card key, identified by the current certificate. */
           OSSL_CMP_CTX_set1_cert(cmp, cert) && OSSL_CMP_CTX_set1_pkey(cmp, k->pkey) &&
           OSSL_CMP_CTX_set1_oldCert(cmp, cert) && EVP_PKEY_up_ref(k->pkey) &&
           /* Same key: the new public key is the card's, its proof of possession by the card. */
           OSSL_CMP_CTX_set0_newPkey(cmp, 1, k->pkey) &&
           OSSL_CMP_CTX_set_option(cmp, OSSL_CMP_OPT_POPO_METHOD, OSSL_CRMF_POPO_SIGNATURE) &&
           OSSL_CMP_CTX_set_option(cmp, OSSL_CMP_OPT_DIGEST_ALGNID, NID_sha256) &&
           OSSL_CMP_CTX_set_option(cmp, OSSL_CMP_OPT_MSG_TIMEOUT, 120) &&
           OSSL_CMP_CTX_set_option(cmp, OSSL_CMP_OPT_TOTAL_TIMEOUT, 600);
}

static int save_pem(const char *path, X509 *cert)
{
    size_t len;
    uint8_t *der = cert_to_der(cert, &len);
    int rc;

    if (der == NULL) {
        ossl_report("encoding the new certificate");
        return CLI_INTERNAL;
    }
    rc = cli_output_pem(path, "CERTIFICATE", der, len);
    OPENSSL_free(der);
    return rc;
}

/*
 * A certificate from the CMP context belongs to the provider's library context, which ends
 * before the install: re-parse it in the default context so it outlives that.
 */
static X509 *outside_copy(X509 *c)
{
    size_t len;
    uint8_t *der = cert_to_der(c, &len);
    X509 *copy = der != NULL ? cert_from_der(der, len) : NULL;

    OPENSSL_free(der);
    return copy;
}

static void add_copies(STACK_OF(X509) * to, STACK_OF(X509) * from)
{
    for (int i = 0; from != NULL && i < sk_X509_num(from); i++) {
        X509 *c = outside_copy(sk_X509_value(from, i));

        if (c != NULL && !sk_X509_push(to, c))
            X509_free(c);
    }
}

/* Everything the CA sent that may help build the chain: extraCerts and caPubs. */
static STACK_OF(X509) * answer_chain(OSSL_CMP_CTX *cmp)
{
    STACK_OF(X509) *extra = OSSL_CMP_CTX_get1_extraCertsIn(cmp);
    STACK_OF(X509) *pubs = OSSL_CMP_CTX_get1_caPubs(cmp);
    STACK_OF(X509) *chain = sk_X509_new_null();

    if (chain != NULL) {
        add_copies(chain, extra);
        add_copies(chain, pubs);
    }
    sk_X509_pop_free(extra, X509_free);
    sk_X509_pop_free(pubs, X509_free);
    return chain;
}

static int enrol(const struct online_opts *o, const struct url *u, struct card_key *k, X509 *cert,
                 X509 **newcert, STACK_OF(X509) * *chain)
{
    OSSL_CMP_CTX *cmp = OSSL_CMP_CTX_new(k->libctx, NULL);
    struct cmp_tls tls = {NULL, u->host};
    X509 *got;
    int rc = CLI_CARD_ERROR;

    if (cmp == NULL || !OSSL_CMP_CTX_set_log_cb(cmp, cmp_log) || !configure(cmp, o, u, k, cert)) {
        ossl_report("setting up the CMP client");
        goto end;
    }
    if (u->tls) {
        tls.ssl_ctx = cmp_tls_ctx(k->libctx, cert, k->pkey, o->install.ca_file);
        if (tls.ssl_ctx == NULL || !OSSL_CMP_CTX_set_http_cb(cmp, cmp_tls_cb) ||
            !OSSL_CMP_CTX_set_http_cb_arg(cmp, &tls)) {
            ossl_report("setting up TLS with the card");
            goto end;
        }
    }
    progress("sending a CMP %s to %s://%s:%d%s (signed on the card)",
             o->kur ? "key update request (kur)" : "certification request (cr)",
             u->tls ? "https" : "http", u->host, u->port_num, u->path);
    got = o->kur ? OSSL_CMP_exec_KUR_ses(cmp) : OSSL_CMP_exec_CR_ses(cmp);
    if (got == NULL) {
        char buf[512];

        if (OSSL_CMP_CTX_get_status(cmp) >= 0 &&
            OSSL_CMP_CTX_snprint_PKIStatus(cmp, buf, sizeof(buf)) != NULL)
            fprintf(stderr, "tscns extend: the CA answered: %s\n", buf);
        ossl_report("the CMP exchange");
        goto end;
    }
    *newcert = outside_copy(got);
    *chain = answer_chain(cmp);
    if (*newcert == NULL || *chain == NULL) {
        fprintf(stderr, "tscns extend: out of memory\n");
        rc = CLI_INTERNAL;
        goto end;
    }
    progress("the CA issued a certificate and the confirmation was accepted");
    rc = CLI_OK;
end:
    SSL_CTX_free(tls.ssl_ctx);
    OSSL_CMP_CTX_free(cmp);
    return rc;
}

static int parse_url(const char *server, struct url *u)
{
    memset(u, 0, sizeof(*u));
    if (!OSSL_HTTP_parse_url(server, &u->tls, NULL, &u->host, &u->port, &u->port_num, &u->path,
                             NULL, NULL)) {
        fprintf(stderr, "tscns extend: '%s' is not an http:// or https:// URL\n", server);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void take_option(struct online_opts *o, int c)
{
    switch (c) {
    case OPT_SERVER:
        o->server = optarg;
        break;
    case OPT_CA:
        o->install.ca_file = optarg;
        break;
    case OPT_SRVCERT:
        o->server_cert = optarg;
        break;
    case OPT_OUT:
        o->out = optarg;
        break;
    case OPT_PIN:
        o->pin_file = optarg;
        break;
    case OPT_PUK:
        o->install.puk_file = optarg;
        break;
    case OPT_NO_PUK:
        o->install.no_puk = 1;
        break;
    case OPT_DRY:
        o->install.dry_run = 1;
        break;
    case OPT_YES:
        o->install.yes = 1;
        break;
    case OPT_KUR:
        o->kur = 1;
        break;
    }
}

static int check_options(const char *cmd, const struct online_opts *o)
{
    if (o->server == NULL || o->install.ca_file == NULL)
        return cli_usage_error(cmd, "--server and --ca-cert are required");
    if (o->install.no_puk && o->install.puk_file != NULL)
        return cli_usage_error(cmd, "--no-puk and --puk-file contradict each other");
    return CLI_OK;
}

int extend_online(const struct cli_global *global, int argc, char **argv)
{
    struct cli_global g = *global;
    struct cli_parser p;
    struct online_opts o;
    struct card_key k;
    struct url u;
    char serial[17];
    STACK_OF(X509) *chain = NULL;
    X509 *cert = NULL, *newcert = NULL;
    int c, rc;

    memset(&o, 0, sizeof(o));
    cli_parse_init(&p, "extend online", online_help, "o:y", longopts, argc, argv, &g);
    while ((c = cli_next_option(&p)) >= 0)
        take_option(&o, c);
    if (!cli_start(&p, c, NULL, &rc))
        return rc;
    rc = check_options(p.cmd, &o);
    if (rc != CLI_OK)
        return rc;
    rc = parse_url(o.server, &u);
    if (rc != CLI_OK)
        return rc;
    progress("reading the card's certificate");
    rc = card_cert_read(&g, serial, &cert);
    if (rc != CLI_OK)
        goto end;
    progress("opening the card key through the tscns provider");
    rc = card_key_open(&k, &g, serial, o.pin_file);
    if (rc != CLI_OK)
        goto end;
    rc = enrol(&o, &u, &k, cert, &newcert, &chain);
    /* The provider's hold on the card ends here, before the write opens it again. */
    card_key_close(&k);
    if (rc != CLI_OK)
        goto end;
    if (o.out != NULL) {
        rc = save_pem(o.out, newcert);
        if (rc != CLI_OK)
            goto end;
        progress("saved the new certificate to %s", o.out);
    }
    rc = extend_install_cert(&g, &o.install, newcert, chain);
end:
    X509_free(newcert);
    sk_X509_pop_free(chain, X509_free);
    X509_free(cert);
    url_free(&u);
    return rc;
}
