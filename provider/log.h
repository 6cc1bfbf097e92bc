/*
 * Telling the person directly. curl 7.88 and Python's ssl print a fixed message of their own
 * when a key file fails to load ("unable to set private key file", "[SSL] PEM lib"), never the
 * reason the provider queued; the `log` key of the provider section sends that reason where the
 * person sees it: one line per distinct failure per process, never PIN bytes.
 */
#ifndef TSP_LOG_H
#define TSP_LOG_H

#include "provider.h"

/* The `log` value into prov->log; 0 (prov->log left as auto) when it is none of the four. */
int tsp_log_set(tsp_prov *prov, const char *value);

/*
 * Write "tscns: @p line" to the configured place, once per distinct line in this process.
 * auto: stderr when it is a terminal, else nowhere; `debug = 1` writes to stderr in any case.
 */
void tsp_log_failure(const tsp_prov *prov, const char *line);

#endif
