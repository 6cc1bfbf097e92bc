#include "assuan.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>

/* Assuan lines are at most 1000 bytes. */
#define LINE_MAX_LEN 1000
#define COMMAND_WAIT_MS 10000
#define PIN_WAIT_MS (5 * 60 * 1000)

typedef struct conn {
    int fd;
    char buf[LINE_MAX_LEN + 2];
    size_t have;
} conn;

long long tsp_assuan_now_ms(void)
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
    long long end = tsp_assuan_now_ms() + wait_ms;

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
        if (c->have >= sizeof(c->buf) - 1 || (left = end - tsp_assuan_now_ms()) <= 0)
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

int tsp_assuan_getpin(int fd, const char *program, const char *tty, const char *term,
                      const char *desc, const char *prompt, char *pin, size_t cap, char *why,
                      size_t whycap)
{
    char cmd[LINE_MAX_LEN], text[LINE_MAX_LEN - 16];
    conn c = {.fd = fd};
    int ok;

    pin[0] = '\0';
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
    if (ok)
        ok = command(&c, "GETPIN", PIN_WAIT_MS, pin, cap, why, whycap);
    if (ok && pin[0] == '\0') {
        snprintf(why, whycap, "no PIN entered at the pinentry prompt");
        ok = 0;
    }
    /* All of it: a failed decode may have left part of a PIN anywhere in the buffer. */
    if (!ok)
        OPENSSL_cleanse(pin, cap);
    send(c.fd, "BYE\n", 4, MSG_NOSIGNAL);
    OPENSSL_cleanse(c.buf, sizeof(c.buf));
    return ok;
}
