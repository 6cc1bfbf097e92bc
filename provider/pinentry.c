#include "pinentry.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

extern char **environ;

/* Assuan lines are at most 1000 bytes. */
#define LINE_MAX_LEN 1000
#define COMMAND_WAIT_MS 10000
#define PIN_WAIT_MS (5 * 60 * 1000)
#define EXIT_WAIT_MS 2000

typedef struct conn {
    int fd;
    char buf[LINE_MAX_LEN + 2];
    size_t have;
} conn;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The next line (without its '\n') into @p line, waiting at most @p wait_ms in all. 1, or 0 on
 * timeout, end of file or a line too long. What was read past the line stays buffered.
 */
static int read_line(conn *c, char *line, size_t cap, int wait_ms)
{
    long long end = now_ms() + wait_ms;

    for (;;) {
        char *nl = memchr(c->buf, '\n', c->have);
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        long long left;
        ssize_t n;

        if (nl != NULL) {
            size_t len = (size_t)(nl - c->buf);

            if (len >= cap)
                return 0;
            memcpy(line, c->buf, len);
            line[len] = '\0';
            memmove(c->buf, nl + 1, c->have - len - 1);
            c->have -= len + 1;
            OPENSSL_cleanse(c->buf + c->have, len + 1);
            return 1;
        }
        if (c->have >= sizeof(c->buf) - 1 || (left = end - now_ms()) <= 0)
            return 0;
        if (poll(&p, 1, (int)left) <= 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
        if (n <= 0)
            return 0;
        c->have += (size_t)n;
    }
}

/* Percent-encode what Assuan needs encoded (%, CR, LF) into @p out. */
static void encode(const char *in, char *out, size_t cap)
{
    size_t o = 0;

    for (; *in != '\0' && o + 4 < cap; in++) {
        if (*in == '%' || *in == '\n' || *in == '\r')
            o += (size_t)snprintf(out + o, cap - o, "%%%02X", (unsigned char)*in);
        else
            out[o++] = *in;
    }
    out[o] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decode @p in into @p out; 0 when malformed or too long. */
static int decode(const char *in, char *out, size_t cap)
{
    size_t o = 0;

    for (; *in != '\0'; in++) {
        int c = (unsigned char)*in;

        if (c == '%') {
            int hi = hexval(in[1]), lo = hi < 0 ? -1 : hexval(in[2]);

            if (lo < 0)
                return 0;
            c = hi * 16 + lo;
            in += 2;
        }
        if (o + 1 >= cap)
            return 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 1;
}

/*
 * Send @p cmd and read up to its OK. A "D" line is decoded into @p data (when not NULL).
 * 1 on OK; 0 with @p why set otherwise.
 */
static int command(conn *c, const char *cmd, int wait_ms, char *data, size_t cap, char *why,
                   size_t whycap)
{
    char line[LINE_MAX_LEN + 1];
    size_t len = strlen(cmd);
    int ok = 0;

    /* MSG_NOSIGNAL: a pinentry that died must not kill the program with SIGPIPE. */
    if (send(c->fd, cmd, len, MSG_NOSIGNAL) != (ssize_t)len ||
        send(c->fd, "\n", 1, MSG_NOSIGNAL) != 1) {
        snprintf(why, whycap, "the pinentry program stopped");
        return 0;
    }
    for (;;) {
        if (!read_line(c, line, sizeof(line), wait_ms)) {
            snprintf(why, whycap, "the pinentry program did not answer in time");
            break;
        }
        if (strncmp(line, "OK", 2) == 0) {
            ok = 1;
            break;
        }
        if (strncmp(line, "ERR", 3) == 0) {
            /* 83886179: GPG_ERR_CANCELED with the pinentry source. */
            if (strstr(line, "cancel") != NULL || strstr(line, "Cancel") != NULL ||
                strncmp(line, "ERR 83886179", 12) == 0)
                snprintf(why, whycap, "cancelled at the pinentry prompt");
            else
                snprintf(why, whycap, "the pinentry program answered: %.200s", line);
            break;
        }
        if (data != NULL && strncmp(line, "D ", 2) == 0 && !decode(line + 2, data, cap)) {
            snprintf(why, whycap, "the pinentry program gave a malformed or too long answer");
            break;
        }
    }
    OPENSSL_cleanse(line, sizeof(line));
    return ok;
}

/* The terminal pinentry-tty and -curses should use, or NULL. */
static const char *terminal(void)
{
    const char *t = getenv("GPG_TTY");

    if (t != NULL && t[0] == '/')
        return t;
    if ((t = ttyname(STDIN_FILENO)) != NULL || (t = ttyname(STDERR_FILENO)) != NULL)
        return t;
    return NULL;
}

static pid_t start(const char *program, int *fd)
{
    posix_spawn_file_actions_t fa;
    char *argv[2] = {(char *)program, NULL};
    int sv[2];
    pid_t pid = -1;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    /* dup2 clears close-on-exec on the copies only: the child keeps just stdin and stdout. */
    if (posix_spawn_file_actions_init(&fa) == 0) {
        int rc = posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);

        if (rc == 0)
            rc = posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
        if (rc == 0)
            rc = posix_spawn(&pid, program, &fa, NULL, argv, environ);
        if (rc != 0) {
            pid = -1;
            errno = rc;
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    close(sv[1]);
    if (pid < 0) {
        int e = errno;

        close(sv[0]);
        errno = e;
    } else
        *fd = sv[0];
    return pid;
}

static void finish(pid_t pid)
{
    long long end = now_ms() + EXIT_WAIT_MS;
    struct timespec pause = {0, 10 * 1000 * 1000};

    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (now_ms() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        nanosleep(&pause, NULL);
    }
}

int tsp_pinentry_get(const char *program, const char *desc, const char *prompt, char *pin,
                     size_t cap, char *why, size_t whycap)
{
    char cmd[LINE_MAX_LEN], text[LINE_MAX_LEN - 16];
    const char *tty = terminal(), *term = getenv("TERM");
    conn c = {.fd = -1};
    pid_t pid;
    int ok;

    pin[0] = '\0';
    if ((pid = start(program, &c.fd)) < 0) {
        snprintf(why, whycap, "cannot run the pinentry program %s: %s", program, strerror(errno));
        return 0;
    }
    ok = read_line(&c, cmd, sizeof(cmd), COMMAND_WAIT_MS) && strncmp(cmd, "OK", 2) == 0;
    if (!ok)
        snprintf(why, whycap, "the pinentry program %s did not greet", program);
    if (ok && tty != NULL) {
        snprintf(cmd, sizeof(cmd), "OPTION ttyname=%.900s", tty);
        ok = command(&c, cmd, COMMAND_WAIT_MS, NULL, 0, why, whycap);
    }
    if (ok && tty != NULL && term != NULL) {
        snprintf(cmd, sizeof(cmd), "OPTION ttytype=%.900s", term);
        ok = command(&c, cmd, COMMAND_WAIT_MS, NULL, 0, why, whycap);
    }
    if (ok)
        ok = command(&c, "SETTITLE TS-CNS card PIN", COMMAND_WAIT_MS, NULL, 0, why, whycap);
    if (ok) {
        encode(desc, text, sizeof(text));
        snprintf(cmd, sizeof(cmd), "SETDESC %s", text);
        ok = command(&c, cmd, COMMAND_WAIT_MS, NULL, 0, why, whycap);
    }
    if (ok) {
        encode(prompt, text, sizeof(text));
        snprintf(cmd, sizeof(cmd), "SETPROMPT %s", text);
        ok = command(&c, cmd, COMMAND_WAIT_MS, NULL, 0, why, whycap);
    }
    if (ok && !(ok = command(&c, "GETPIN", PIN_WAIT_MS, pin, cap, why, whycap)))
        OPENSSL_cleanse(pin, cap);
    if (ok && pin[0] == '\0') {
        snprintf(why, whycap, "no PIN entered at the pinentry prompt");
        ok = 0;
    }
    send(c.fd, "BYE\n", 4, MSG_NOSIGNAL);
    OPENSSL_cleanse(c.buf, sizeof(c.buf));
    close(c.fd);
    finish(pid);
    return ok;
}
