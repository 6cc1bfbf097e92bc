/* One TLS client connection as the benchmarks count it: connect, handshake, one request. */
#ifndef BENCH_TLS_CLIENT_H
#define BENCH_TLS_CLIENT_H

#include <openssl/ssl.h>

/*
 * Connects to HOST:PORT, completes the handshake, sends "GET / HTTP/1.0" and reads the answer
 * to the server's close. A server that refuses the client certificate (TLS 1.3 says so only
 * after the client's Finished) makes it fail. Returns 1 on success; errors go to stderr.
 */
int tls_client_exchange(SSL_CTX *ctx, const char *host, const char *port);

/* The same, silent: a failure's errors stay on OpenSSL's queue for the caller to read. */
int tls_client_try(SSL_CTX *ctx, const char *host, const char *port);

#endif
