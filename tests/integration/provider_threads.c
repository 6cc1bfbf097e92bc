/*
 * tscns-test-threads: TLS client-auth handshakes through the tscns provider from several
 * threads of one process, and optionally from a forked child. Used by the provider tests for
 * concurrency, fork safety and the APDU count of repeated handshakes in one process.
 *
 *   tscns-test-threads --connect HOST:PORT --cert FILE|cns:URI --key FILE|cns:URI
 *                      [--CAfile FILE] [--threads N] [--count N] [--fork] [--tls1_2]
 *                      [--sigalgs LIST] [--seclevel N] [--between COMMAND]
 *
 * Each handshake sends "GET / HTTP/1.0" and reads the whole answer, so a server that rejects
 * the client certificate (TLS 1.3 says so only after the client's Finished) counts as failure.
 * With --fork, a child forked after the parent's handshakes does one more. With --between,
 * COMMAND (a shell command, e.g. pulling and reinserting the card) runs between two handshakes
 * of a thread.
 * Prints one summary line; exits 0 only if every handshake succeeded.
 */
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/store.h>

#define MAX_THREADS 64

static const char *host = "127.0.0.1", *port, *between;
static SSL_CTX *ctx;
static int count = 1;

static int tcp_connect(void)
{
    struct addrinfo hints = {0}, *res, *ai;
    int fd = -1;

    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* One handshake and one request; 1 on success. */
static int one_handshake(void)
{
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[4096];
    size_t got = 0;
    int fd, n, ok = 0;
    SSL *ssl;

    if ((fd = tcp_connect()) < 0) {
        perror("connect");
        return 0;
    }
    if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd)) {
        close(fd);
        SSL_free(ssl);
        return 0;
    }
    if (SSL_connect(ssl) != 1 || SSL_write(ssl, req, (int)strlen(req)) <= 0)
        goto end;
    while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
        got += (size_t)n;
    /* A clean close after an answer; an alert (certificate refused) is an error. */
    ok = got > 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
    if (ok)
        SSL_shutdown(ssl);
end:
    if (!ok)
        ERR_print_errors_fp(stderr);
    SSL_free(ssl);
    close(fd);
    return ok;
}

static void *worker(void *arg)
{
    int *failures = arg, i;

    for (i = 0; i < count; i++) {
        if (i > 0 && between != NULL && system(between) != 0) {
            fprintf(stderr, "--between command failed: %s\n", between);
            (*failures)++;
        }
        if (!one_handshake())
            (*failures)++;
    }
    return NULL;
}

static EVP_PKEY *load_store_key(const char *uri, X509 **cert, int expect)
{
    OSSL_STORE_CTX *s = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
    EVP_PKEY *pkey = NULL;
    OSSL_STORE_INFO *info;

    if (s == NULL)
        return NULL;
    OSSL_STORE_expect(s, expect);
    while (pkey == NULL && (cert == NULL || *cert == NULL) && !OSSL_STORE_eof(s)) {
        if ((info = OSSL_STORE_load(s)) == NULL)
            break;
        if (expect == OSSL_STORE_INFO_PKEY)
            pkey = OSSL_STORE_INFO_get1_PKEY(info);
        else
            *cert = OSSL_STORE_INFO_get1_CERT(info);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(s);
    return pkey;
}

static int use_cert_and_key(const char *cert_arg, const char *key_arg)
{
    X509 *cert = NULL;
    EVP_PKEY *key;
    int ok;

    if (strncmp(cert_arg, "cns:", 4) == 0) {
        load_store_key(cert_arg, &cert, OSSL_STORE_INFO_CERT);
        ok = cert != NULL && SSL_CTX_use_certificate(ctx, cert) == 1;
        X509_free(cert);
    } else {
        ok = SSL_CTX_use_certificate_chain_file(ctx, cert_arg) == 1;
    }
    if (!ok)
        return 0;
    if (strncmp(key_arg, "cns:", 4) == 0) {
        key = load_store_key(key_arg, NULL, OSSL_STORE_INFO_PKEY);
        ok = key != NULL && SSL_CTX_use_PrivateKey(ctx, key) == 1;
        EVP_PKEY_free(key);
    } else {
        ok = SSL_CTX_use_PrivateKey_file(ctx, key_arg, SSL_FILETYPE_PEM) == 1;
    }
    return ok && SSL_CTX_check_private_key(ctx) == 1;
}

static int run_threads(int nthreads)
{
    pthread_t tid[MAX_THREADS];
    int failures[MAX_THREADS] = {0};
    int i, total = 0;

    for (i = 0; i < nthreads; i++)
        if (pthread_create(&tid[i], NULL, worker, &failures[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return -1;
        }
    for (i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        total += failures[i];
    }
    return total;
}

static int run_child(void)
{
    pid_t pid = fork();
    int status;

    if (pid < 0)
        return 0;
    if (pid == 0)
        _exit(one_handshake() ? 0 : 1);
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: tscns-test-threads --connect HOST:PORT --cert C --key K [--CAfile F]"
                    " [--threads N] [--count N] [--fork] [--tls1_2] [--sigalgs L]"
                    " [--seclevel N] [--between COMMAND]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cert = NULL, *key = NULL, *cafile = NULL, *sigalgs = NULL;
    int nthreads = 1, do_fork = 0, tls12 = 0, seclevel = -1, i, failures;
    char *colon;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--fork") == 0)
            do_fork = 1;
        else if (strcmp(a, "--tls1_2") == 0)
            tls12 = 1;
        else if (i + 1 >= argc)
            usage();
        else if (strcmp(a, "--connect") == 0) {
            host = argv[++i];
            if ((colon = strrchr(argv[i], ':')) == NULL)
                usage();
            *colon = '\0';
            port = colon + 1;
        } else if (strcmp(a, "--cert") == 0)
            cert = argv[++i];
        else if (strcmp(a, "--key") == 0)
            key = argv[++i];
        else if (strcmp(a, "--CAfile") == 0)
            cafile = argv[++i];
        else if (strcmp(a, "--sigalgs") == 0)
            sigalgs = argv[++i];
        else if (strcmp(a, "--threads") == 0)
            nthreads = atoi(argv[++i]);
        else if (strcmp(a, "--count") == 0)
            count = atoi(argv[++i]);
        else if (strcmp(a, "--between") == 0)
            between = argv[++i];
        else if (strcmp(a, "--seclevel") == 0)
            seclevel = atoi(argv[++i]);
        else
            usage();
    }
    if (port == NULL || cert == NULL || key == NULL || nthreads < 1 || nthreads > MAX_THREADS ||
        count < 1)
        usage();
    if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
        return 1;
    if (tls12)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    if (seclevel >= 0)
        SSL_CTX_set_security_level(ctx, seclevel);
    if (sigalgs != NULL && SSL_CTX_set1_sigalgs_list(ctx, sigalgs) != 1)
        return 1;
    if (cafile != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1)
            return 1;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    if (!use_cert_and_key(cert, key)) {
        fprintf(stderr, "tscns-test-threads: cannot use the certificate and key\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    failures = run_threads(nthreads);
    printf("handshakes=%d failures=%d\n", nthreads * count, failures);
    if (failures != 0)
        return 1;
    if (do_fork) {
        if (!run_child()) {
            printf("fork: child failed\n");
            return 1;
        }
        printf("fork: child ok\n");
    }
    SSL_CTX_free(ctx);
    return 0;
}
