/*
 * tscns-test-signer: one long-running process that signs with a card key through tscns.so,
 * for the deadline and fork tests (cardio-stall.sh, provider-fork.sh).
 *
 *   tscns-test-signer URI
 *       loads the key once (OPENSSL_CONF gives the provider and its pin-source), then reads
 *       commands from stdin: "sign" signs a SHA-256 digest and prints "ok MS" or
 *       "fail MS ERRORS" (MS: milliseconds the call took; ERRORS: OpenSSL's error queue on
 *       one line); "fork" forks a child that signs once with the inherited key, prints
 *       "child ok MS" or "child fail MS ERRORS" itself and exits, and prints "forked EXIT"
 *       once it ended (EXIT: its exit status); "quit" exits 0. The test script changes the
 *       card between commands.
 *   tscns-test-signer URI --fork N
 *       one thread signs in a loop while the main thread forks N times, each time while that
 *       thread is inside a signature; each child signs once with the inherited key and exits
 *       0 on success. Prints "forks=N children_ok=C parent_signatures=S parent_failures=F";
 *       exits 0 when every child and every parent signature succeeded.
 * Exits 2 on a setup error.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/store.h>

#include "driver_key.h"

static EVP_PKEY *key;
/* The signing thread's own context, made once: its loop is the card operation and little else
 * (no method fetch, whose OpenSSL lock a child would inherit held: OpenSSL 3.0 has no fork
 * handlers of its own). */
static EVP_PKEY_CTX *loop_ctx;
static atomic_int in_sign, stop;
/* Counts the signing thread's signatures as they start. */
static atomic_long started;
/* The signing thread's kernel id, for /proc/self/task/ID/syscall. */
static atomic_long signer_tid;
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static int parent_sigs, parent_failures;

static int sign_once(void)
{
    static const unsigned char msg[] = "tscns-test-signer";
    unsigned char sig[512];
    size_t siglen = sizeof(sig);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) == 1;

    EVP_MD_CTX_free(md);
    return ok;
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* OpenSSL's error queue on one line (the script greps it for the message). */
static void print_errors(void)
{
    unsigned long e;
    const char *data;
    int flags;
    char buf[256];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        printf(" [%s%s%s]", buf, (flags & ERR_TXT_STRING) ? ": " : "",
               (flags & ERR_TXT_STRING) ? data : "");
    }
}

/* One signature, and its line: "PREFIXok MS" or "PREFIXfail MS ERRORS". */
static int sign_command(const char *prefix)
{
    long t0 = now_ms();
    int ok = sign_once();

    printf("%s%s %ld", prefix, ok ? "ok" : "fail", now_ms() - t0);
    if (!ok)
        print_errors();
    printf("\n");
    fflush(stdout);
    return ok;
}

/* The threads of this process now (/proc/self/task), -1 if unknown. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/*
 * The "fork" command, between two card operations: no other thread runs. The worker thread of
 * the last card call has handed its answer back but may still be ending (freeing memory), so
 * the fork waits, at most 5 s, until it is gone: gcc 12's ASan allocator takes no lock around
 * fork(), and a child forked while that thread is inside free() waits in its first malloc for
 * good (cardio/README.md, "fork()"; forks during card calls are fork-locked.sh's). The child
 * ends with exit(), as a forking server's does: its libraries' exit handlers run in it.
 */
static void fork_command(void)
{
    struct timespec ms = {0, 1000000};
    int status;
    pid_t pid;

    for (int i = 0; i < 5000 && thread_count() > 1; i++)
        nanosleep(&ms, NULL);
    pid = fork();

    if (pid == 0)
        exit(sign_command("child ") ? 0 : 1);
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        printf("forked -1\n");
    else
        printf("forked %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    fflush(stdout);
}

static int commands(void)
{
    char line[64];

    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strcmp(line, "quit\n") == 0)
            return 0;
        if (strcmp(line, "sign\n") == 0) {
            sign_command("");
            continue;
        }
        if (strcmp(line, "fork\n") == 0) {
            fork_command();
            continue;
        }
        fprintf(stderr, "tscns-test-signer: unknown command %s", line);
        return 2;
    }
    return 0;
}

/* A raw signature of a SHA-256 digest through a context made once. */
static int sign_digest(void)
{
    unsigned char digest[32] = {1, 2, 3}, sig[512];
    size_t siglen = sizeof(sig);

    return EVP_PKEY_sign(loop_ctx, sig, &siglen, digest, sizeof(digest)) == 1;
}

