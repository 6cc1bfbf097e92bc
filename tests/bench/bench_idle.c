/*
 * tscns-bench-idle: work that names no card key — TLS handshakes with server authentication
 * only, software RSA signatures, certificate decoding — to compare an OPENSSL_CONF that
 * activates only `default` with one that also activates `tscns` (docs/design.md: an idle provider
 * costs nothing). Not a test: it prints figures for tests/bench/run, which alternates the two
 * configurations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bench_clock.h"
#include "card_log.h"
#include "tls_client.h"

#define MAX_COUNT 1000000

struct options {
    char *host, *port;
    const char *cafile, *log, *cert;
    int tls_count, sign_count, x509_count;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tscns-bench-idle [--connect HOST:PORT --CAfile FILE --tls N] [--sign N]\n"
               "                        [--cert PEM --x509 N] [--log FILE]\n"
               "\n"
               "Loads OPENSSL_CONF, then does N TLS handshakes (server authentication only, one\n"
               "HTTP request each), N RSA-2048 PKCS#1 SHA-256 signatures with a software key,\n"
               "each verified, and N decodings of the certificate PEM (DER to X509 and its\n"
               "public key), as asked. Prints the active providers, the time to load the\n"
               "configuration, the mean and median wall time and the mean CPU time of this\n"
               "process per handshake and per signature, and\n"
               "with --log the number of APDUs the card answered meanwhile.\n");
}

static int parse_count(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > MAX_COUNT) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){0};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--connect") == 0) {
            char *colon = strrchr(argv[i + 1], ':');
            if (colon == NULL) {
                return 0;
            }
            *colon = '\0';
            o->host = argv[i + 1];
            o->port = colon + 1;
        } else if (strcmp(a, "--CAfile") == 0) {
            o->cafile = v;
        } else if (strcmp(a, "--log") == 0) {
            o->log = v;
        } else if (strcmp(a, "--tls") == 0) {
            if (!parse_count(v, &o->tls_count)) {
                return 0;
            }
        } else if (strcmp(a, "--sign") == 0) {
            if (!parse_count(v, &o->sign_count)) {
                return 0;
            }
        } else if (strcmp(a, "--x509") == 0) {
            if (!parse_count(v, &o->x509_count)) {
                return 0;
            }
        } else if (strcmp(a, "--cert") == 0) {
            o->cert = v;
        } else {
            return 0;
        }
    }
    if (argc % 2 == 0) {
        return 0;
    }
    return (o->tls_count == 0 || (o->host != NULL && o->cafile != NULL)) &&
           (o->x509_count == 0 || o->cert != NULL);
}

static int print_provider(OSSL_PROVIDER *p, void *first)
{
    printf("%s%s", *(int *)first ? "" : ",", OSSL_PROVIDER_get0_name(p));
    *(int *)first = 0;
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* T: wall time of each of N operations; CPU_MS: the process's CPU time for all of them. */
static void print_times(const char *what, double *t, int n, double cpu_ms, double scale,
                        const char *unit)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        sum += t[i];
    }
    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    printf("%s n=%d %s=%.3f %s_median=%.3f cpu_%s=%.3f\n", what, n, unit, sum / n * scale, unit,
           t[n / 2] * scale, unit, cpu_ms / n * scale);
}

/* Each handshake's wall time into T, the CPU time of all of them into *CPU_MS. */
static int run_tls(const struct options *o, double *t, double *cpu_ms)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    int ok = ctx != NULL && SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) == 1;
    if (ok) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    double cpu = bench_cpu_ms();
    for (int i = 0; ok && i < o->tls_count; i++) {
        double start = bench_now_ms();
        ok = tls_client_exchange(ctx, o->host, o->port);
        t[i] = bench_now_ms() - start;
    }
    *cpu_ms = bench_cpu_ms() - cpu;
    SSL_CTX_free(ctx);
    return ok;
}

