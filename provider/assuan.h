/*
 * The pinentry side of a PIN prompt: the Assuan conversation over a connected socket, apart from
 * starting the program (pinentry.c), so that the answers of the program, outside input, can be
 * fed from a fuzz target (tests/fuzz/fuzz_assuan.c).
 */
#ifndef TSP_ASSUAN_H
#define TSP_ASSUAN_H

#include <stddef.h>

/* CLOCK_MONOTONIC in milliseconds: every wait of the conversation is bounded on it. */
long long tsp_assuan_now_ms(void);

/*
 * Talk to a pinentry on @p fd: wait for its greeting, set the terminal (@p tty and @p term, each
 * may be NULL), the title, @p desc and @p prompt, then GETPIN. 1 with the PIN NUL-terminated in
 * @p pin (@p cap bytes); 0 with @p pin cleansed and @p why saying what happened (cancelled, no
 * answer in time: 10 s a command and 5 minutes for the PIN, an error, a malformed answer).
 * @p program only names the program in messages. Sends BYE at the end; @p fd stays open.
 */
int tsp_assuan_getpin(int fd, const char *program, const char *tty, const char *term,
                      const char *desc, const char *prompt, char *pin, size_t cap, char *why,
                      size_t whycap);

#endif
