/* The file systems of the card layouts (docs/card.md section 3) and how to walk them. */
#ifndef VCARD_FILE_TREE_H
#define VCARD_FILE_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "profiles.h"

/** What an EF holds; each role is one file in the image directory. */
typedef enum vc_role {
    VC_ROLE_NONE = 0,
    VC_ROLE_SERIAL,   /* EF_IDCarta */
    VC_ROLE_PERSONAL, /* EF_DatiPersonali */
    VC_ROLE_CERT,     /* the CNS authentication certificate */
    VC_ROLE_COUNT
} vc_role;

typedef enum vc_kind { VC_MF, VC_DF, VC_ADF, VC_EF } vc_kind;

typedef struct vc_node {
    uint16_t fid;
    vc_kind kind;
    int parent; /* index of the parent node, -1 for the MF */
    vc_role role;
    int key_df; /* the DF that must be current for VERIFY / MSE (IDEMIA-2021) */
} vc_node;

/** The nodes of @p layout; node 0 is the MF. */
const vc_node *vc_tree(vcard_layout layout, size_t *count);
/** Image-directory file name of an EF role. */
const char *vc_role_file(vc_role role);
/** AID of the ACE 2025 applet. */
const uint8_t *vc_ace_aid(size_t *len);

#endif
