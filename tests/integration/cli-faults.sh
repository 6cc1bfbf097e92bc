#!/usr/bin/env bash
# tscns when things go wrong: a card pulled in the middle of a certificate read (and put back),
# no PC/SC service, no reader, an empty reader, a card that is not a TS-CNS, a contactless ATR,
# a --reader that matches nothing. Each gives a clear message and a documented exit status.
. "$(dirname "$0")/lib.sh"

# Milliseconds since the epoch, for the "fails fast" check.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

inside_removal() {
    local profile=$1 img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 before total trailing n
    # Learn where the certificate read is: a clean run, then the trailing run of READ BINARY.
    before=$(apdu_total "$log")
    tscns cert --der >"$T/clean.der"
    assert_files_equal "$T/clean.der" "$img/cert.der" "$profile: clean read"
    total=$(( $(apdu_total "$log") - before ))
    trailing=$(tail -n "$total" "$log" | awk '{print $2}' | tac |
        awk '$1 == "READ_BINARY" {n++; next} {exit} END {print n + 0}')
    [ "$trailing" -ge 2 ] || fail "$profile: the certificate read is not several READ BINARY ($trailing)"
    # Answer everything up to and including the first certificate READ BINARY, then pull.
    n=$((total - trailing + 1))
    note "$profile: cert takes $total APDUs, $trailing READ BINARY; pulling the card after $n"

    sandbox-card remove 0
    sandbox-card insert 0 "$img" --remove-after "$n"
    expect_fail tscns cert --der -o "$T/pulled.der"
    assert_eq "$RC" 2 "$profile: exit status when the card is pulled"
    case "$OUT" in *[Rr]emoved*) ;; *) fail "$profile: no 'removed' in: $OUT" ;; esac
    [ ! -e "$T/pulled.der" ] || fail "$profile: a partial certificate file was written"
    assert_eq "$(tail -n 1 "$log" | awk '{print $2}')" READ_BINARY "$profile: last APDU before the pull"

    # The card comes back on the same port: the next command works.
    sandbox-card wait-absent 0
    sandbox-card insert 0 "$img"
    tscns cert --der >"$T/back.der"
    assert_files_equal "$T/back.der" "$img/cert.der" "$profile: read after reinsertion"
}

inside_no_service() {
    local t0 t1
    t0=$(now_ms)
    expect_fail tscns info
    t1=$(now_ms)
    assert_eq "$RC" 2 "exit status without pcscd"
    assert_contains "$OUT" "pcscd" "message without pcscd"
    [ $((t1 - t0)) -lt 2000 ] || fail "no-pcscd error took $((t1 - t0)) ms"
    expect_fail tscns readers
    assert_eq "$RC" 2 "readers without pcscd"
    note "no pcscd: error after $((t1 - t0)) ms: $OUT"
}

inside_no_reader() {
    expect_fail tscns info
    assert_eq "$RC" 2 "exit status with no reader"
    assert_contains "$OUT" "reader" "message with no reader"
    expect_fail tscns readers --json
    assert_eq "$RC" 2 "readers with no reader"
}

inside_empty_reader() {
    expect_fail tscns info
    assert_eq "$RC" 2 "exit status with an empty reader"
    case "$OUT" in *"no card"* | *"No card"* | *"insert"*) ;; *) fail "empty reader message: $OUT" ;; esac
    tscns readers --json >"$T/readers.json"
    "$PY" - "$T/readers.json" "$TSCNS_READER_0" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["readers"]
# vpcd always brings readers in pairs: the sandbox's reader is one of them.
assert sys.argv[2] in [x["name"] for x in r], r
assert all(x["card_present"] is False and x["atr"] is None for x in r), r
PYEOF
    assert_contains "$(tscns readers)" "no card" "readers text with an empty reader"
    expect_fail tscns --reader "no such reader" info
    assert_eq "$RC" 2 "exit status for a --reader that matches nothing"
    expect_fail tscns readers --reader "no such reader"
    assert_eq "$RC" 2 "readers --reader that matches nothing"
}

inside_not_tscns() { # what
    local what=$1 atr
    atr=$(image_field "$TSCNS_IMAGE_0" atr | tr -d ' ' | tr a-f A-F)
    expect_fail tscns info
    assert_eq "$RC" 3 "exit status for the $what card"
    case "$what" in
    unknown)
        # The ATR is named so the user can report it.
        compact=$(printf '%s' "$OUT" | tr -d ' ' | tr a-f A-F)
        assert_contains "$compact" "$atr" "ATR in the unknown-card message"
        ;;
    contactless) assert_contains "$OUT" "contact" "contactless message" ;;
    esac
    tscns readers --json >"$T/readers.json"
    "$PY" - "$T/readers.json" "$atr" <<'PYEOF'
import json, sys
r = [x for x in json.load(open(sys.argv[1]))["readers"] if x["card_present"]]
assert len(r) == 1, r
assert r[0]["atr"].upper() == sys.argv[2], r
assert r[0]["family"] is None, r
PYEOF
}

inside_mixed() {
    # An unknown card in reader 0 and a TS-CNS in reader 1: the TS-CNS is the one used.
    tscns info --json >"$T/info.json"
    assert_eq "$(json_get "$T/info.json" serial)" "$(image_field "$TSCNS_IMAGE_1" serial)" \
        "the recognised card is chosen"
    assert_eq "$(json_get "$T/info.json" reader)" "$TSCNS_READER_1" "reader of the chosen card"
    expect_fail tscns --reader "$TSCNS_READER_0" info
    assert_eq "$RC" 3 "--reader pointing at the unknown card"
}

if [ "${1:-}" = --inside ]; then
    shift
    "inside_$1" "${@:2}"
    exit 0
fi

for p in athena oberthur cardos st2021 idemia2021 ace2025; do
    sandbox --card "$p:$T/img-$p" -- bash "$0" --inside removal "$p" || fail "removal ($p)"
done
sandbox --no-pcscd -- bash "$0" --inside no_service || fail "no pcscd"
sandbox --readers 0 -- bash "$0" --inside no_reader || fail "no reader"
sandbox --readers 1 -- bash "$0" --inside empty_reader || fail "empty reader"
sandbox --card unknown:"$T/img-unknown" -- bash "$0" --inside not_tscns unknown || fail "unknown card"
sandbox --card contactless:"$T/img-cl" -- bash "$0" --inside not_tscns contactless ||
    fail "contactless card"
sandbox --card unknown:"$T/img-unknown" --card athena:"$T/img-athena" -- bash "$0" --inside mixed ||
    fail "unknown and TS-CNS side by side"
