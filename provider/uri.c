#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "tscns/keyref.h"

#include "uri.h"

#define SCHEME TSCNS_URI_SCHEME
#define SERIAL_MAX 16

int tsp_uri_is_cns(const char *s)
{
    return s != NULL && strncasecmp(s, SCHEME, strlen(SCHEME)) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode [s, s+len); a decoded NUL is refused since names are C strings. */
static char *pct_decode(const char *s, size_t len)
{
    char *out = OPENSSL_malloc(len + 1);
    size_t i, o = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= len)
                goto bad;
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                goto bad;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
bad:
    OPENSSL_free(out);
    return NULL;
}

static int attr_is(const char *a, size_t alen, const char *name, const char **value, size_t *vlen)
{
    size_t n = strlen(name);

    if (alen <= n || strncmp(a, name, n) != 0 || a[n] != '=')
        return 0;
    *value = a + n + 1;
    *vlen = alen - n - 1;
    return 1;
}

static int value_is(const char *v, size_t vlen, const char *word)
{
    return vlen == strlen(word) && strncmp(v, word, vlen) == 0;
}

static int parse_attr(const char *a, size_t alen, tsp_uri *out, const char **why)
{
    const char *v;
    size_t vlen, i;

    if (attr_is(a, alen, TSCNS_URI_KEY_READER, &v, &vlen)) {
        if (out->reader != NULL) {
            *why = "reader= given twice";
            return 0;
        }
        if ((out->reader = pct_decode(v, vlen)) == NULL || out->reader[0] == '\0') {
            *why = "reader= is empty or badly percent-encoded";
            return 0;
        }
        return 1;
    }
    if (attr_is(a, alen, TSCNS_URI_KEY_SERIAL, &v, &vlen)) {
        if (out->serial != NULL) {
            *why = "serial= given twice";
            return 0;
        }
        /* A card's 16 digits, or a PKCS#11 token's serial (SoftHSM's: 16 hex digits). */
        if (vlen == 0 || vlen > SERIAL_MAX) {
            *why = "serial= must be the card's 16 digits or a token's serial (1 to 16 letters "
                   "or digits)";
            return 0;
        }
        for (i = 0; i < vlen; i++)
            if (!isalnum((unsigned char)v[i])) {
                *why = "serial= must be the card's 16 digits or a token's serial (1 to 16 "
                       "letters or digits)";
                return 0;
            }
        out->serial = OPENSSL_strndup(v, vlen);
        return out->serial != NULL;
    }
    if (attr_is(a, alen, TSCNS_URI_KEY_OBJECT, &v, &vlen)) {
        if (!value_is(v, vlen, TSCNS_URI_OBJECT_AUTH)) {
            *why = "object= knows only \"auth\" (the CNS authentication key)";
            return 0;
        }
        return 1;
    }
    if (attr_is(a, alen, TSCNS_URI_KEY_TYPE, &v, &vlen)) {
        if (out->type != TSP_URI_ANY) {
            *why = "type= given twice";
            return 0;
        }
        if (value_is(v, vlen, TSCNS_URI_TYPE_CERT))
            out->type = TSP_URI_CERT;
        else if (value_is(v, vlen, TSCNS_URI_TYPE_PRIVATE))
            out->type = TSP_URI_PRIVATE;
        else if (value_is(v, vlen, TSCNS_URI_TYPE_PUBLIC))
            out->type = TSP_URI_PUBLIC;
        else {
            *why = "type= must be cert, private or public";
            return 0;
        }
        return 1;
    }
    *why = "unknown attribute (known: reader, serial, object, type)";
    return 0;
}

int tsp_uri_parse(const char *s, tsp_uri *out, const char **why)
{
    const char *p, *end;

    memset(out, 0, sizeof(*out));
    if (!tsp_uri_is_cns(s)) {
        *why = "not a cns: URI";
        return 0;
    }
    p = s + strlen(SCHEME);
    while (*p != '\0') {
        end = strchr(p, TSCNS_URI_SEPARATOR[0]);
        if (end == NULL)
            end = p + strlen(p);
        if (end == p) {
            *why = "empty attribute";
            goto err;
        }
        if (!parse_attr(p, (size_t)(end - p), out, why))
            goto err;
        p = *end == TSCNS_URI_SEPARATOR[0] ? end + 1 : end;
        if (*p == '\0' && end[0] == TSCNS_URI_SEPARATOR[0]) {
            *why = "empty attribute";
            goto err;
        }
    }
    return 1;
err:
    tsp_uri_clear(out);
    return 0;
}

void tsp_uri_clear(tsp_uri *uri)
{
    OPENSSL_free(uri->reader);
    OPENSSL_free(uri->serial);
    memset(uri, 0, sizeof(*uri));
}
