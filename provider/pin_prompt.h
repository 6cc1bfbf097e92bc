/*
 * What a PIN prompt says: which card (the holder's name from the certificate, the serial) and
 * how many tries are left; and one line on the terminal for callbacks that ignore the
 * passphrase info OpenSSL hands them.
 */
#ifndef TSP_PIN_PROMPT_H
#define TSP_PIN_PROMPT_H

#include <stddef.h>

#include "tscns/card.h"

/*
 * "PIN of the TS-CNS card of MARIO ROSSI (serial 8038...; 2 tries left)" into @p out. The name
 * is the certificate subject's givenName and surname; without them, the reader's name.
 * @p serial may be NULL, @p tries -1 (unknown). The caller holds the card.
 */
void tsp_pin_describe(tscns_card *card, const char *serial, int tries, char *out, size_t cap);

/*
 * Write "tscns: LINE" to the controlling terminal if there is one (opened with O_NOCTTY,
 * never blocking); nothing otherwise. Never PIN bytes.
 */
void tsp_pin_tell_tty(const char *line);

#endif
