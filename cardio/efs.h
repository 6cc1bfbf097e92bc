/**
 * @file efs.h
 * @brief The small data files: EF_IDCarta (card serial) and EF_DatiPersonali.
 */
#ifndef CARDIO_EFS_H
#define CARDIO_EFS_H

#include "handle.h"

/** Read EF_IDCarta (16 ASCII digits) into @p serial; the caller holds the card. */
tscns_err efs_read_serial(tscns_card *card, char serial[17]);

#endif
