/**
 * @file trace.h
 * @brief APDU trace for diagnosis (env TSCNS_TRACE=stderr or a file path).
 *
 * The variable is ignored in set-uid and set-gid programs. A trace file is created with mode
 * 0600; an existing path that is a symbolic link, not a regular file or another user's file is
 * refused with one line on stderr, and nothing is traced.
 *
 * The trace never shows PIN or PUK bytes: the data field of VERIFY, CHANGE REFERENCE DATA and
 * RESET RETRY COUNTER is always masked, whatever the caller says.
 */
#ifndef CARDIO_TRACE_H
#define CARDIO_TRACE_H

#include <stddef.h>
#include <stdint.h>

/** 1 when TSCNS_TRACE asks for a trace; read once per process. */
int trace_enabled(void);
/** Log a command APDU; @p sensitive masks its data field. */
void trace_command(const char *reader, const uint8_t *cmd, size_t len, int sensitive);
/** Log a response (data || SW1 SW2). */
void trace_response(const char *reader, const uint8_t *resp, size_t len);
/** Log a free-form event (reconnect, transport error). */
void trace_event(const char *reader, const char *what);

#endif
