/**
 * @file pcsc_call.h
 * @brief The PC/SC calls cardio makes, each bounded by the deadline (tscns/timeout.h).
 *
 * Each function is the SCard call of the same name run on a worker thread (deadline.h). When
 * the call does not return in time the function returns PCALL_TIMEOUT and the context and card
 * handle it was given (or was making) now belong to the stuck call: the caller forgets them and
 * never uses them again. When the call returns at last, its worker disconnects the card handle
 * with SCARD_RESET_CARD (the card forgets a PIN or PUK verified through it, and every other
 * program using the card sees a reset) and releases the context.
 */
#ifndef CARDIO_PCSC_CALL_H
#define CARDIO_PCSC_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <PCSC/winscard.h>

/** Not a PC/SC code (their facility is 0x8010): the call did not return within the deadline. */
#define PCALL_TIMEOUT ((LONG)0x8010FF01L)
/** Not a PC/SC code: no worker thread could be started, nothing was called. */
#define PCALL_NO_THREAD ((LONG)0x8010FF02L)

LONG pcall_establish(SCARDCONTEXT *c);
LONG pcall_release(SCARDCONTEXT c);
LONG pcall_list_readers(SCARDCONTEXT c, char **names);
/** SCardGetStatusChange with timeout 0 for the @p n readers of the multi-string @p names. */
LONG pcall_reader_states(SCARDCONTEXT c, const char *names, SCARD_READERSTATE *st, DWORD n);
LONG pcall_connect(SCARDCONTEXT c, const char *reader, SCARDHANDLE *h, DWORD *proto);
LONG pcall_disconnect(SCARDCONTEXT c, SCARDHANDLE h, DWORD disposition);
LONG pcall_reconnect(SCARDCONTEXT c, SCARDHANDLE h, DWORD init, DWORD *proto);
LONG pcall_status(SCARDCONTEXT c, SCARDHANDLE h, uint8_t *atr, DWORD *atr_len);
LONG pcall_begin(SCARDCONTEXT c, SCARDHANDLE h);
LONG pcall_end(SCARDCONTEXT c, SCARDHANDLE h);
LONG pcall_transmit(SCARDCONTEXT c, SCARDHANDLE h, DWORD proto, const uint8_t *cmd, size_t cmd_len,
                    uint8_t *resp, DWORD *resp_len);

#endif
