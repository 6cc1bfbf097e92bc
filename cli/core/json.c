#include "json.h"

#include <stdint.h>
#include <string.h>

#include "json_error.h"

void json_init(struct json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    if (out == stdout)
        cli_json_document_started();
}

static void indent(struct json *j)
{
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

static void member(struct json *j, const char *key)
{
    if (j->depth > 0) {
        fputs(j->has_items[j->depth] ? ",\n" : "\n", j->out);
        j->has_items[j->depth] = 1;
        indent(j);
    }
    if (key != NULL) {
        json_write_string(j->out, key);
        fputs(": ", j->out);
    }
}

static void open_container(struct json *j, const char *key, char bracket)
{
    member(j, key);
    fputc(bracket, j->out);
    /* Deeper nesting than the writer tracks would be a bug in the caller; keep output valid. */
    if (j->depth < JSON_MAX_DEPTH - 1)
        j->depth++;
    j->has_items[j->depth] = 0;
}

static void close_container(struct json *j, char bracket)
{
    int had_items = j->has_items[j->depth];

    if (j->depth > 0)
        j->depth--;
    if (had_items) {
        fputc('\n', j->out);
        indent(j);
    }
    fputc(bracket, j->out);
    if (j->depth == 0)
        fputc('\n', j->out);
}

void json_begin_object(struct json *j, const char *key)
{
    open_container(j, key, '{');
}

void json_end_object(struct json *j)
{
    close_container(j, '}');
}

void json_begin_array(struct json *j, const char *key)
{
    open_container(j, key, '[');
}

void json_end_array(struct json *j)
{
    close_container(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
    member(j, key);
    if (value == NULL)
        fputs("null", j->out);
    else
        json_write_string(j->out, value);
}

void json_int(struct json *j, const char *key, long long value)
{
    member(j, key);
    fprintf(j->out, "%lld", value);
}

void json_bool(struct json *j, const char *key, int value)
{
    member(j, key);
    fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j, const char *key)
{
    member(j, key);
    fputs("null", j->out);
}

/*
 * Length of the well-formed UTF-8 sequence at @p s (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0 if it is not one.
 */
static size_t utf8_sequence(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void json_write_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', out);
    while (*p != '\0') {
        size_t n = utf8_sequence(p);

        if (n == 0) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, out);
            p += n;
            continue;
        }
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\b':
            fputs("\\b", out);
            break;
        case '\f':
            fputs("\\f", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20 || *p == 0x7F)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
        p++;
    }
    fputc('"', out);
}
