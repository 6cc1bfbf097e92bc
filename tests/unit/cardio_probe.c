/*
 * tscns-cardio-probe: drive cardio's PC/SC transport from a shell test (cardio-pcsc.sh).
 *
 *   tscns-cardio-probe [--reader SUB] [--serial S] COMMAND
 *
 * COMMAND: readers | info | personal-until-ok | personal-across-restart | sign | fork-sign |
 *          fork-locked | reset-then-sign
 * The PIN comes from the environment variable TSCNS_PROBE_PIN, never from the command line.
 * Results are "key: value" lines on stdout; a cardio error prints
 * "error: NAME: message (detail)" and exits 1.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <PCSC/winscard.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tscns/card.h"

static const char *const err_names[] = {
    "TSCNS_OK",
    "TSCNS_E_INVALID_ARG",
    "TSCNS_E_NOMEM",
    "TSCNS_E_NO_SERVICE",
    "TSCNS_E_NO_READER",
    "TSCNS_E_NO_CARD",
    "TSCNS_E_CARD_REMOVED",
    "TSCNS_E_CARD_RESET",
    "TSCNS_E_SHARING",
    "TSCNS_E_UNKNOWN_CARD",
    "TSCNS_E_CONTACTLESS",
    "TSCNS_E_COMM",
    "TSCNS_E_BAD_RESPONSE",
    "TSCNS_E_NOT_FOUND",
    "TSCNS_E_PIN_INCORRECT",
    "TSCNS_E_PIN_BLOCKED",
    "TSCNS_E_PUK_BLOCKED",
    "TSCNS_E_PIN_REJECTED",
    "TSCNS_E_SECURITY",
    "TSCNS_E_CARD_STATUS",
    "TSCNS_E_TOO_LARGE",
    "TSCNS_E_MISMATCH",
    "TSCNS_E_CANCELLED",
    "TSCNS_E_INTERNAL",
    "TSCNS_E_TIMEOUT",
    "TSCNS_E_UNSUPPORTED",
    "TSCNS_E_PKCS11",
};

static const char *err_name(tscns_err e)
{
    return (size_t)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "?";
}

static int report(const char *what, tscns_err e, const char *detail)
{
    printf("error: %s: %s: %s (%s)\n", what, err_name(e), tscns_strerror(e),
           detail != NULL ? detail : "");
    /* Apart, so the test can check that the detail does not say the headline again. */
    printf("headline: %s\ndetail: %s\n", tscns_strerror(e), detail != NULL ? detail : "");
    fflush(stdout);
    return 1;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Sign a fixed block with the card key and check it with the certificate's public key. */
static tscns_err sign_and_check(tscns_card *card, const char *who)
{
    uint8_t in[512] = {0}, out[512], back[512];
    size_t k = 0, out_len = sizeof(out), back_len = sizeof(back);
    const uint8_t *der = NULL;
    const unsigned char *p;
    size_t der_len = 0;
    X509 *x;
    EVP_PKEY_CTX *c;
    int ok;
    tscns_err e;

    e = tscns_card_key_bytes(card, &k);
    if (e == TSCNS_OK)
        e = tscns_card_certificate(card, &der, &der_len);
    if (e != TSCNS_OK)
        return e;
    for (size_t i = 1; i < k; i++)
        in[i] = (uint8_t)(i * 7 + (unsigned)getpid());
    e = tscns_card_rsa_private(card, in, k, out, &out_len);
    if (e != TSCNS_OK)
        return e;
    p = der;
    x = d2i_X509(NULL, &p, (long)der_len);
    c = x != NULL ? EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL) : NULL;
    ok = c != NULL && EVP_PKEY_verify_recover_init(c) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1 &&
         EVP_PKEY_verify_recover(c, back, &back_len, out, out_len) == 1 && back_len == k &&
         memcmp(back, in, k) == 0;
    EVP_PKEY_CTX_free(c);
    X509_free(x);
    printf("%s-signature: %s\n", who, ok ? "valid" : "INVALID");
    fflush(stdout);
    return ok ? TSCNS_OK : TSCNS_E_MISMATCH;
}

