#!/usr/bin/env bash
# Card removal and a hung card as a PC/SC client sees them: tscns-vcard --remove-after N
# closes its socket after N APDUs (the next transmit fails, pcscd reports the reader empty),
# and --hang-after N leaves a transmit blocked until the card is pulled.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    reader=$TSCNS_READER_0
    sel_mf=00A4000C023F00

    note "the card answers 3 APDUs, then the 4th transmit fails"
    expect_fail tscns-vcard-apdu --reader "$reader" $sel_mf $sel_mf $sel_mf $sel_mf
    assert_eq "$(printf '%s\n' "$OUT" | grep -c '^9000$')" 3 "APDUs answered before removal"
    # Depending on where pcscd's poll is, the lost card shows as a failed SCardTransmit or as
    # an answer with no bytes at all (vpcd's way of reporting a vanished card mid-transmit).
    printf '%s\n' "$OUT" | grep -qE 'SCardTransmit|answer of 0 bytes' ||
        fail "the 4th APDU did not fail as a lost card: $OUT"
    tscns-pcsc-wait absent "$reader" 10 || fail "pcscd never reported the card gone"
    assert_contains "$(cat "$TSCNS_SANDBOX/slot0.stderr")" "card pulled after 3 APDUs" \
        "the card's own account"
    assert_eq "$(apdu_total "$TSCNS_LOG_0")" 3 "APDUs in the card log"

    note "put back without a limit, the same image answers again"
    sandbox-card insert 0 "$TSCNS_IMAGE_0"
    assert_eq "$(tscns-vcard-apdu --reader "$reader" $sel_mf)" 9000 "after reinsertion"

    note "a card that hangs after 1 APDU blocks the client until it is pulled"
    sandbox-card remove 0
    sandbox-card insert 0 "$TSCNS_IMAGE_0" --hang-after 1
    tscns-vcard-apdu --reader "$reader" $sel_mf $sel_mf >"$T/hung.out" 2>&1 &
    client=$!
    # The client must still be blocked once the card says it hangs (bounded poll, 10 s).
    for _ in $(seq 500); do
        grep -q "hanging after 1 APDUs" "$TSCNS_SANDBOX/slot0.stderr" && break
        sleep 0.02
    done
    assert_contains "$(cat "$TSCNS_SANDBOX/slot0.stderr")" "hanging after 1 APDUs" "hang notice"
    kill -0 "$client" 2>/dev/null || fail "the client was not blocked by the hung card"
    sandbox-card remove 0
    set +e
    wait "$client"
    rc=$?
    set -e
    [ "$rc" -ne 0 ] || fail "the blocked transmit succeeded after the card was pulled: $(cat "$T/hung.out")"
    assert_eq "$(grep -c "^9000$" "$T/hung.out")" 1 "answers from the hung card"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/card"
sandbox --card athena:"$T/card" --vcard-opts "--remove-after 3" -- bash "$0" --inside
