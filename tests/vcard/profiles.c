/* The one table of card families the virtual card can play (docs/card.md sections 1-4). */
#include <string.h>

#include "profiles.h"

/*
 * Choices that docs/card.md leaves open, made once here:
 * - Certificate EF capacities are [guess]: large enough for a renewed certificate, as the
 *   files of real cards are sized at personalisation.
 * - UPDATE BINARY of the certificate needs the PUK verified on every profile [guess: the 2022
 *   official tool asked for the PIN and the PUK, docs/card.md section 6].
 * - GET CHALLENGE limits other than IDEMIA's 32 bytes are [guess].
 * - idemia2021 answers 6A86 to SELECT with P2=0C [guess; docs/card.md: "some cards answer 6A86 to
 *   P2=0C"]: it is the family least like the others, so clients learn to retry with P2=00.
 * - cardos counts an empty VERIFY as a wrong PIN [guess; docs/card.md section 5 says some
 *   cards do], which is why a client must never send one.
 * - ace2025 omits the file size from its FCI [guess; docs/card.md section 4: "some cards omit it"].
 */
static const vcard_profile profiles[] = {
    {
        .name = "athena",
        .description = "Actalis AC 2013/2014/2018, Athena OS, CNS 1.0",
        .atr_hex = "3BDF18008131FE7D006B020C0182011101434E53103180FC",
        .key_bits = 1024,
        .layout = VCARD_LAYOUT_STANDARD,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 0,
        .chaining = 1,
        .challenge_max = 0xFF,
        .cert_capacity = 2048,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "no extended APDUs, chaining, challenge limit, capacity, update rule",
    },
    {
        .name = "oberthur",
        .description = "Oberthur ID-One OT 2015/2016, CNS 1.0",
        .atr_hex = "3BFF1800008131FE45006B04050100011101434E5310318069",
        .key_bits = 1024,
        .layout = VCARD_LAYOUT_STANDARD,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 0,
        .chaining = 1,
        .challenge_max = 0xFF,
        .cert_capacity = 2048,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "no extended APDUs, chaining, challenge limit, capacity, update rule",
    },
    {
        .name = "cardos",
        .description = "Siemens CardOS (Trento and others), CNS 1.0",
        .atr_hex = "3BFF1800FFC10A31FE55006B0508C80C011101434E5310318005",
        .key_bits = 1024,
        .layout = VCARD_LAYOUT_STANDARD,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 1,
        .chaining = 1,
        .challenge_max = 0xFF,
        .cert_capacity = 2048,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 1,
        .key_df_required = 0,
        .guesses = "extended APDUs, empty VERIFY counted as a failure, challenge limit, capacity, "
                   "update rule",
    },
    {
        .name = "st2021",
        .description = "STMicroelectronics / STIncard ST 2021, CNS 1.1",
        .atr_hex = "3BFF1800FF8131FE55006B02091617011101434E531131808D",
        .key_bits = 2048,
        .layout = VCARD_LAYOUT_STANDARD,
        .key_ref = 0x01,
        .pin_ref = 0x90,
        .puk_ref = 0x91,
        .extended_apdu = 1,
        .chaining = 0,
        .challenge_max = 0xFF,
        .cert_capacity = 2560,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "challenge limit, capacity, update rule",
    },
    {
        .name = "idemia2021",
        .description = "Actalis / IDEMIA ACe 2021, IDEMIA-2021 layout",
        .atr_hex = "3BFF1800008131FE45006B05052000012101434E5310318079",
        .key_bits = 2048,
        .layout = VCARD_LAYOUT_IDEMIA2021,
        .key_ref = 0x02,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 1,
        .chaining = 1,
        .challenge_max = 0x20,
        .cert_capacity = 3072,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 1,
        .empty_verify_counts = 0,
        .key_df_required = 1,
        .guesses = "6A86 to P2=0C, EF_IDCarta and EF_DatiPersonali at the standard paths, "
                   "chaining, capacity, update rule",
    },
    {
        .name = "ace2025",
        .description = "Actalis ACe 2025, NXP chip with G&D mask, applet behind an AID",
        .atr_hex = "3BFF1800FF8131FE4D006B0404B85B01F101434E531031809D",
        .key_bits = 2048,
        .layout = VCARD_LAYOUT_ACE2025,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 1,
        .chaining = 1,
        .challenge_max = 0xFF,
        .cert_capacity = 3072,
        .cert_update_needs_puk = 1,
        .fci_has_size = 0,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "key ref 0x01, signing by MSE/PSO DECIPHER like the others, FCI without size, "
                   "EF_IDCarta and EF_DatiPersonali at the standard paths, chaining, capacity, "
                   "update rule",
    },
    {
        .name = "contactless",
        .description = "STIncard ST 2022 seen through the contactless interface",
        .atr_hex = "3B80800101",
        .key_bits = 2048,
        .layout = VCARD_LAYOUT_STANDARD,
        .key_ref = 0x01,
        .pin_ref = 0x90,
        .puk_ref = 0x91,
        .extended_apdu = 1,
        .chaining = 0,
        .challenge_max = 0xFF,
        .cert_capacity = 2560,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "all but the ATR: it answers like st2021 (a client should stop at the ATR)",
    },
    {
        .name = "unknown",
        .description = "a JCOP Java Card, not a TS-CNS card",
        .atr_hex = "3BF81300008131FE454A434F5076323431B7",
        .key_bits = 2048,
        .layout = VCARD_LAYOUT_NONE,
        .key_ref = 0x01,
        .pin_ref = 0x10,
        .puk_ref = 0x11,
        .extended_apdu = 1,
        .chaining = 1,
        .challenge_max = 0xFF,
        .cert_capacity = 0,
        .cert_update_needs_puk = 1,
        .fci_has_size = 1,
        .rejects_p2_0c = 0,
        .empty_verify_counts = 0,
        .key_df_required = 0,
        .guesses = "not a CNS card: only an MF",
    },
};

const vcard_profile *vcard_profile_find(const char *name)
{
    for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
        if (strcmp(profiles[i].name, name) == 0) {
            return &profiles[i];
        }
    }
    return NULL;
}

const vcard_profile *vcard_profile_at(size_t i)
{
    return i < sizeof(profiles) / sizeof(profiles[0]) ? &profiles[i] : NULL;
}
