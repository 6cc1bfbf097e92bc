/*
 * tscns-soak-load: the load of tests/bench/soak, one process of it.
 *
 *   tscns-soak-load sign --key cns:URI [--threads N] [--count N] [--sample-at N]
 *   tscns-soak-load tls --connect HOST:PORT --cert FILE|cns:URI --key cns:URI [--CAfile FILE]
 *                   [--threads N] [--count N] [--sample-at N]
 *
 * sign: every thread makes COUNT RSA signatures (EVP_PKEY_sign of a SHA-256 hash, a fresh
 * EVP_PKEY_CTX each) with the one card key loaded at start. tls: COUNT TLS client-auth
 * exchanges per thread. Every operation either succeeds or fails; a failure is classified by
 * the text of OpenSSL's error queue (the provider's reason strings, provider/errors.c) as
 * "removed", "no-card", "pcscd" or "other", and the text of every "other" is printed, since the
 * soak accepts none. The process's open descriptors and resident size are sampled when the
 * 100th (--sample-at) operation ends and after the last, so that growth across the run shows.
 * A failed operation is followed by a 200 ms pause before the next.
 * Prints "ready" once the key is loaded, then at the end one `soak:` line (operations, failures by
 * cause, fds and rss_kb as start/sample/end, wall time); exits 0 when no failure is "other".
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/store.h>

#include "client_creds.h"
#include "tls_client.h"

#define MAX_THREADS 64

enum cause { C_REMOVED, C_NO_CARD, C_PCSCD, C_OTHER, C_COUNT };
static const char *const cause_name[C_COUNT] = {"removed", "no-card", "pcscd", "other"};

/* Reason strings of provider/errors.c, in the order they are looked for. A pcscd that went
 * away also takes its readers with it until it is back, and breaks the calls under way. */
static const struct {
    const char *text;
    enum cause cause;
} patterns[] = {
    {"the card was removed or reset", C_REMOVED},
    {"no card in reader", C_NO_CARD},
    {"no PC/SC service", C_PCSCD},
    {"no smart-card reader", C_PCSCD},
    /* SCARD_F_COMM_ERROR: the socket to the pcscd that was stopped broke under the call */
    {"returned 0x80100013", C_PCSCD},
};

static struct {
    int tls, threads, count, sample_at;
    const char *host, *port;
    EVP_PKEY *key;
    SSL_CTX *ctx;
} o = {.threads = 1, .count = 1, .sample_at = 100};

static atomic_int done;
static atomic_int failures[C_COUNT];
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sample {
    int fds;
    long rss_kb;
} at_sample, at_end;

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (d == NULL) {
        return -1;
    }
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    /* ".", ".." and the descriptor of the listing itself */
    return n - 3;
}

static long rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "VmRSS: %ld", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}

static int collect(const char *str, size_t len, void *u)
{
    char *buf = u;
    size_t used = strlen(buf);
    snprintf(buf + used, 2048 - used, "%.*s", (int)len, str);
    return 1;
}

/* Classify the failure of the operation just done, from this thread's error queue. */
static void record_failure(void)
{
    char text[2048] = "";
    enum cause c = C_OTHER;
    ERR_print_errors_cb(collect, text);
    /* one line per failure, however many errors the queue held */
    for (char *nl = strchr(text, '\n'); nl != NULL; nl = strchr(nl, '\n')) {
        *nl = nl[1] == '\0' ? '\0' : ' ';
    }
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        if (strstr(text, patterns[i].text) != NULL) {
            c = patterns[i].cause;
            break;
        }
    }
    atomic_fetch_add(&failures[c], 1);
    if (c == C_OTHER) {
        pthread_mutex_lock(&print_lock);
        fprintf(stderr, "soak: unclassified failure: %s\n", text[0] ? text : "(no error text)");
        pthread_mutex_unlock(&print_lock);
    }
}

static int sign_once(void)
{
    static const char msg[] = "tscns soak";
    unsigned char hash[32], sig[512];
    size_t siglen = sizeof(sig);
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, o.key, NULL);
    int ok = pctx != NULL && EVP_Digest(msg, sizeof(msg) - 1, hash, NULL, EVP_sha256(), NULL) &&
             EVP_PKEY_sign_init(pctx) > 0 &&
             EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) > 0 &&
             EVP_PKEY_sign(pctx, sig, &siglen, hash, sizeof(hash)) > 0;
    EVP_PKEY_CTX_free(pctx);
    return ok;
}

