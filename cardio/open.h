/**
 * @file open.h
 * @brief Opening a CNS card: the base handle, identified, with the hooks that keep the layers
 * above it (serial check, certificate cache) informed of resets.
 */
#ifndef CARDIO_OPEN_H
#define CARDIO_OPEN_H

#include <stddef.h>

#include "handle.h"

/**
 * Make a card over @p ops / @p self (taken over), connect and identify it. On failure the card's
 * detail is copied to @p detail when given.
 */
tscns_err open_card(const tscns_transport_ops *ops, void *self, const char *reader_name,
                    tscns_card **out, char *detail, size_t detail_cap);

#endif
