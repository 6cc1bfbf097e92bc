/**
 * @file profile.h
 * @brief The card-family table: one row per family of docs/card.md sections 1-3.
 *
 * Everything that differs between families lives here and nowhere else, so that a report from a
 * real card corrects one row. Entries marked [guess] in profile.c were not seen on a real card.
 */
#ifndef CARDIO_PROFILE_H
#define CARDIO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/** Where a file is: an optional application (by AID) and a path. */
typedef struct cardio_loc {
    /** Select this application first (SELECT P1=04); NULL for none. */
    const uint8_t *aid;
    size_t aid_len;
    /** With no AID: path from the MF without 3F00 (P1=08); after an AID: from it (P1=09). */
    uint8_t path[8];
    size_t path_len;
} cardio_loc;

typedef enum cardio_layout {
    LAYOUT_STANDARD,   /**< 3F00/1100/1101 */
    LAYOUT_IDEMIA2021, /**< 3F00/1400/9001/2002, key in DF 1400/9002 */
    LAYOUT_AID         /**< application behind an AID (ACe 2025) */
} cardio_layout;

typedef struct cardio_profile {
    const char *name;
    const char *description;
    /* ATR hint on the 15 historical bytes 00 6B IC MASK OS OS 01 xx xx 'C' 'N' 'S' VER 31 80. */
    int ic;         /**< H3, -1 for any */
    uint8_t mask;   /**< H4 */
    uint8_t os_min; /**< H5 range, inclusive */
    uint8_t os_max;
    cardio_layout layout;
    cardio_loc cert;
    cardio_loc serial;
    cardio_loc personal;
    /** DF to select before VERIFY and MSE; path_len 0 and no AID: nothing to select. */
    cardio_loc key_df;
    uint8_t key_ref;
    uint8_t pin_ref;
    uint8_t puk_ref;
    /** The card takes extended-length APDUs (needed for PSO DECIPHER with RSA-2048). */
    int extended_ok;
    /**
     * The card answers 6A86 to SELECT with P2=0C (no answer data): send SELECT with P2=00 and
     * Le instead, and keep doing so on this card. A family without it gets the 6A86 as an error.
     */
    int select_fci_fallback;
} cardio_profile;

/** The table, terminated by a row whose name is NULL. */
extern const cardio_profile cardio_profiles[];

/** 1 when @p loc names no file at all (select nothing). */
int loc_is_empty(const cardio_loc *loc);

#endif
