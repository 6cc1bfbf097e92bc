/* The vpcd wire protocol (docs/testing.md): 2-byte big-endian length, then the payload. */
#ifndef VCARD_VPCD_LINK_H
#define VCARD_VPCD_LINK_H

#include <stddef.h>
#include <stdint.h>

/** vpcd's control bytes (a 1-byte payload). */
#define VPCD_POWER_OFF 0x00
#define VPCD_POWER_ON 0x01
#define VPCD_RESET 0x02
#define VPCD_GET_ATR 0x04

/**
 * Connect to vpcd at @p host:@p port, retrying until it listens or @p timeout_ms passes
 * (pcscd may still be starting). Returns the socket or -1 with a message on stderr.
 * @p stop is polled so that SIGTERM ends the wait.
 */
int vpcd_connect(const char *host, int port, int timeout_ms, volatile int *stop);

/** Receive one message. 0: got it; 1: vpcd closed the connection; -1: error or interrupted. */
int vpcd_recv(int fd, uint8_t *buf, size_t cap, size_t *len);

/** Send one message (length and payload in one write). 0 or -1. */
int vpcd_send(int fd, const uint8_t *buf, size_t len);

#endif
