/*
 * tscns-bench-tls: COUNT TLS client-auth handshakes in one process with one credential route,
 * charging each phase the APDUs and card time it caused in the virtual card's log. Not a test:
 * it prints figures for tests/bench/run, which compares the routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "bench_clock.h"
#include "card_log.h"
#include "client_creds.h"
#include "tls_client.h"

#define DEFAULT_MODULE "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define MAX_COUNT 10000

struct options {
    char *host, *port;
    const char *route, *cert, *key, *module, *log, *cafile, *sigalgs;
    int count, tls12, seclevel, verbose;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tscns-bench-tls --connect HOST:PORT --route store|engine --cert URI --key URI\n"
            "                       [--count N] [--log FILE] [--module SO] [--CAfile FILE]\n"
            "                       [--tls1_2] [--sigalgs LIST] [--seclevel N] [--verbose]\n"
            "\n"
            "Loads the client certificate and key (store: OSSL_STORE, so cns: URIs through the\n"
            "tscns provider of OPENSSL_CONF, or files; engine: libp11's pkcs11 engine on SO,\n"
            "default " DEFAULT_MODULE ", pkcs11: URIs, PIN from\n"
            "$TSCNS_BENCH_PIN), then does N (default 10) handshakes, each with one HTTP request.\n"
            "With --log (the virtual card's APDU log), each phase is charged the APDUs and the\n"
            "card time it caused. Prints:\n"
            "  cold  ...  process start to the end of the first handshake (loading included)\n"
            "  later ...  each later handshake: means, and medians of the wall time and of\n"
            "             the host time (wall time - card time); gap_ms: the card idle\n"
            "             between the handshake's first and last APDU\n"
            "Exits 0 only if every handshake succeeded.\n");
}

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < min || v > max) {
        return 0;
    }
    *out = (int)v;
    return 1;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){.module = DEFAULT_MODULE, .count = 10, .seclevel = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--tls1_2") == 0) {
            o->tls12 = 1;
        } else if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
        } else if (i + 1 >= argc) {
            return 0;
        } else if (strcmp(a, "--connect") == 0) {
            char *colon = strrchr(argv[++i], ':');
            if (colon == NULL) {
                return 0;
            }
            *colon = '\0';
            o->host = argv[i];
            o->port = colon + 1;
        } else if (strcmp(a, "--route") == 0) {
            o->route = argv[++i];
        } else if (strcmp(a, "--cert") == 0) {
            o->cert = argv[++i];
        } else if (strcmp(a, "--key") == 0) {
            o->key = argv[++i];
        } else if (strcmp(a, "--module") == 0) {
            o->module = argv[++i];
        } else if (strcmp(a, "--log") == 0) {
            o->log = argv[++i];
        } else if (strcmp(a, "--CAfile") == 0) {
            o->cafile = argv[++i];
        } else if (strcmp(a, "--sigalgs") == 0) {
            o->sigalgs = argv[++i];
        } else if (strcmp(a, "--count") == 0) {
            if (!parse_int(argv[++i], 1, MAX_COUNT, &o->count)) {
                return 0;
            }
        } else if (strcmp(a, "--seclevel") == 0) {
            if (!parse_int(argv[++i], 0, 5, &o->seclevel)) {
                return 0;
            }
        } else {
            return 0;
        }
    }
    return o->host && o->route && o->cert && o->key &&
           (strcmp(o->route, "store") == 0 || strcmp(o->route, "engine") == 0);
}

static SSL_CTX *client_ctx(const struct options *o)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        return NULL;
    }
    if (o->tls12) {
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    }
    if (o->seclevel >= 0) {
        SSL_CTX_set_security_level(ctx, o->seclevel);
    }
    if (o->sigalgs != NULL && SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* Every handshake must be a full one that signs: no session resumption. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (o->cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, o->cafile, NULL) != 1) {
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

static int load_creds(SSL_CTX *ctx, const struct options *o)
{
    if (strcmp(o->route, "store") == 0) {
        return creds_from_store(ctx, o->cert, o->key);
    }
    const char *pin = getenv("TSCNS_BENCH_PIN");
    if (pin == NULL) {
        fprintf(stderr, "tscns-bench-tls: the engine route reads the PIN from TSCNS_BENCH_PIN\n");
        return 0;
    }
    return creds_from_engine(ctx, o->module, o->cert, o->key, pin);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int take(card_log *log, card_span *span)
{
    if (log->f == NULL) {
        memset(span, 0, sizeof(*span));
        return 0;
    }
    if (card_log_take(log, span) != 0) {
        fprintf(stderr, "tscns-bench-tls: a line of the card log is not in the vcard.h format\n");
        return -1;
    }
    return 0;
}

static void print_cold(const card_span *cold, double setup_ms, double wall_ms)
{
    char names[512];
    card_span_names(cold, names, sizeof(names));
    printf("cold apdus=%lu verify=%lu card_ms=%.1f wall_ms=%.1f setup_ms=%.1f names=%s\n",
           cold->apdus, card_span_count(cold, "VERIFY"), cold->card_ms, wall_ms, setup_ms,
           names[0] ? names : "-");
}

int main(int argc, char **argv)
{
    double t0 = bench_now_ms();
    struct options o;
    card_log log = {0};
    card_span span, cold, later = {0};
    SSL_CTX *ctx = NULL;
    /* per handshake: wall time, and host time = wall time - the card's time */
    double *walls = NULL, *hosts = NULL, later_wall = 0;
    unsigned long apdus_min = 0, apdus_max = 0;
    int failures = 0, rc = 1;

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
    /* The configuration (and so the provider module) is loaded inside the cold phase. */
    if (!OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) || (ctx = client_ctx(&o)) == NULL ||
        !load_creds(ctx, &o)) {
        fprintf(stderr, "tscns-bench-tls: setup failed\n");
        goto end;
    }
    double setup_ms = bench_now_ms() - t0;
    walls = calloc((size_t)o.count, sizeof(*walls));
    hosts = calloc((size_t)o.count, sizeof(*hosts));
    if (walls == NULL || hosts == NULL) {
        goto end;
    }
    for (int i = 0; i < o.count; i++) {
        double t = bench_now_ms();
        if (!tls_client_exchange(ctx, o.host, o.port)) {
            failures++;
        }
        walls[i] = bench_now_ms() - t;
        if (take(&log, &span) != 0) {
            goto end;
        }
        if (o.verbose) {
            printf("handshake %d wall_ms=%.2f apdus=%lu card_ms=%.2f gap_ms=%.2f\n", i + 1,
                   walls[i], span.apdus, span.card_ms, span.gap_ms);
        }
        if (i == 0) {
            /* The first take also holds the APDUs of loading the credentials. */
            cold = span;
            print_cold(&cold, setup_ms, bench_now_ms() - t0);
            continue;
        }
        if (i == 1 || span.apdus < apdus_min) {
            apdus_min = span.apdus;
        }
        if (span.apdus > apdus_max) {
            apdus_max = span.apdus;
        }
        card_span_add(&later, &span);
        later_wall += walls[i];
        hosts[i] = walls[i] - span.card_ms;
    }
    if (o.count > 1) {
        int n = o.count - 1;
        char names[512];
        qsort(walls + 1, (size_t)n, sizeof(*walls), cmp_double);
        qsort(hosts + 1, (size_t)n, sizeof(*hosts), cmp_double);
        card_span_names(&later, names, sizeof(names));
        printf("later n=%d apdus_min=%lu apdus_max=%lu verify=%lu card_ms=%.2f gap_ms=%.2f "
               "wall_ms=%.2f wall_ms_median=%.2f host_ms_median=%.2f names=%s\n",
               n, apdus_min, apdus_max, card_span_count(&later, "VERIFY"), later.card_ms / n,
               later.gap_ms / n, later_wall / n, walls[1 + n / 2], hosts[1 + n / 2],
               names[0] ? names : "-");
    }
    printf("handshakes=%d failures=%d\n", o.count, failures);
    rc = failures == 0 ? 0 : 1;
end:
    free(walls);
    free(hosts);
    SSL_CTX_free(ctx);
    creds_engine_release();
    card_log_close(&log);
    return rc;
}
