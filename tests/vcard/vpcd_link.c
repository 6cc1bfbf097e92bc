/* vpcd socket I/O, tuned against the 44 ms delayed-ACK trap described in docs/testing.md. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vpcd_link.h"

static int try_connect(const struct addrinfo *ai)
{
    for (; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            return fd;
        }
        close(fd);
    }
    return -1;
}

int vpcd_connect(const char *host, int port, int timeout_ms, volatile int *stop)
{
    char service[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    snprintf(service, sizeof(service), "%d", port);
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "tscns-vcard: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }
    /* No event tells that vpcd listens: poll every 20 ms, bounded by the timeout. */
    const struct timespec step = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    int fd = -1;
    for (int waited = 0; !*stop; waited += 20) {
        fd = try_connect(ai);
        if (fd >= 0 || waited >= timeout_ms) {
            break;
        }
        nanosleep(&step, NULL);
    }
    freeaddrinfo(ai);
    if (fd < 0 && !*stop) {
        fprintf(stderr,
                "tscns-vcard: vpcd does not listen on %s:%d after %d ms (is pcscd "
                "running with a vpcd reader on that port?)\n",
                host, port, timeout_ms);
    }
    return fd;
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);
        if (n == 0) {
            return 1;
        }
        if (n < 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t head[2];
    int rc = read_all(fd, head, 2);
    if (rc != 0) {
        return rc;
    }
    /* vpcd sends the payload in a second write; acking at once avoids a delayed-ACK stall. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
    *len = (size_t)head[0] << 8 | head[1];
    if (*len > cap) {
        fprintf(stderr, "tscns-vcard: vpcd sent %zu bytes, more than an APDU can be\n", *len);
        return -1;
    }
    return read_all(fd, buf, *len);
}

int vpcd_send(int fd, const uint8_t *buf, size_t len)
{
    if (len > 0xFFFF) {
        return -1;
    }
    uint8_t *msg = malloc(len + 2);
    if (!msg) {
        return -1;
    }
    msg[0] = (uint8_t)(len >> 8);
    msg[1] = (uint8_t)len;
    memcpy(msg + 2, buf, len);
    size_t off = 0;
    int rc = 0;
    while (off < len + 2) {
        ssize_t n = send(fd, msg + off, len + 2 - off, MSG_NOSIGNAL);
        if (n < 0) {
            rc = -1;
            break;
        }
        off += (size_t)n;
    }
    free(msg);
    return rc;
}
