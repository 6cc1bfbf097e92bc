/* EF_DatiPersonali parser (docs/card.md section 3). Strict: anything off is a bad response. */
#include <string.h>

#include "tscns/personal.h"

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

const char *tscns_personal_field_name(tscns_personal_field f)
{
    if ((unsigned)f >= TSCNS_PD_COUNT)
        return "";
    return field_names[f];
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* @p n ASCII hex digits at @p p; -1 if any is not a hex digit. */
static long hexnum(const uint8_t *p, size_t n)
{
    long v = 0;

    for (size_t i = 0; i < n; i++) {
        int d = hexval(p[i]);

        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

tscns_err tscns_parse_personal(const uint8_t *buf, size_t len, tscns_personal *out)
{
    size_t pos = 6;
    size_t limit;
    long total;

    if (buf == NULL || out == NULL)
        return TSCNS_E_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (len < 6)
        return TSCNS_E_BAD_RESPONSE;
    total = hexnum(buf, 6);
    if (total < 0)
        return TSCNS_E_BAD_RESPONSE;
    /* The declared length counts the bytes after itself; it is only an upper bound. */
    limit = (size_t)total < len - 6 ? 6 + (size_t)total : len;
    for (int f = 0; f < TSCNS_PD_COUNT; f++) {
        long flen;

        if (limit - pos < 2)
            return TSCNS_E_BAD_RESPONSE;
        flen = hexnum(buf + pos, 2);
        if (flen < 0)
            return TSCNS_E_BAD_RESPONSE;
        pos += 2;
        if ((size_t)flen > limit - pos)
            return TSCNS_E_BAD_RESPONSE;
        for (long i = 0; i < flen; i++) {
            uint8_t c = buf[pos + (size_t)i];

            if (c < 0x20 || c > 0x7E)
                return TSCNS_E_BAD_RESPONSE;
            out->field[f][i] = (char)c;
        }
        out->field[f][flen] = '\0';
        pos += (size_t)flen;
    }
    for (; pos < len; pos++)
        if (buf[pos] != 0x00)
            return TSCNS_E_BAD_RESPONSE;
    return TSCNS_OK;
}