static int verify_env_pin(tscns_card *card)
{
    const char *pin = getenv("TSCNS_PROBE_PIN");
    int tries = -1;
    tscns_err e;

    if (pin == NULL)
        return report("verify", TSCNS_E_CANCELLED, "TSCNS_PROBE_PIN is not set");
    e = tscns_card_verify_pin(card, pin, &tries);
    if (e != TSCNS_OK)
        return report("verify", e, tscns_card_detail(card));
    printf("pin: verified\n");
    return 0;
}

static int cmd_readers(tscns_ctx *ctx)
{
    tscns_reader *list = NULL;
    size_t n = 0;
    double t0 = now_ms();
    tscns_err e = tscns_ctx_readers(ctx, &list, &n);

    printf("elapsed-ms: %.0f\n", now_ms() - t0);
    if (e != TSCNS_OK)
        return report("readers", e, tscns_ctx_detail(ctx));
    for (size_t i = 0; i < n; i++)
        printf("reader: %s | %s | %s\n", list[i].name, list[i].card_present ? "card" : "empty",
               list[i].family != NULL ? list[i].family : "-");
    free(list);
    return 0;
}

static int cmd_info(tscns_card *card)
{
    char serial[17];
    tscns_err e = tscns_card_serial(card, serial);

    if (e != TSCNS_OK)
        return report("serial", e, tscns_card_detail(card));
    printf("reader: %s\nfamily: %s\nserial: %s\napdus: %lu\n", tscns_card_reader(card),
           tscns_card_family(card), serial, tscns_card_apdu_count(card));
    return 0;
}

/*
 * Read EF_DatiPersonali until it works: the test pulls the card in the middle of the first read
 * and puts it back once this prints the error. cardio has no event to wait on, so poll, bounded.
 */
static int cmd_personal_until_ok(tscns_card *card)
{
    tscns_personal p;
    tscns_err last = TSCNS_OK;

    for (int i = 0; i < 400; i++) {
        tscns_err e = tscns_card_personal(card, &p);

        if (e == TSCNS_OK) {
            printf("personal: ok\nsurname: %s\n", p.field[TSCNS_PD_SURNAME]);
            return 0;
        }
        if (e != last) {
            printf("personal: %s\n", err_name(e));
            if (last == TSCNS_OK)
                printf("headline: %s\ndetail: %s\n", tscns_strerror(e), tscns_card_detail(card));
            fflush(stdout);
            last = e;
        }
        if (e != TSCNS_E_CARD_REMOVED)
            return report("personal", e, tscns_card_detail(card));
        usleep(50000);
    }
    return report("personal", last, "the card never came back");
}

/*
 * Read EF_DatiPersonali, say "ready", wait for the file named by TSCNS_PROBE_GO (the test
 * restarts pcscd meanwhile; bounded wait of 30 s), then read again through the same handle.
 */
static int cmd_personal_across_restart(tscns_card *card)
{
    const char *go = getenv("TSCNS_PROBE_GO");
    tscns_personal p;
    tscns_err e;

    if (go == NULL)
        return report("usage", TSCNS_E_INVALID_ARG, "TSCNS_PROBE_GO is not set");
    e = tscns_card_personal(card, &p);
    if (e != TSCNS_OK)
        return report("first read", e, tscns_card_detail(card));
    printf("first: ok\nready\n");
    fflush(stdout);
    for (int i = 0; i < 1500 && access(go, F_OK) != 0; i++)
        usleep(20000);
    if (access(go, F_OK) != 0)
        return report("wait", TSCNS_E_INTERNAL, "no go from the test");
    e = tscns_card_personal(card, &p);
    printf("second: %s\n", err_name(e));
    return e == TSCNS_OK ? 0 : report("second read", e, tscns_card_detail(card));
}

