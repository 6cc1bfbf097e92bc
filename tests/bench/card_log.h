/*
 * Reading the virtual card's APDU log (format in tests/vcard/vcard.h) while a benchmark runs:
 * each call to card_log_take() sums up the lines appended since the previous one, so a driver
 * can charge APDUs and card time to the phase that caused them.
 */
#ifndef BENCH_CARD_LOG_H
#define BENCH_CARD_LOG_H

#include <stddef.h>
#include <stdio.h>

#define CARD_LOG_MAX_NAMES 24

typedef struct card_span {
    unsigned long apdus;
    double card_ms; /* sum of the durations the card logged, timing model included */
    /* From the start of the first APDU to the end of the last, the time the card was idle:
     * PC/SC transport and host work between the commands. */
    double gap_ms;
    size_t n_names;
    struct {
        char name[24];
        unsigned long count;
    } names[CARD_LOG_MAX_NAMES]; /* APDU kinds in order of first appearance */
} card_span;

typedef struct card_log {
    FILE *f;
} card_log;

/* Opens PATH and skips what it already holds. Returns 0, or -1 with errno set. */
int card_log_open(card_log *log, const char *path);
/* The lines appended since the last take (or the open). Returns 0, or -1 on a malformed line. */
int card_log_take(card_log *log, card_span *out);
/* Adds the APDUs, time and kinds of S to SUM. */
void card_span_add(card_span *sum, const card_span *s);
unsigned long card_span_count(const card_span *s, const char *name);
/* "SELECT:5,READ_BINARY:4,..." into buf. */
void card_span_names(const card_span *s, char *buf, size_t len);
void card_log_close(card_log *log);

#endif
