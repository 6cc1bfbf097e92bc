#!/usr/bin/env bash
# A card that answers 6Cxx (a Le correction) to VERIFY gets no second VERIFY: a PIN try the card
# may have counted is never resent automatically. `tscns pin verify` fails with a clear message
# that names the status word, and the card's own log shows exactly one VERIFY.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    pin=$(image_field "$img" pin)
    printf '%s\n' "$pin" >"$T/pin"
    expect_fail tscns pin verify --pin-file "$T/pin"
    assert_contains "$OUT" "malformed answer" "$profile: the message says what went wrong"
    assert_contains "$OUT" "SW 6C08" "$profile: the message names the status word"
    assert_contains "$OUT" "not resent" "$profile: the message says nothing was resent"
    case "$OUT" in *"$pin"*) fail "$profile: the PIN appears in the output: $OUT" ;; esac
    assert_eq "$(apdu_count "$log" VERIFY)" 1 "$profile: VERIFY commands the card received"
    grep -q " VERIFY .* -> 6C08 " "$log" || fail "$profile: the card's log has no VERIFY -> 6C08"
    exit 0
fi

for profile in athena idemia2021; do
    mkimage "$profile" "$T/$profile"
    sandbox --card "$profile:$T/$profile" --vcard-opts "--corrupt verify-6c" -- \
        bash "$0" --inside "$profile" || fail "$profile"
    note "cardio-sensitive-resend: $profile"
done