static int cmd_sign(tscns_card *card)
{
    tscns_err e;

    if (verify_env_pin(card) != 0)
        return 1;
    e = sign_and_check(card, "parent");
    return e == TSCNS_OK ? 0 : report("sign", e, tscns_card_detail(card));
}

/* The child signs through its own PC/SC context; the parent's keeps working afterwards. */
static int cmd_fork_sign(tscns_card *card)
{
    pid_t pid;
    int status = 0;
    tscns_err e;

    if (verify_env_pin(card) != 0)
        return 1;
    e = sign_and_check(card, "parent");
    if (e != TSCNS_OK)
        return report("sign", e, tscns_card_detail(card));
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        return report("fork", TSCNS_E_INTERNAL, "fork failed");
    if (pid == 0) {
        e = sign_and_check(card, "child");
        if (e != TSCNS_OK)
            report("child sign", e, tscns_card_detail(card));
        fflush(stdout);
        _exit(e == TSCNS_OK ? 0 : 1);
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return report("child", TSCNS_E_INTERNAL, "the child failed");
    printf("child: ok\n");
    e = sign_and_check(card, "parent-after");
    return e == TSCNS_OK ? 0 : report("sign after fork", e, tscns_card_detail(card));
}

/*
 * fork-locked: a thread holds the card (tscns_card_lock, a signature inside) when the main
 * thread forks; the child, which does not have that thread, signs with the same handle once
 * the parent has let the card go (a pipe says so: while another client holds the card's
 * PC/SC transaction, pcscd keeps a new connection waiting). Without fork handling the child
 * would wait for the handle's lock, held by a thread it does not have, for good.
 */
static pthread_mutex_t hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cv = PTHREAD_COND_INITIALIZER;
static int holding, release_card;

static void *hold_card(void *arg)
{
    tscns_card *card = arg;
    tscns_err e = tscns_card_lock(card);

    if (e == TSCNS_OK)
        e = sign_and_check(card, "holder");
    pthread_mutex_lock(&hold_mu);
    holding = e == TSCNS_OK ? 1 : -1;
    pthread_cond_broadcast(&hold_cv);
    while (!release_card)
        pthread_cond_wait(&hold_cv, &hold_mu);
    pthread_mutex_unlock(&hold_mu);
    tscns_card_unlock(card);
    return NULL;
}

static int cmd_fork_locked(tscns_card *card)
{
    pthread_t t;
    pid_t pid;
    int status = 0, ok, gate[2];
    char byte = 0;
    tscns_err e;

    if (verify_env_pin(card) != 0)
        return 1;
    if (pipe(gate) != 0)
        return report("pipe", TSCNS_E_INTERNAL, "pipe failed");
    if (pthread_create(&t, NULL, hold_card, card) != 0)
        return report("thread", TSCNS_E_INTERNAL, "pthread_create failed");
    pthread_mutex_lock(&hold_mu);
    while (holding == 0)
        pthread_cond_wait(&hold_cv, &hold_mu);
    pthread_mutex_unlock(&hold_mu);
    fflush(stdout);
    pid = holding > 0 ? fork() : -1;
    if (pid == 0) {
        e = read(gate[0], &byte, 1) == 1 ? sign_and_check(card, "child") : TSCNS_E_INTERNAL;
        if (e != TSCNS_OK)
            report("child sign", e, tscns_card_detail(card));
        fflush(stdout);
        _exit(e == TSCNS_OK ? 0 : 1);
    }
    pthread_mutex_lock(&hold_mu);
    release_card = 1;
    pthread_cond_broadcast(&hold_cv);
    pthread_mutex_unlock(&hold_mu);
    pthread_join(t, NULL);
    if (write(gate[1], &byte, 1) != 1)
        report("pipe", TSCNS_E_INTERNAL, "write failed");
    close(gate[0]);
    close(gate[1]);
    ok =
        pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        return report("child", TSCNS_E_INTERNAL, "the child failed");
    printf("child: ok\n");
    e = sign_and_check(card, "parent-after");
    return e == TSCNS_OK ? 0 : report("sign after fork", e, tscns_card_detail(card));
}

/* Another program (its own PC/SC context) resets the card between two signatures. */
static int reset_card(const char *reader)
{
    SCARDCONTEXT c;
    SCARDHANDLE h;
    DWORD proto;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c);

    if (rv == SCARD_S_SUCCESS) {
        rv = SCardConnect(c, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, &h, &proto);
        if (rv == SCARD_S_SUCCESS) {
            rv = SCardReconnect(h, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &proto);
            SCardDisconnect(h, SCARD_LEAVE_CARD);
        }
        SCardReleaseContext(c);
    }
    return rv == SCARD_S_SUCCESS ? 0 : -1;
}

