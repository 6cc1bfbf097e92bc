/* Charging the card's APDU log lines to benchmark phases (format in tests/vcard/vcard.h). */
#include "card_log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

int card_log_open(card_log *log, const char *path)
{
    log->f = fopen(path, "r");
    if (log->f == NULL) {
        return -1;
    }
    if (fseek(log->f, 0, SEEK_END) != 0) {
        fclose(log->f);
        log->f = NULL;
        return -1;
    }
    return 0;
}

/* Card clock (ms since the card engine opened) of the span being read. */
struct span_clock {
    double first_start, last_end;
};

static void add_name(card_span *s, const char *name)
{
    for (size_t i = 0; i < s->n_names; i++) {
        if (strcmp(s->names[i].name, name) == 0) {
            s->names[i].count++;
            return;
        }
    }
    if (s->n_names < CARD_LOG_MAX_NAMES) {
        snprintf(s->names[s->n_names].name, sizeof(s->names[0].name), "%s", name);
        s->names[s->n_names++].count = 1;
    }
}

/* "<ms> <NAME> <hex> -> <SW> <duration>": the name is the second word, the duration the last. */
static int take_line(card_span *s, struct span_clock *clk, const char *line)
{
    char name[24];
    double at;
    const char *last = strrchr(line, ' ');
    if (sscanf(line, "%lf %23s", &at, name) != 2 || last == NULL) {
        return -1;
    }
    char *end;
    double ms = strtod(last + 1, &end);
    if (end == last + 1 || (*end != '\n' && *end != '\0')) {
        return -1;
    }
    /* The card stamps each line when the APDU is done. */
    if (s->apdus == 0) {
        clk->first_start = at - ms;
    }
    clk->last_end = at;
    s->apdus++;
    s->card_ms += ms;
    add_name(s, name);
    return 0;
}

int card_log_take(card_log *log, card_span *out)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    struct span_clock clk = {0, 0};
    memset(out, 0, sizeof(*out));
    /* The card appends after we saw the end of the file: forget that end. */
    clearerr(log->f);
    while ((n = getline(&line, &cap, log->f)) > 0) {
        if (line[n - 1] != '\n') {
            /* A line still being written: leave it for the next take. */
            if (fseek(log->f, -(long)n, SEEK_CUR) != 0) {
                rc = -1;
            }
            break;
        }
        if (take_line(out, &clk, line) != 0) {
            rc = -1;
            break;
        }
    }
    free(line);
    if (out->apdus > 0) {
        out->gap_ms = clk.last_end - clk.first_start - out->card_ms;
    }
    return rc;
}

void card_span_add(card_span *sum, const card_span *s)
{
    sum->apdus += s->apdus;
    sum->card_ms += s->card_ms;
    sum->gap_ms += s->gap_ms;
    for (size_t i = 0; i < s->n_names; i++) {
        for (unsigned long k = 0; k < s->names[i].count; k++) {
            add_name(sum, s->names[i].name);
        }
    }
}

unsigned long card_span_count(const card_span *s, const char *name)
{
    for (size_t i = 0; i < s->n_names; i++) {
        if (strcmp(s->names[i].name, name) == 0) {
            return s->names[i].count;
        }
    }
    return 0;
}

void card_span_names(const card_span *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_names && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s:%lu", i ? "," : "", s->names[i].name,
                         s->names[i].count);
        if (n < 0) {
            return;
        }
        used += (size_t)n;
    }
}

void card_log_close(card_log *log)
{
    if (log->f != NULL) {
        fclose(log->f);
        log->f = NULL;
    }
}
