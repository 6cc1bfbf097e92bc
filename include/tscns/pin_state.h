/**
 * @file pin_state.h
 * @brief What the user's processes remember about a card's PIN between runs: the tries left the
 * card last reported, and whether it rejected a configured PIN (the provider's pin-source).
 *
 * A card keeps its PIN counter across reboots and across processes; a nightly job that sends a
 * stale configured PIN once per run would block the card in three nights. So the facts live in
 * one small file per card serial under $XDG_STATE_HOME/tscns/cards/ (default
 * ~/.local/state/tscns/cards/), which survives reboots, unlike $XDG_RUNTIME_DIR.
 *
 * Only facts are stored, never a PIN nor anything derived from one: the tries left and when, and
 * "the configured PIN from SOURCE was rejected" and when. The folder is made 0700 and refused if
 * it is a symbolic link, not a folder, another user's, or writable by others; files are 0600,
 * replaced atomically (a temporary file renamed over the old one) under an flock so that
 * concurrent processes do not lose updates. A file that is not the user's own regular file, too
 * large, or not in the format below is ignored (as if absent) and replaced at the next update.
 *
 * Format (text): `tscns-pin-state 1`, then optionally `tries N TIME` and
 * `rejected TIME SOURCE` lines (TIME in seconds since the epoch).
 */
#ifndef TSCNS_PIN_STATE_H
#define TSCNS_PIN_STATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest source name kept (e.g. "file:/home/u/.config/tscns/pin"); longer ones are cut. */
#define TSCNS_PIN_STATE_SOURCE_MAX 256

typedef struct tscns_pin_state {
    /** PIN tries left as the card last reported them (0: blocked); -1 unknown, or full again
     * after a correct PIN. */
    int tries;
    /** When the card reported @ref tries (seconds since the epoch), 0 if never. */
    long long tries_time;
    /** 1: the card rejected a configured PIN and no person verified the PIN since. */
    int source_rejected;
    long long rejected_time;
    /** The configured source the card rejected ("file:/x", "env:NAME"). */
    char source[TSCNS_PIN_STATE_SOURCE_MAX];
} tscns_pin_state;

/**
 * Read the record of card @p serial (its EF_IDCarta digits, or a token's serial) into @p out.
 * Returns 1 when a valid record was found, 0 otherwise (@p out then says nothing is known: tries
 * -1, no rejection). Never blocks on the lock: the file is replaced atomically, a reader sees a
 * whole version.
 */
int tscns_pin_state_read(const char *serial, tscns_pin_state *out);

/** The card answered a PIN command with @p tries left (-1: success, the counter is full). */
int tscns_pin_state_note_tries(const char *serial, int tries);

/** The card rejected the PIN from the configured @p source: no process sends it again until
 * tscns_pin_state_person_verified(). */
int tscns_pin_state_source_rejected(const char *serial, const char *source);

/** A person gave the right PIN (or changed or unblocked it): configured PINs may be tried again. */
int tscns_pin_state_person_verified(const char *serial);

/**
 * The folder of the records into @p out (@p cap bytes): 0, or -1 when neither an absolute
 * XDG_STATE_HOME nor an absolute HOME is set (nothing is then remembered across processes).
 * The update functions above return 0 on success, -1 when the record could not be written.
 */
int tscns_pin_state_dir(char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