static int cmd_reset_then_sign(tscns_card *card)
{
    uint8_t in[512] = {0}, out[512];
    size_t k = 0, out_len = sizeof(out);
    tscns_err e;

    if (verify_env_pin(card) != 0)
        return 1;
    e = sign_and_check(card, "before-reset");
    if (e != TSCNS_OK)
        return report("sign", e, tscns_card_detail(card));
    if (reset_card(tscns_card_reader(card)) != 0)
        return report("reset", TSCNS_E_COMM, "could not reset the card");
    printf("reset: done\n");
    tscns_card_key_bytes(card, &k);
    in[k - 1] = 1;
    e = tscns_card_rsa_private(card, in, k, out, &out_len);
    printf("after-reset: %s\npin-verified: %d\n", err_name(e), tscns_card_pin_verified(card));
    if (verify_env_pin(card) != 0)
        return 1;
    e = sign_and_check(card, "after-verify");
    return e == TSCNS_OK ? 0 : report("sign", e, tscns_card_detail(card));
}

int main(int argc, char **argv)
{
    const char *reader = NULL;
    const char *serial = NULL;
    const char *cmd;
    tscns_ctx *ctx = NULL;
    tscns_card *card = NULL;
    double t0;
    tscns_err e;
    int rc;
    int i = 1;

    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--reader") == 0)
            reader = argv[i + 1];
        else if (strcmp(argv[i], "--serial") == 0)
            serial = argv[i + 1];
        else
            break;
    }
    if (i != argc - 1) {
        fprintf(stderr,
                "usage: %s [--reader SUB] [--serial S] "
                "readers|info|personal-until-ok|personal-across-restart|sign|fork-sign|"
                "reset-then-sign\n",
                argv[0]);
        return 2;
    }
    cmd = argv[i];
    if (tscns_ctx_new(&ctx) != TSCNS_OK)
        return 1;
    if (strcmp(cmd, "readers") == 0) {
        rc = cmd_readers(ctx);
        tscns_ctx_free(ctx);
        return rc;
    }
    t0 = now_ms();
    e = tscns_card_open(ctx, reader, serial, &card);
    printf("open-ms: %.0f\n", now_ms() - t0);
    if (e != TSCNS_OK) {
        rc = report("open", e, tscns_ctx_detail(ctx));
        tscns_ctx_free(ctx);
        return rc;
    }
    if (strcmp(cmd, "info") == 0)
        rc = cmd_info(card);
    else if (strcmp(cmd, "personal-until-ok") == 0)
        rc = cmd_personal_until_ok(card);
    else if (strcmp(cmd, "personal-across-restart") == 0)
        rc = cmd_personal_across_restart(card);
    else if (strcmp(cmd, "sign") == 0)
        rc = cmd_sign(card);
    else if (strcmp(cmd, "fork-sign") == 0)
        rc = cmd_fork_sign(card);
    else if (strcmp(cmd, "fork-locked") == 0)
        rc = cmd_fork_locked(card);
    else if (strcmp(cmd, "reset-then-sign") == 0)
        rc = cmd_reset_then_sign(card);
    else
        rc = report("usage", TSCNS_E_INVALID_ARG, cmd);
    tscns_card_close(card);
    tscns_ctx_free(ctx);
    return rc;
}
