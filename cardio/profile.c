/*
 * The card families. Sources: docs/card.md sections 1-3. [src] = seen in working code or a real
 * trace; [guess] = deduced, to be corrected here when a real card says otherwise.
 */
#include "profile.h"

#define PATH(...) .path = {__VA_ARGS__}, .path_len = sizeof((uint8_t[]){__VA_ARGS__})

/* [src] read path of ACe 2025; the signing path behind it is unknown. */
static const uint8_t ace2025_aid[] = {0xA0, 0x00, 0x00, 0x05, 0x30, 0x00,
                                      0x0B, 0x10, 0x40, 0x01, 0x02, 0x1A};

/* [src] every family keeps EF_IDCarta and EF_DatiPersonali at the standard paths. */
#define STD_DATA                                                                                   \
    .serial = {PATH(0x10, 0x00, 0x10, 0x03)}, .personal = {PATH(0x11, 0x00, 0x11, 0x02)}

const cardio_profile cardio_profiles[] = {
    {
        .name = "athena",
        .description = "Actalis on Athena (AC 2013, AC 2014, AC 2018), CNS 1.0, RSA-1024",
        .ic = -1,
        .mask = 0x0C,
        .os_min = 0x00,
        .os_max = 0xFF,
        .layout = LAYOUT_STANDARD,
        .cert = {PATH(0x11, 0x00, 0x11, 0x01)},
        STD_DATA,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_ok = 0, /* [guess] not needed for 1024-bit blocks */
    },
    {
        .name = "oberthur",
        .description = "Oberthur ID-One (OT 2015, OT 2016; ID 2019 with the standard layout), "
                       "CNS 1.0, RSA-1024",
        .ic = -1,
        .mask = 0x05,
        .os_min = 0x00,
        .os_max = 0x1F, /* [guess] ID 2019 split by H5 >= 0x20 */
        .layout = LAYOUT_STANDARD,
        .cert = {PATH(0x11, 0x00, 0x11, 0x01)},
        STD_DATA,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_ok = 0, /* [guess] */
        /* [guess] ID 2019 runs the OS of the idemia2021 row; a 6A86 costs only one retry. */
        .select_fci_fallback = 1,
    },
    {
        .name = "cardos",
        .description = "Siemens CardOS (regional cards such as Trento), CNS 1.0, RSA-1024",
        .ic = -1,
        .mask = 0x08,
        .os_min = 0x00,
        .os_max = 0xFF,
        .layout = LAYOUT_STANDARD,
        .cert = {PATH(0x11, 0x00, 0x11, 0x01)},
        STD_DATA,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_ok = 0, /* [guess] */
    },
    {
        .name = "st2021",
        .description = "STMicroelectronics / STIncard (ST 2021), CNS 1.1, RSA-2048",
        .ic = -1,
        .mask = 0x09,
        .os_min = 0x00,
        .os_max = 0xFF,
        .layout = LAYOUT_STANDARD,
        .cert = {PATH(0x11, 0x00, 0x11, 0x01)},
        STD_DATA,
        .key_ref = 0x01,
        .pin_ref = 0x90, /* [src] local PIN reference */
        .puk_ref = 0x91,
        .extended_ok = 1, /* [src] */
    },
    {
        .name = "idemia2021",
        .description = "IDEMIA (ACe 2021, ACx 2021, ID 2019 with the new layout), RSA-2048",
        .ic = 0x05,
        .mask = 0x05,
        .os_min = 0x20, /* [src] */
        .os_max = 0xFF,
        .layout = LAYOUT_IDEMIA2021,
        .cert = {PATH(0x14, 0x00, 0x90, 0x01, 0x20, 0x02)},
        STD_DATA, /* [guess] */
        .key_df = {PATH(0x14, 0x00, 0x90, 0x02)},
        .key_ref = 0x02,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_ok = 1, /* [guess] needed for RSA-2048 without chaining */
        /* [guess] docs/card.md section 4: some cards answer 6A86 to P2=0C. */
        .select_fci_fallback = 1,
    },
    {
        .name = "ace2025",
        .description = "ACe 2025 (NXP chip, G&D mask), RSA-2048, application behind an AID",
        .ic = -1,
        .mask = 0x04,
        .os_min = 0x00,
        .os_max = 0xFF,
        .layout = LAYOUT_AID,
        .cert = {.aid = ace2025_aid, .aid_len = sizeof(ace2025_aid), PATH(0xDA, 0x01, 0xC0, 0x01)},
        STD_DATA, /* [guess] */
        /* [guess] no DF to select before VERIFY / MSE */
        .key_ref = 0x01,  /* [guess] signing path unknown */
        .pin_ref = 0x10,  /* [src] */
        .puk_ref = 0x11,  /* [src] */
        .extended_ok = 1, /* [guess] */
    },
    {.name = NULL},
};

int loc_is_empty(const cardio_loc *loc)
{
    return loc->aid == NULL && loc->path_len == 0;
}
