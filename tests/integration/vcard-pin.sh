#!/usr/bin/env bash
# The virtual card's PIN and PUK counters through the real PC/SC stack (pcscd + vpcd): three
# wrong PINs block, the block survives a restart of the card process, the PUK unblocks, three
# wrong PUKs kill the card for good. APDUs are sent raw with tscns-vcard-apdu.
set -euo pipefail

# Inside the sandbox: the steps, against the card in reader 0.
if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    reader=$TSCNS_READER_0
    image=$TSCNS_IMAGE_0
    pin_hex=$(printf '%s' "$(image_field "$image" pin)" | to_hex)
    puk_hex=$(printf '%s' "$(image_field "$image" puk)" | to_hex)
    pad() { # hex of 5-8 digits -> 8 bytes padded with FF
        local h=$1
        while [ ${#h} -lt 16 ]; do h=${h}FF; done
        echo "$h"
    }
    wrong_pin=$(pad 3131313131)
    right_pin=$(pad "$pin_hex")
    new_pin=$(pad 3234363830)   # 24680
    right_puk=$(pad "$puk_hex")
    wrong_puk=$(pad 3939393939)
    sw() { # APDU -> the status word of its answer
        local out
        out=$(tscns-vcard-apdu --reader "$reader" "$1")
        echo "${out: -4}"
    }
    restart_card() {
        sandbox-card remove 0
        sandbox-card insert 0 "$image"
    }

    note "three wrong PINs: 63C2, 63C1, then blocked"
    assert_eq "$(sw "0020001008$wrong_pin")" 63C2 "first wrong PIN"
    assert_eq "$(sw "0020001008$wrong_pin")" 63C1 "second wrong PIN"
    assert_eq "$(sw "0020001008$wrong_pin")" 6983 "third wrong PIN"
    assert_eq "$(sw "0020001008$right_pin")" 6983 "right PIN on a blocked card"

    note "the block survives a restart of the card process"
    restart_card
    assert_eq "$(sw "0020001008$right_pin")" 6983 "right PIN after restart"

    note "the PUK unblocks and sets a new PIN"
    assert_eq "$(sw "002C001010$right_puk$new_pin")" 9000 "RESET RETRY COUNTER"
    assert_eq "$(sw "0020001008$right_pin")" 63C2 "old PIN after unblock"
    assert_eq "$(sw "0020001008$new_pin")" 9000 "new PIN after unblock"

    note "three wrong PUKs kill the card, also after a restart"
    for _ in 1 2 3; do sw "0020001008$wrong_pin" >/dev/null; done
    assert_eq "$(sw "002C001010$wrong_puk$new_pin")" 63C2 "first wrong PUK"
    assert_eq "$(sw "002C001010$wrong_puk$new_pin")" 63C1 "second wrong PUK"
    assert_eq "$(sw "002C001010$wrong_puk$new_pin")" 6983 "third wrong PUK"
    restart_card
    assert_eq "$(sw "002C001010$right_puk$new_pin")" 6983 "right PUK on a dead card"
    assert_eq "$(sw "0020001008$new_pin")" 6983 "PIN on a dead card"

    note "the APDU log counts every VERIFY and never shows a PIN or PUK"
    log=$TSCNS_LOG_0
    assert_eq "$(apdu_count "$log" VERIFY)" 11 "VERIFY lines in the log"
    assert_eq "$(apdu_count "$log" RESET_RETRY_COUNTER)" 5 "RESET RETRY COUNTER lines"
    for secret in "$pin_hex" "$puk_hex" 3131313131 3939393939 3234363830; do
        if grep -q "$secret" "$log"; then fail "the log shows secret bytes $secret"; fi
    done
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/card"
sandbox --card athena:"$T/card" -- bash "$0" --inside
