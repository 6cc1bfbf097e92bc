/**
 * @file session.h
 * @brief A cardio context plus the card the global options pick, opened and closed as a pair.
 */
#ifndef TSCNS_CLI_SESSION_H
#define TSCNS_CLI_SESSION_H

#include "cli.h"
#include "tscns/card.h"

struct cli_session {
    tscns_ctx *ctx;
    tscns_card *card;
};

/** Open the card named by --reader / --serial; on failure report it and return its exit code. */
int cli_session_open(const struct cli_global *g, struct cli_session *s);

/** Report @p err with the session's detail strings; returns the exit code. */
int cli_session_fail(const struct cli_session *s, tscns_err err);

void cli_session_close(struct cli_session *s);

#endif
