/**
 * @file handle.h
 * @brief The tscns_card object shared by cardio's files: its state, its mutex and the
 * begin/end pair that wraps every operation in one PC/SC transaction.
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
    /** Salted digests of rejected PINs and PUKs: never the values themselves. */
    uint8_t salt[16];
    uint8_t rejected[HANDLE_REJECTED_MAX][HANDLE_DIGEST_LEN];
    uint8_t rejected_kind[HANDLE_REJECTED_MAX];
    size_t n_rejected;
    char detail[512];
};

/**
 * Make a card over @p ops / @p self (taken over) and identify it. On failure the card's detail is
 * copied to @p detail when given.
 */
tscns_err handle_open(const tscns_transport_ops *ops, void *self, const char *reader_name,
                      tscns_card **out, char *detail, size_t detail_cap);
/** Lock the card, start a transaction on the outermost call, take note of a reset. */
tscns_err handle_begin(tscns_card *card);
void handle_end(tscns_card *card);
/** The card lost its volatile state (reset, reconnect): forget selection, serial, PIN state. */
void handle_note_reset(tscns_card *card);
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
/** Detail of a transport failure outside any card command: PC/SC function and code, reader. */
void handle_detail_link(tscns_card *card);
/** Hex of @p len bytes into @p out (3 chars a byte). */
void handle_hex(const uint8_t *b, size_t len, char *out, size_t cap);
/** Reads are safe to repeat after a reset: run them again once. */
int handle_retry(tscns_card *card, tscns_err err, int *attempt);

#endif
