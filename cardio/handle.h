/**
 * @file handle.h
 * @brief The base tscns_card object: its state, its mutex, the begin/end pair that wraps every
 * operation in one PC/SC transaction, and the bookkeeping of resets and removals.
 *
 * This layer knows nothing of card identification or certificates: what a reset means to the
 * layers above (is it still the same card? which cached data went stale?) reaches them through
 * the hooks they install (handle_hooks).
 */
#ifndef CARDIO_HANDLE_H
#define CARDIO_HANDLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "profile.h"
#include "tscns/card.h"

/** How many rejected PIN/PUK digests a handle remembers. */
#define HANDLE_REJECTED_MAX 16
#define HANDLE_DIGEST_LEN 32

/** What the layers above the handle do at its reset and reconnect events. */
typedef struct handle_hooks {
    /**
     * After a reset or reconnect, at the start of the next operation (card held): TSCNS_OK when
     * the reader still holds the card this handle opened, else an error with the card's detail.
     */
    tscns_err (*same_card)(tscns_card *card);
    /** The card lost its volatile state: drop what was derived from it (cached data). */
    void (*reset)(tscns_card *card);
} handle_hooks;

struct tscns_card {
    pthread_mutex_t mu;
    /** Nesting of begin/end (tscns_card_lock plus the operation inside it). */
    int depth;
    apdu_chan ch;
    char reader[256];
    uint8_t atr[TSCNS_MAX_ATR];
    size_t atr_len;
    const cardio_profile *prof;
    /** The file the card has selected now; NULL when unknown (after a reset, an error). */
    const cardio_loc *cur;
    /**
     * The key DF was the last thing this handle selected. Unlike cur it survives the end of a
     * transaction: signing then tries MSE without selecting again, and selects only if the card
     * says the key is not there (another program moved elsewhere).
     */
    int key_df_kept;
    char serial[17];
    int have_serial;
    /** Modulus bytes of the certificate's key, 0 until first asked (signing asks every time). */
    size_t key_bytes;
    int pin_verified;
    /** A reset or reconnect took the PIN state away since it was verified. */
    int pin_lost;
    /** After a reset or reconnect: confirm by the serial that it is still the same card. */
    int recheck;
    int pin_tries;
    int puk_tries;
    /** scrypt digests (pin.c) of rejected PINs and PUKs, salted: never the values themselves. */
    uint8_t salt[16];
    uint8_t rejected[HANDLE_REJECTED_MAX][HANDLE_DIGEST_LEN];
    uint8_t rejected_kind[HANDLE_REJECTED_MAX];
    size_t n_rejected;
    char detail[512];
    /** Installed by the layer that opened the card; NULL: no one to tell. */
    const handle_hooks *hooks;
    /** A token of a PKCS#11 module (p11.h) serves this card; NULL: the card's own APDUs. */
    struct p11_card *p11;
    /** The process's open cards, for the child after fork() (handle.c). */
    tscns_card *next_open;
};

/**
 * Make a card over @p ops / @p self (taken over) and connect it: the ATR is set, nothing is sent.
 * On a failed connect the card is returned anyway (*out set) with its detail, so that the caller
 * can report it before tscns_card_close(); NULL only when the card could not be made at all.
 */
tscns_err handle_new(const tscns_transport_ops *ops, void *self, const char *reader_name,
                     tscns_card **out);
/** Lock the card, start a transaction on the outermost call, take note of a reset. */
tscns_err handle_begin(tscns_card *card);
void handle_end(tscns_card *card);
/** The card lost its volatile state (reset, reconnect): forget selection and PIN state, tell
 * the hooks, check the card at the next operation. */
void handle_note_reset(tscns_card *card);
/** Talk to the card as a card of family @p prof: its APDU limits and SELECT behaviour. */
void handle_use_profile(tscns_card *card, const cardio_profile *prof);
/** Record what the card has selected now (NULL: unknown). */
void handle_selected(tscns_card *card, const cardio_loc *loc);
/** Select @p loc unless it is selected already. */
tscns_err handle_select(tscns_card *card, const cardio_loc *loc);
/** Record a human detail for tscns_card_detail(). */
void handle_detail(tscns_card *card, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/**
 * Detail of a failed step @p what: the card's status word if it answered one, else what the
 * transport says failed (PC/SC function and code); then the reader. Never the error's own
 * message: callers print that as the headline.
 */
void handle_detail_sw(tscns_card *card, const char *what);
/** Hex of @p len bytes into @p out (3 chars a byte). */
void handle_hex(const uint8_t *b, size_t len, char *out, size_t cap);
/** Reads are safe to repeat after a reset: run them again once. */
int handle_retry(tscns_card *card, tscns_err err, int *attempt);

#endif
