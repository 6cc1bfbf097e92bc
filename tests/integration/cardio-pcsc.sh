#!/usr/bin/env bash
# cardio's PC/SC transport against a real pcscd with virtual cards (tscns-cardio-probe): one
# handle survives a card pulled in the middle of a read and works again once the card is back;
# a reset by another program takes the PIN state away; a fork()ed child signs through its own
# context; no pcscd, no reader and an empty reader fail fast with their own errors; a card is
# chosen by reader substring, by serial, or as the first card cardio recognises.
. "$(dirname "$0")/lib.sh"

probe() { "$BIN/tscns-cardio-probe" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
field() { # OUTPUT KEY -> value of the first "KEY: value" line
    printf '%s\n' "$1" | sed -n "s/^$2: //p" | head -n 1
}

inside_removal() {
    local img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 out n before pid
    export TSCNS_PROBE_PIN
    TSCNS_PROBE_PIN=$(json_get "$img/image.json" pin)

    # How many APDUs opening the card costs here, so the pull lands inside the next read.
    out=$(probe info)
    n=$(field "$out" apdus)
    [ -n "$n" ] && [ "$n" -gt 0 ] || fail "no APDU count from: $out"
    # Open, then SELECT EF_DatiPersonali and its first READ BINARY; the second READ fails.
    n=$((n + 2))
    note "pulling the card after $n APDUs, between two READ BINARY of EF_DatiPersonali"
    sandbox-card remove 0
    sandbox-card insert 0 "$img" --remove-after "$n"
    before=$(apdu_total "$log")
    probe personal-until-ok >"$T/personal.out" 2>&1 &
    pid=$!
    # The probe says when it has seen the removal (bounded wait: 10 s).
    for _ in $(seq 500); do
        grep -q "personal: TSCNS_E_CARD_REMOVED" "$T/personal.out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    assert_contains "$(cat "$T/personal.out")" "personal: TSCNS_E_CARD_REMOVED" "error while pulled"
    assert_eq "$(tail -n 1 "$log" | awk '{print $2}')" READ_BINARY "last APDU before the pull"
    assert_eq "$(($(apdu_total "$log") - before))" "$n" "APDUs the card answered"
    sandbox-card wait-absent 0
    before=$(apdu_total "$log")
    sandbox-card insert 0 "$img"
    wait "$pid" || fail "the same handle did not recover: $(cat "$T/personal.out")"
    out=$(cat "$T/personal.out")
    assert_contains "$out" "personal: ok" "read after reinsertion"
    assert_eq "$(field "$out" surname)" "$(json_get "$img/image.json" personal.surname)" "surname"
    # The handle checked it is the same card (EF_IDCarta) before reading on (P2 0C or 00).
    tail -n +"$((before + 1))" "$log" | head -n 1 | grep -qE ' SELECT 00A4080[C0]0410001003' ||
        fail "first APDU after reconnecting is not SELECT EF_IDCarta: $(tail -n +"$((before + 1))" "$log" | head -n 1)"
}

inside_pin_state() {
    local img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 out before
    export TSCNS_PROBE_PIN
    TSCNS_PROBE_PIN=$(json_get "$img/image.json" pin)

    out=$(probe reset-then-sign)
    assert_contains "$out" "before-reset-signature: valid" "signature before the reset"
    assert_eq "$(field "$out" after-reset)" TSCNS_E_CARD_RESET "signature right after the reset"
    assert_eq "$(field "$out" pin-verified)" 0 "PIN state after the reset"
    assert_contains "$out" "after-verify-signature: valid" "signature after a new VERIFY"

    before=$(apdu_count "$log" VERIFY)
    out=$(probe fork-sign)
    assert_contains "$out" "parent-signature: valid" "parent signs"
    assert_contains "$out" "child-signature: valid" "forked child signs"
    assert_contains "$out" "child: ok" "child exit"
    assert_contains "$out" "parent-after-signature: valid" "parent signs after the child"
    # The child used the PIN state of the card; nobody verified twice.
    assert_eq "$(($(apdu_count "$log" VERIFY) - before))" 1 "VERIFY commands for fork-sign"
}

inside_choice() {
    local serial1 out
    serial1=$(json_get "$TSCNS_IMAGE_1/image.json" serial)

    # Reader 0 holds a card that is not a TS-CNS: the first recognised card is in reader 1.
    out=$(probe info)
    assert_eq "$(field "$out" reader)" "$TSCNS_READER_1" "first recognised card"
    out=$(probe --serial "$serial1" info)
    assert_eq "$(field "$out" serial)" "$serial1" "card chosen by serial"
    expect_fail probe --serial 5000000000000009 info
    assert_contains "$OUT" "TSCNS_E_NO_CARD" "unknown serial"
    expect_fail probe --reader "${TSCNS_READER_0: -5}" info
    assert_contains "$OUT" "TSCNS_E_UNKNOWN_CARD" "the non-CNS card by reader name"
    assert_contains "$OUT" "3B F8 13 00" "ATR in the detail"
    expect_fail probe --reader "no such reader" info
    assert_contains "$OUT" "TSCNS_E_NO_READER" "reader substring matching nothing"
    out=$(probe readers)
    assert_contains "$out" "$TSCNS_READER_1 | card | $(json_get "$TSCNS_IMAGE_1/image.json" profile)" \
        "family from the ATR in the reader list"
}

inside_contactless() {
    expect_fail probe info
    assert_contains "$OUT" "TSCNS_E_CONTACTLESS" "contactless ATR"
    assert_contains "$OUT" "contact slot" "what to do"
}

inside_empty() {
    expect_fail probe info
    assert_contains "$OUT" "TSCNS_E_NO_CARD" "empty reader"
}

inside_no_reader() {
    expect_fail probe readers
    assert_contains "$OUT" "TSCNS_E_NO_READER" "no reader"
}

inside_no_service() {
    local t0 t1
    t0=$(now_ms)
    expect_fail probe info
    t1=$(now_ms)
    assert_contains "$OUT" "TSCNS_E_NO_SERVICE" "no pcscd"
    [ $((t1 - t0)) -lt 2000 ] || fail "no pcscd took $((t1 - t0)) ms to report"
    note "no pcscd reported in $((t1 - t0)) ms"
}

if [ "${1:-}" = --inside ]; then
    "inside_$2"
    exit 0
fi

for profile in athena st2021 idemia2021; do
    note "removal and PIN state: $profile"
    mkimage "$profile" "$T/$profile"
    sandbox --card "$profile:$T/$profile" -- bash "$0" --inside removal
    sandbox --card "$profile:$T/$profile" -- bash "$0" --inside pin_state
done
mkimage unknown "$T/unknown"
mkimage oberthur "$T/oberthur"
sandbox --card "unknown:$T/unknown" --card "oberthur:$T/oberthur" -- bash "$0" --inside choice
mkimage contactless "$T/nfc"
sandbox --card "contactless:$T/nfc" -- bash "$0" --inside contactless
sandbox --readers 1 -- bash "$0" --inside empty
sandbox --readers 0 -- bash "$0" --inside no_reader
sandbox --no-pcscd -- bash "$0" --inside no_service
echo "cardio-pcsc: all passed"
