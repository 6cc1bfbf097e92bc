/*
 * The answers of a pinentry program (provider/assuan.c): the input is everything the program
 * says, written into one end of a socket pair whose writing side is then shut, so that the
 * conversation meets the input's end as the program's exit, never a wait.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "assuan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char pin[32], why[256];
    int sv[2], ok;

    /* Room in the socket buffer for the whole input: larger inputs say nothing new. */
    if (size > 16384)
        return 0;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if ((size > 0 && send(sv[1], data, size, MSG_NOSIGNAL) != (ssize_t)size) ||
        shutdown(sv[1], SHUT_WR) != 0)
        abort();
    memset(pin, 'x', sizeof(pin));
    why[0] = '\0';
    ok = tsp_assuan_getpin(sv[0], "fuzz", size > 0 && (data[0] & 1) ? "/dev/tty1" : NULL, "xterm",
                           "PIN of the card 100%\nline two", "PIN:", pin, sizeof(pin), why,
                           sizeof(why));
    if (ok) {
        /* A PIN: terminated inside the buffer, not empty. */
        if (memchr(pin, '\0', sizeof(pin)) == NULL || pin[0] == '\0')
            abort();
    } else {
        /* A failure leaves nothing of a PIN behind and says why. */
        for (size_t i = 0; i < sizeof(pin); i++)
            if (pin[i] != '\0')
                abort();
        if (why[0] == '\0' || memchr(why, '\0', sizeof(why)) == NULL)
            abort();
    }
    close(sv[0]);
    close(sv[1]);
    return 0;
}