/* One signature and its verification, each with a fresh context as an application makes it. */
static int sign_verify(EVP_PKEY *key)
{
    static const unsigned char msg[] = "a message no card key is asked to sign";
    unsigned char sig[512];
    size_t sig_len = sizeof(sig);
    EVP_MD_CTX *s = EVP_MD_CTX_new(), *v = EVP_MD_CTX_new();
    int ok = s != NULL && v != NULL &&
             EVP_DigestSignInit_ex(s, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
             EVP_DigestSign(s, sig, &sig_len, msg, sizeof(msg)) == 1 &&
             EVP_DigestVerifyInit_ex(v, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
             EVP_DigestVerify(v, sig, sig_len, msg, sizeof(msg)) == 1;
    EVP_MD_CTX_free(s);
    EVP_MD_CTX_free(v);
    return ok;
}

static int run_sign(const struct options *o, double *t, double *cpu_ms)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    int ok = key != NULL;
    double cpu = bench_cpu_ms();
    for (int i = 0; ok && i < o->sign_count; i++) {
        double start = bench_now_ms();
        ok = sign_verify(key);
        t[i] = bench_now_ms() - start;
    }
    *cpu_ms = bench_cpu_ms() - cpu;
    EVP_PKEY_free(key);
    return ok;
}

/*
 * Decoding a certificate goes through OpenSSL's decoder framework for its public key, which
 * looks at every provider's decoders and key managers: the place where a loaded provider can
 * cost something on every certificate a program reads.
 */
static int run_x509(const struct options *o, double *t, double *cpu_ms)
{
    unsigned char *der = NULL;
    int len = -1;
    FILE *f = fopen(o->cert, "r");
    X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL) {
        fclose(f);
    }
    if (x != NULL) {
        len = i2d_X509(x, &der);
    }
    X509_free(x);
    int ok = len > 0;
    double cpu = bench_cpu_ms();
    for (int i = 0; ok && i < o->x509_count; i++) {
        const unsigned char *p = der;
        double start = bench_now_ms();
        X509 *y = d2i_X509(NULL, &p, len);
        ok = y != NULL && X509_get0_pubkey(y) != NULL;
        X509_free(y);
        t[i] = bench_now_ms() - start;
    }
    *cpu_ms = bench_cpu_ms() - cpu;
    OPENSSL_free(der);
    return ok;
}

int main(int argc, char **argv)
{
    struct options o;
    card_log log = {0};
    card_span span;
    double *t = NULL;
    int rc = 1, first = 1;

    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (!parse_options(argc, argv, &o)) {
        usage(stderr);
        return 2;
    }
    if (o.log != NULL && card_log_open(&log, o.log) != 0) {
        perror(o.log);
        return 1;
    }
    double start = bench_now_ms();
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL)) {
        goto end;
    }
    printf("init ms=%.3f\nproviders names=", bench_now_ms() - start);
    OSSL_PROVIDER_do_all(NULL, print_provider, &first);
    printf("\n");
    int n = o.tls_count > o.sign_count ? o.tls_count : o.sign_count;
    n = n > o.x509_count ? n : o.x509_count;
    if (n > 0 && (t = calloc((size_t)n, sizeof(*t))) == NULL) {
        goto end;
    }
    double cpu_ms;
    if (o.tls_count > 0) {
        if (!run_tls(&o, t, &cpu_ms)) {
            goto end;
        }
        print_times("tls", t, o.tls_count, cpu_ms, 1.0, "ms");
    }
    if (o.sign_count > 0) {
        if (!run_sign(&o, t, &cpu_ms)) {
            goto end;
        }
        print_times("sign", t, o.sign_count, cpu_ms, 1e3, "us");
    }
    if (o.x509_count > 0) {
        if (!run_x509(&o, t, &cpu_ms)) {
            goto end;
        }
        print_times("x509", t, o.x509_count, cpu_ms, 1e3, "us");
    }
    if (log.f != NULL) {
        if (card_log_take(&log, &span) != 0) {
            fprintf(stderr, "tscns-bench-idle: the card log is not in the vcard.h format\n");
            goto end;
        }
        printf("card apdus=%lu\n", span.apdus);
    }
    rc = 0;
end:
    if (rc != 0) {
        ERR_print_errors_fp(stderr);
    }
    free(t);
    card_log_close(&log);
    return rc;
}
