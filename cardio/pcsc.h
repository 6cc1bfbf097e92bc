/**
 * @file pcsc.h
 * @brief The PC/SC transport: one reader, connected shared over T=1, that survives a reset by
 * another program, a pulled card, a pcscd restart and a fork().
 */
#ifndef CARDIO_PCSC_H
#define CARDIO_PCSC_H

#include <PCSC/winscard.h>

#include "tscns/transport.h"

/** Transport for @p reader. No PC/SC call happens until the first operation. */
tscns_err pcsc_transport_new(const char *reader, const tscns_transport_ops **ops, void **self);

/** cardio's error for a PC/SC return code. */
tscns_err pcsc_error(LONG rv);

/** 1 for codes after which a context is dead (pcscd restarted): a new one is needed. */
int pcsc_context_dead(LONG rv);

#endif
