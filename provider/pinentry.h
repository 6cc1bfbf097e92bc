/*
 * Asking for the PIN through a pinentry program (Debian's pinentry-gnome3, -qt, -curses, -tty):
 * the provider's `pin-prompt = pinentry` for desktop sessions and programs without a terminal of
 * their own. The program speaks the Assuan protocol on its standard input and output.
 */
#ifndef TSP_PINENTRY_H
#define TSP_PINENTRY_H

#include <stddef.h>

/* The program `pin-prompt = pinentry` runs: Debian's alternative for the desktop's pinentry. */
#define TSP_PINENTRY_DEFAULT "/usr/bin/pinentry"

/*
 * Run @p program (an absolute path) and ask it for a PIN with @p desc (one line or several,
 * '\n'-separated) and @p prompt. On success 1 with the PIN, NUL-terminated, in @p pin (@p cap
 * bytes). On failure 0, @p pin cleansed, and @p why (@p whycap bytes) says what happened: the
 * user cancelled, the program could not be started, did not answer in time (10 s for each
 * command, 5 minutes for the PIN itself), or answered with an error. The program's terminal is
 * $GPG_TTY, else the terminal of standard input or error, when there is one. The PIN travels in
 * buffers that are cleansed; the program is always waited for (killed after 2 s if it does not
 * end on BYE).
 */
int tsp_pinentry_get(const char *program, const char *desc, const char *prompt, char *pin,
                     size_t cap, char *why, size_t whycap);

#endif
