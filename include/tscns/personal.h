/**
 * @file personal.h
 * @brief EF_DatiPersonali: the holder's data on the card, and its strict parser.
 */
#ifndef TSCNS_PERSONAL_H
#define TSCNS_PERSONAL_H

#include <stddef.h>
#include <stdint.h>

#include "tscns/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The 16 fields of EF_DatiPersonali, in file order (docs/card.md section 3). */
typedef enum tscns_personal_field {
    TSCNS_PD_ISSUER = 0,
    TSCNS_PD_ISSUE_DATE,  /* ddmmyyyy */
    TSCNS_PD_EXPIRY_DATE, /* ddmmyyyy */
    TSCNS_PD_SURNAME,
    TSCNS_PD_GIVEN_NAME,
    TSCNS_PD_BIRTH_DATE, /* ddmmyyyy */
    TSCNS_PD_SEX,
    TSCNS_PD_HEIGHT,
    TSCNS_PD_CODICE_FISCALE,
    TSCNS_PD_CITIZENSHIP,
    TSCNS_PD_BIRTH_MUNICIPALITY,
    TSCNS_PD_BIRTH_COUNTRY,
    TSCNS_PD_BIRTH_RECORD,
    TSCNS_PD_RESIDENCE_MUNICIPALITY,
    TSCNS_PD_RESIDENCE_ADDRESS,
    TSCNS_PD_EXPATRIATION,
    TSCNS_PD_COUNT
} tscns_personal_field;

typedef struct tscns_personal {
    /** Each field NUL-terminated; "" when the card has it empty. */
    char field[TSCNS_PD_COUNT][256];
} tscns_personal;

/** Machine name of a field ("codice_fiscale", "birth_date", ...), as used in JSON output. */
const char *tscns_personal_field_name(tscns_personal_field f);

/**
 * Parse EF_DatiPersonali. Strict: non-hex length digits, a field running past the data, or
 * non-printable bytes in a field give TSCNS_E_BAD_RESPONSE. The 6-digit total length is treated
 * as an upper bound; zero padding after the last field is accepted.
 */
tscns_err tscns_parse_personal(const uint8_t *buf, size_t len, tscns_personal *out);

#ifdef __cplusplus
}
#endif
#endif