static const struct timespec retry_pause = {.tv_sec = 0, .tv_nsec = 200 * 1000 * 1000};

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < o.count; i++) {
        ERR_clear_error();
        int ok = o.tls ? tls_client_try(o.ctx, o.host, o.port) : sign_once();
        if (!ok) {
            record_failure();
            /* As a client that retries would: a pulled card makes every operation fail at
             * once, and without a pause the threads would spend their count in one gap. */
            nanosleep(&retry_pause, NULL);
        }
        if (atomic_fetch_add(&done, 1) + 1 == o.sample_at) {
            at_sample = (struct sample){count_fds(), rss_kb()};
        }
    }
    ERR_clear_error();
    return NULL;
}

static EVP_PKEY *load_key(const char *uri)
{
    EVP_PKEY *pkey = NULL;
    OSSL_STORE_CTX *s = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    if (s == NULL) {
        return NULL;
    }
    OSSL_STORE_expect(s, OSSL_STORE_INFO_PKEY);
    while (pkey == NULL && !OSSL_STORE_eof(s)) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(s);
        if (info == NULL) {
            break;
        }
        pkey = OSSL_STORE_INFO_get1_PKEY(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(s);
    return pkey;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(void)
{
    fprintf(stderr, "usage: tscns-soak-load sign --key cns:URI [--threads N] [--count N]"
                    " [--sample-at N]\n"
                    "       tscns-soak-load tls --connect HOST:PORT --cert C --key cns:URI"
                    " [--CAfile F] [--threads N] [--count N] [--sample-at N]\n");
    exit(2);
}

static int setup_tls(const char *cert, const char *key, const char *cafile)
{
    if ((o.ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
        return 0;
    }
    /* The RSA-1024 cards need it; what is soaked is the card, not the cipher policy. */
    SSL_CTX_set_security_level(o.ctx, 1);
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(o.ctx, cafile, NULL) != 1) {
            return 0;
        }
        SSL_CTX_set_verify(o.ctx, SSL_VERIFY_PEER, NULL);
    }
    return creds_from_store(o.ctx, cert, key);
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *cafile = NULL;
    pthread_t tid[MAX_THREADS];
    char *colon;

    if (argc < 2 || (strcmp(argv[1], "sign") != 0 && strcmp(argv[1], "tls") != 0)) {
        usage();
    }
    o.tls = strcmp(argv[1], "tls") == 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--key") == 0) {
            key = v;
        } else if (strcmp(a, "--cert") == 0) {
            cert = v;
        } else if (strcmp(a, "--CAfile") == 0) {
            cafile = v;
        } else if (strcmp(a, "--threads") == 0) {
            o.threads = atoi(v);
        } else if (strcmp(a, "--count") == 0) {
            o.count = atoi(v);
        } else if (strcmp(a, "--sample-at") == 0) {
            o.sample_at = atoi(v);
        } else if (strcmp(a, "--connect") == 0 && (colon = strrchr(v, ':')) != NULL) {
            *colon = '\0';
            o.host = v;
            o.port = colon + 1;
        } else {
            usage();
        }
    }
    if (argc % 2 != 0 || key == NULL || o.threads < 1 || o.threads > MAX_THREADS || o.count < 1 ||
        (o.tls && (o.port == NULL || cert == NULL))) {
        usage();
    }
    if (o.tls ? !setup_tls(cert, key, cafile) : (o.key = load_key(key)) == NULL) {
        fprintf(stderr, "tscns-soak-load: cannot load the card key %s\n", key);
        ERR_print_errors_fp(stderr);
        return 1;
    }
    /* The soak script starts pulling the card once every load process has its key. */
    printf("ready\n");
    fflush(stdout);
    struct sample start = {count_fds(), rss_kb()};
    double t0 = now_s();
    int started = 0;
    for (; started < o.threads; started++) {
        if (pthread_create(&tid[started], NULL, worker, NULL) != 0) {
            fprintf(stderr, "tscns-soak-load: pthread_create failed\n");
            break;
        }
    }
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
    }
    double wall = now_s() - t0;
    at_end = (struct sample){count_fds(), rss_kb()};
    int failed = 0;
    for (int c = 0; c < C_COUNT; c++) {
        failed += failures[c];
    }
    printf("soak: %s ops=%d ok=%d", o.tls ? "tls" : "sign", (int)done, (int)done - failed);
    for (int c = 0; c < C_COUNT; c++) {
        printf(" %s=%d", cause_name[c], (int)failures[c]);
    }
    printf(" fds=%d/%d/%d rss_kb=%ld/%ld/%ld wall_s=%.1f\n", start.fds, at_sample.fds, at_end.fds,
           start.rss_kb, at_sample.rss_kb, at_end.rss_kb, wall);
    EVP_PKEY_free(o.key);
    SSL_CTX_free(o.ctx);
    return started == o.threads && failures[C_OTHER] == 0 ? 0 : 1;
}
