/**
 * @file profiles.h
 * @brief The virtual card's profile table: one row per TS-CNS card family (docs/card.md).
 *
 * Every behaviour that differs between families is a field here, so that a report from a real
 * card corrects the simulation in one place. Fields marked [guess] in profiles.c were not seen
 * on a real card.
 */
#ifndef VCARD_PROFILES_H
#define VCARD_PROFILES_H

#include <stddef.h>
#include <stdint.h>

/** Which file tree the card carries (docs/card.md section 3). */
typedef enum vcard_layout {
    VCARD_LAYOUT_STANDARD,   /**< 3F00/1000/1003, 3F00/1100/1101 (cert), 3F00/1100/1102 */
    VCARD_LAYOUT_IDEMIA2021, /**< certificate at 3F00/1400/9001/2002, key in DF 3F00/1400/9002 */
    VCARD_LAYOUT_ACE2025,    /**< certificate behind an AID, then DA01/C001 */
    VCARD_LAYOUT_NONE        /**< only an MF: not a CNS card */
} vcard_layout;

typedef struct vcard_profile {
    const char *name;
    const char *description;
    const char *atr_hex;
    unsigned key_bits;
    vcard_layout layout;
    uint8_t key_ref;
    uint8_t pin_ref;
    uint8_t puk_ref;
    int extended_apdu;         /**< accepts extended Lc/Le */
    int chaining;              /**< accepts command chaining (CLA 0x10); else 6E00 */
    unsigned challenge_max;    /**< largest GET CHALLENGE Le; more gives 6Cxx */
    size_t cert_capacity;      /**< size of the certificate EF */
    int cert_update_needs_puk; /**< UPDATE BINARY of the certificate EF needs the PUK verified */
    int fci_has_size;          /**< the FCI carries tag 80 (file size) */
    int rejects_p2_0c;         /**< SELECT with P2=0C answers 6A86 (client must use P2=00) */
    int empty_verify_counts;   /**< VERIFY without data counts as a wrong PIN */
    int key_df_required;       /**< VERIFY / MSE only with the key DF selected (IDEMIA-2021) */
    const char *guesses;       /**< which of the above are not confirmed on a real card */
} vcard_profile;

/** The profile named @p name, or NULL. */
const vcard_profile *vcard_profile_find(const char *name);
/** Row @p i of the table, NULL past the end (for listings). */
const vcard_profile *vcard_profile_at(size_t i);

#endif
