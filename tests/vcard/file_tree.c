/* File trees of the layouts. Where docs/card.md is silent the choice is marked [guess]. */
#include "file_tree.h"

#define NO_FID 0xFFFF

static const vc_node standard_tree[] = {
    {0x3F00, VC_MF, -1, VC_ROLE_NONE, 0},  {0x1000, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1003, VC_EF, 1, VC_ROLE_SERIAL, 0}, {0x1100, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1101, VC_EF, 3, VC_ROLE_CERT, 0},   {0x1102, VC_EF, 3, VC_ROLE_PERSONAL, 0},
};

/* [guess] EF_IDCarta and EF_DatiPersonali stay at the standard paths; DF 1100 has no 1101. */
static const vc_node idemia_tree[] = {
    {0x3F00, VC_MF, -1, VC_ROLE_NONE, 0},    {0x1000, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1003, VC_EF, 1, VC_ROLE_SERIAL, 0},   {0x1100, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1102, VC_EF, 3, VC_ROLE_PERSONAL, 0}, {0x1400, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x9001, VC_DF, 5, VC_ROLE_NONE, 0},     {0x2002, VC_EF, 6, VC_ROLE_CERT, 0},
    {0x9002, VC_DF, 5, VC_ROLE_NONE, 1},
};

/* [guess] EF_IDCarta and EF_DatiPersonali stay at the standard paths; the applet holds only
 * the certificate at DA01/C001 (the read path docs/card.md knows). */
static const vc_node ace_tree[] = {
    {0x3F00, VC_MF, -1, VC_ROLE_NONE, 0},    {0x1000, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1003, VC_EF, 1, VC_ROLE_SERIAL, 0},   {0x1100, VC_DF, 0, VC_ROLE_NONE, 0},
    {0x1102, VC_EF, 3, VC_ROLE_PERSONAL, 0}, {NO_FID, VC_ADF, 0, VC_ROLE_NONE, 0},
    {0xDA01, VC_DF, 5, VC_ROLE_NONE, 0},     {0xC001, VC_EF, 6, VC_ROLE_CERT, 0},
};

static const vc_node empty_tree[] = {
    {0x3F00, VC_MF, -1, VC_ROLE_NONE, 0},
};

static const uint8_t ace_aid[] = {0xA0, 0x00, 0x00, 0x05, 0x30, 0x00,
                                  0x0B, 0x10, 0x40, 0x01, 0x02, 0x1A};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const vc_node *vc_tree(vcard_layout layout, size_t *count)
{
    switch (layout) {
    case VCARD_LAYOUT_STANDARD:
        *count = COUNT(standard_tree);
        return standard_tree;
    case VCARD_LAYOUT_IDEMIA2021:
        *count = COUNT(idemia_tree);
        return idemia_tree;
    case VCARD_LAYOUT_ACE2025:
        *count = COUNT(ace_tree);
        return ace_tree;
    case VCARD_LAYOUT_NONE:
        break;
    }
    *count = COUNT(empty_tree);
    return empty_tree;
}

const char *vc_role_file(vc_role role)
{
    switch (role) {
    case VC_ROLE_SERIAL:
        return "ef_idcarta.bin";
    case VC_ROLE_PERSONAL:
        return "ef_datipersonali.bin";
    case VC_ROLE_CERT:
        return "ef_cert.bin";
    case VC_ROLE_NONE:
    case VC_ROLE_COUNT:
        break;
    }
    return NULL;
}

const uint8_t *vc_ace_aid(size_t *len)
{
    *len = sizeof(ace_aid);
    return ace_aid;
}
