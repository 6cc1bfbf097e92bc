/**
 * @file json.h
 * @brief A small streaming JSON writer (pretty-printed, UTF-8, always valid output).
 */
#ifndef TSCNS_CLI_JSON_H
#define TSCNS_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
    FILE *out;
    int depth;
    int has_items[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *out);

/* @p key is the member name inside an object, NULL inside an array or at the top. */
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_int(struct json *j, const char *key, long long value);
void json_bool(struct json *j, const char *key, int value);
void json_null(struct json *j, const char *key);

/** Write @p s as a quoted JSON string; invalid UTF-8 becomes U+FFFD so the output stays valid. */
void json_write_string(FILE *out, const char *s);

#endif
