/* The card holder: card serial (EF_IDCarta) and personal data (EF_DatiPersonali). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "mkcard.h"

char mk_luhn_digit(const char *digits15)
{
    int sum = 0;
    /* Counting from the check digit leftwards, every second digit is doubled. */
    for (int i = 14, k = 0; i >= 0; i--, k++) {
        int d = digits15[i] - '0';
        if (k % 2 == 0) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
    }
    return (char)('0' + (10 - sum % 10) % 10);
}

int mk_serial_ok(const char *serial)
{
    if (strlen(serial) != 16 || serial[0] < '5' || serial[0] > '9') {
        return 0;
    }
    for (int i = 0; i < 16; i++) {
        if (serial[i] < '0' || serial[i] > '9') {
            return 0;
        }
    }
    return mk_luhn_digit(serial) == serial[15];
}

int mk_serial_new(char serial[17])
{
    uint8_t rnd[10];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        return -1;
    }
    /* 80 = health, 380 = Italy: the issuer prefix of real TS-CNS serials. */
    memcpy(serial, "80380", 5);
    for (int i = 0; i < 10; i++) {
        serial[5 + i] = (char)('0' + rnd[i] % 10);
    }
    serial[15] = mk_luhn_digit(serial);
    serial[16] = '\0';
    return 0;
}

static void ddmmyyyy(char out[256], long days_from_now)
{
    time_t t = time(NULL) + (time_t)days_from_now * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 256, "%d%m%Y", &tm);
}

void mk_personal_defaults(tscns_personal *p, long expiry_days)
{
    static const char *const values[TSCNS_PD_COUNT] = {
        [TSCNS_PD_ISSUER] = "080000",
        [TSCNS_PD_SURNAME] = "ROSSI",
        [TSCNS_PD_GIVEN_NAME] = "MARIO",
        [TSCNS_PD_BIRTH_DATE] = "01011980",
        [TSCNS_PD_SEX] = "M",
        [TSCNS_PD_HEIGHT] = "",
        [TSCNS_PD_CODICE_FISCALE] = "RSSMRA80A01H501U",
        [TSCNS_PD_CITIZENSHIP] = "ITA",
        [TSCNS_PD_BIRTH_MUNICIPALITY] = "H501",
        [TSCNS_PD_BIRTH_COUNTRY] = "",
        [TSCNS_PD_BIRTH_RECORD] = "",
        [TSCNS_PD_RESIDENCE_MUNICIPALITY] = "H501",
        [TSCNS_PD_RESIDENCE_ADDRESS] = "VIA DEL CORSO 1",
        [TSCNS_PD_EXPATRIATION] = "",
    };
    memset(p, 0, sizeof(*p));
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        if (values[f]) {
            snprintf(p->field[f], sizeof(p->field[f]), "%s", values[f]);
        }
    }
    ddmmyyyy(p->field[TSCNS_PD_ISSUE_DATE], 0);
    ddmmyyyy(p->field[TSCNS_PD_EXPIRY_DATE], expiry_days);
}

/* The names of tscns_personal_field_name(), kept here so the card maker needs no cardio. */
static const char *const field_names[TSCNS_PD_COUNT] = {
    "issuer",
    "issue_date",
    "expiry_date",
    "surname",
    "given_name",
    "birth_date",
    "sex",
    "height",
    "codice_fiscale",
    "citizenship",
    "birth_municipality",
    "birth_country",
    "birth_record",
    "residence_municipality",
    "residence_address",
    "expatriation",
};

const char *mk_personal_field_name(int f)
{
    return field_names[f];
}

int mk_personal_field_index(const char *name)
{
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        if (strcmp(field_names[f], name) == 0) {
            return f;
        }
    }
    return -1;
}

int mk_personal_encode(const tscns_personal *p, uint8_t out[MK_PERSONAL_SIZE])
{
    char body[MK_PERSONAL_SIZE + 1];
    size_t n = 0;
    memset(out, 0, MK_PERSONAL_SIZE);
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        size_t len = strlen(p->field[f]);
        if (len > 0xFF || n + 2 + len > MK_PERSONAL_SIZE - 6) {
            return -1;
        }
        snprintf(body + n, sizeof(body) - n, "%02X%s", (unsigned)len, p->field[f]);
        n += 2 + len;
    }
    /* The 6 hex digits give the length of the fields that follow them. */
    char head[7];
    snprintf(head, sizeof(head), "%06X", (unsigned)n);
    memcpy(out, head, 6);
    memcpy(out + 6, body, n);
    return 0;
}
