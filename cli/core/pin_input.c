#include "pin_input.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "tscns/pin_file.h"

#include "cli.h"

void cli_secret_wipe(char *buf, size_t size)
{
    OPENSSL_cleanse(buf, size);
}

/*
 * Read one line byte by byte, so nothing after the newline is consumed and no stdio buffer
 * keeps a copy of the secret. Each byte is first awaited with pselect() under @p wait_mask:
 * the prompt's signals are blocked everywhere else, so a Ctrl-C can only
 * arrive while waiting and never slips in just before a read that would then block.
 * Returns the length, -1 on a read error, -2 if the line does not fit, -3 if interrupted.
 */
static long read_line(int fd, char *buf, size_t size, const sigset_t *wait_mask)
{
    size_t n = 0;

    for (;;) {
        char c;
        ssize_t r;
        fd_set readable;

        FD_ZERO(&readable);
        FD_SET(fd, &readable);
        if (pselect(fd + 1, &readable, NULL, NULL, NULL, wait_mask) < 0) {
            if (errno == EINTR)
                return -3;
            return -1;
        }
        r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            return -3;
        if (r < 0)
            return -1;
        if (r == 0 || c == '\n')
            break;
        if (n + 1 >= size)
            return -2;
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (long)n;
}

/* Through cardio's reader, the one the provider's pin-source = file: uses too. */
static int from_file(const char *file, const char *what, char *buf, size_t size)
{
    char why[512];
    tscns_pin_file_status status = tscns_pin_file_read(file, buf, size, why, sizeof(why));

    if (status == TSCNS_PIN_FILE_OK)
        return CLI_OK;
    fprintf(stderr, "tscns: the %s file: %s\n", what, why);
    return status == TSCNS_PIN_FILE_BAD_CONTENT ? CLI_USAGE : CLI_FILE_ERROR;
}

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_PROMPT_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

struct prompt_guard {
    struct sigaction old[N_PROMPT_SIGNALS];
    sigset_t original;  /* the mask to restore */
    sigset_t wait_mask; /* the mask while waiting for a key: the prompt's signals let through */
};

/*
 * A Ctrl-C must end the wait, so the terminal gets its echo back before the process dies.
 * The signals are blocked before the handler goes in: a signal caught between the two would
 * be consumed before the wait began, and the wait would never end.
 */
static void guard_signals(struct prompt_guard *pg)
{
    struct sigaction sa;
    sigset_t blocked;

    sigemptyset(&blocked);
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaddset(&blocked, prompt_signals[i]);
    sigprocmask(SIG_BLOCK, &blocked, &pg->original);
    pg->wait_mask = pg->original;
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigdelset(&pg->wait_mask, prompt_signals[i]);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_mask = blocked;
    caught_signal = 0;
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaction(prompt_signals[i], &sa, &pg->old[i]);
}

static void release_signals(struct prompt_guard *pg)
{
    /* A signal that came after the last wait reaches on_signal() here, not the old handler. */
    sigprocmask(SIG_SETMASK, &pg->original, NULL);
    for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaction(prompt_signals[i], &pg->old[i], NULL);
}

static int from_tty(const char *prompt, const char *what, const char *option, char *buf,
                    size_t size)
{
    struct prompt_guard pg;
    struct termios saved, quiet;
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    long n;

    if (fd < 0 || tcgetattr(fd, &saved) != 0) {
        if (fd >= 0)
            close(fd);
        fprintf(stderr, "tscns: no terminal to ask for the %s on: give it with %s FILE\n", what,
                option);
        return CLI_USAGE;
    }

    guard_signals(&pg);
    quiet = saved;
    quiet.c_lflag &= (tcflag_t)~ECHO;
    quiet.c_lflag |= ECHONL;
    tcsetattr(fd, TCSAFLUSH, &quiet);
    if (write(fd, prompt, strlen(prompt)) < 0)
        n = -1;
    else
        n = read_line(fd, buf, size, &pg.wait_mask);
    tcsetattr(fd, TCSAFLUSH, &saved);
    close(fd);
    release_signals(&pg);

    if (caught_signal != 0) {
        /*
         * Die of the signal as the caller arranged. One ignored since the process started (a
         * job a shell put in the background) stays ignored: then the prompt is only cancelled.
         */
        cli_secret_wipe(buf, size);
        raise(caught_signal);
        fprintf(stderr, "\ntscns: cancelled: no %s sent to the card\n", what);
        return CLI_USAGE;
    }
    if (n == -2) {
        fprintf(stderr, "tscns: that is too long to be a %s\n", what);
        return CLI_USAGE;
    }
    if (n < 0) {
        fprintf(stderr, "tscns: cannot read the %s from the terminal\n", what);
        return CLI_USAGE;
    }
    if (n == 0) {
        fprintf(stderr, "tscns: no %s given: nothing sent to the card\n", what);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_secret_read(const char *file, const char *option, const char *prompt, const char *what,
                    char *buf, size_t size)
{
    int rc;

    buf[0] = '\0';
    rc =
        file != NULL ? from_file(file, what, buf, size) : from_tty(prompt, what, option, buf, size);
    if (rc != CLI_OK)
        cli_secret_wipe(buf, size);
    return rc;
}
