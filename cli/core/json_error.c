#include "json_error.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static int json_mode;
static int document_started;
static char noted_message[512];
static char noted_detail[512];
static char noted_hint[256];
static int noted;

void cli_json_errors_from_args(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json_mode = 1;
    }
}

void cli_error_note(const char *message, const char *detail, const char *hint)
{
    if (noted)
        return;
    noted = 1;
    snprintf(noted_message, sizeof(noted_message), "%s", message);
    snprintf(noted_detail, sizeof(noted_detail), "%s", detail != NULL ? detail : "");
    snprintf(noted_hint, sizeof(noted_hint), "%s", hint != NULL ? hint : "");
}

void cli_json_document_started(void)
{
    document_started = 1;
}

/* When no message was noted, the exit code's line of `tscns --help` says what kind of failure. */
static const char *code_words(int rc)
{
    switch (rc) {
    case CLI_USAGE:
        return "usage error, or no PIN given";
    case CLI_NO_CARD:
        return "no PC/SC service, no reader, no card, or the card was removed";
    case CLI_CARD_ERROR:
        return "the card is not supported or answered with an error";
    case CLI_WRONG_PIN:
        return "wrong PIN or PUK";
    case CLI_BLOCKED:
        return "PIN or PUK blocked";
    case CLI_FILE_ERROR:
        return "a file could not be read or written";
    default:
        return "internal error";
    }
}

static void string_or_null(struct json *j, const char *key, const char *value)
{
    if (value[0] != '\0')
        json_string(j, key, value);
    else
        json_null(j, key);
}

int cli_json_error_end(int rc)
{
    struct json j;

    if (!json_mode || rc == CLI_OK || document_started)
        return rc;
    json_init(&j, stdout);
    json_begin_object(&j, NULL);
    json_begin_object(&j, "error");
    json_int(&j, "code", rc);
    json_string(&j, "message", noted ? noted_message : code_words(rc));
    string_or_null(&j, "detail", noted_detail);
    string_or_null(&j, "hint", noted_hint);
    json_end_object(&j);
    json_end_object(&j);
    fflush(stdout);
    return rc;
}
