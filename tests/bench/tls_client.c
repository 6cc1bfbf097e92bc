/* One TLS connection with a request and its full answer, so the server's verdict counts. */
#include "tls_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

static int tcp_connect(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
    int fd = -1;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "bench: %s:%s: %s\n", host, port, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        perror("bench: connect");
        return -1;
    }
    /* Handshake flights are small writes: Nagle would add delayed-ACK waits to the figures. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int tls_client_try(SSL_CTX *ctx, const char *host, const char *port)
{
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    char buf[4096];
    size_t got = 0;
    int n = 0, ok = 0;
    int fd = tcp_connect(host, port);
    if (fd < 0) {
        return 0;
    }
    SSL *ssl = SSL_new(ctx);
    if (ssl == NULL || !SSL_set_fd(ssl, fd)) {
        goto end;
    }
    if (SSL_connect(ssl) != 1 || SSL_write(ssl, req, (int)strlen(req)) <= 0) {
        goto end;
    }
    while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) {
        got += (size_t)n;
    }
    ok = got > 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
    if (ok) {
        SSL_shutdown(ssl);
    }
end:
    SSL_free(ssl);
    close(fd);
    return ok;
}

int tls_client_exchange(SSL_CTX *ctx, const char *host, const char *port)
{
    int ok = tls_client_try(ctx, host, port);
    if (!ok) {
        fprintf(stderr, "bench: TLS exchange with %s:%s failed\n", host, port);
        ERR_print_errors_fp(stderr);
    }
    return ok;
}