static void *sign_loop(void *arg)
{
    /* A server's pace: pcscd hands a waiting transaction (the child's) over only when it polls
     * the card lock, every 100 ms, and finds it free; back-to-back signatures would starve it. */
    const struct timespec pause = {0, 150 * 1000000L};

    (void)arg;
    atomic_store(&signer_tid, (long)syscall(SYS_gettid));
    while (!atomic_load(&stop)) {
        int ok;

        atomic_store(&in_sign, 1);
        atomic_fetch_add(&started, 1);
        ok = sign_digest();
        atomic_store(&in_sign, 0);
        pthread_mutex_lock(&done_mu);
        parent_sigs++;
        pthread_cond_signal(&done_cv);
        pthread_mutex_unlock(&done_mu);
        nanosleep(&pause, NULL);
        if (!ok) {
            parent_failures++;
            ERR_print_errors_fp(stderr);
        }
    }
    return NULL;
}

/* 1 when the signing thread is blocked in futex(2), per /proc/self/task/ID/syscall. */
static int signer_in_futex(void)
{
    char path[64], line[64] = "";
    FILE *f;

    snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", atomic_load(&signer_tid));
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    return atoi(line) == SYS_futex;
}

/*
 * Wait until the signing thread is inside a card operation: 15 ms into one signature (with the
 * virtual card's realistic timing MSE RESTORE, MSE SET and PSO DECIPHER take 80 ms and more)
 * and, at that moment, asleep in futex(2). No other thread contends for a lock, so that sleep is
 * cardio's wait for its PC/SC worker: the thread holds the card, its PC/SC transaction and its
 * handle's lock, and no lock of libcrypto. Forking while a thread is inside libcrypto is what
 * neither cardio nor any library can make safe: OpenSSL 3.0 takes no lock around fork(), and
 * a child that inherits one of its locks taken (read or write) hangs at its first libcrypto
 * call that needs it (seen in the sanitizer build, where the software around the card
 * operation is slow enough for a bare 15 ms mark to land in it).
 */
static void await_card_operation(void)
{
    for (;;) {
        long n, t0;

        while (!atomic_load(&in_sign))
            sched_yield();
        n = atomic_load(&started);
        t0 = now_ms();
        while (atomic_load(&in_sign) && atomic_load(&started) == n && now_ms() - t0 < 15)
            sched_yield();
        while (atomic_load(&in_sign) && atomic_load(&started) == n && !signer_in_futex())
            sched_yield();
        if (atomic_load(&in_sign) && atomic_load(&started) == n)
            return;
    }
}

/* Fork while the signing thread is inside a card operation; the child signs once. */
static int fork_once(void)
{
    pid_t pid;
    int status;

    await_card_operation();
    pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        int ok = sign_once();

        if (!ok)
            ERR_print_errors_fp(stderr);
        _exit(ok ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int forks(int n)
{
    pthread_t t;
    int children_ok = 0;

    loop_ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (loop_ctx == NULL || EVP_PKEY_sign_init(loop_ctx) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(loop_ctx, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(loop_ctx, EVP_sha256()) != 1 ||
        pthread_create(&t, NULL, sign_loop, NULL) != 0) {
        ERR_print_errors_fp(stderr);
        return 2;
    }
    for (int i = 0; i < n; i++)
        children_ok += fork_once();
    /* The parent goes on signing after the last child. */
    pthread_mutex_lock(&done_mu);
    for (int target = parent_sigs + 2; parent_sigs < target;)
        pthread_cond_wait(&done_cv, &done_mu);
    pthread_mutex_unlock(&done_mu);
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    EVP_PKEY_CTX_free(loop_ctx);
    printf("forks=%d children_ok=%d parent_signatures=%d parent_failures=%d\n", n, children_ok,
           parent_sigs, parent_failures);
    return children_ok == n && parent_failures == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--fork") == 0)) {
        fprintf(stderr, "usage: tscns-test-signer URI [--fork N]\n");
        return 2;
    }
    if ((key = driver_load_key(NULL, argv[1], NULL)) == NULL) {
        fprintf(stderr, "tscns-test-signer: cannot load the key %s\n", argv[1]);
        ERR_print_errors_fp(stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    rc = argc == 4 ? forks(atoi(argv[3])) : commands();
    EVP_PKEY_free(key);
    return rc;
}
