#!/usr/bin/env bash
# Signatures through tscns.so (tests/integration/provider_sign.c): the PROPERTIES and
# MGF1_PROPERTIES parameters are honoured (a query the digests cannot meet fails, one they meet
# signs); and a card whose signature is wrong leaves nothing of it in the caller's buffer.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    log=$TSCNS_LOG_0
    pin=$(image_field "$TSCNS_IMAGE_0" pin)
    case $2 in
    properties)
        note "PROPERTIES and MGF1_PROPERTIES: provider=nosuch fails, provider=default signs"
        mark_log "$log"
        timeout 60 tscns-test-sign properties cns:type=private "$pin" >"$T/sign.out" 2>&1 ||
            fail "property queries: $(cat "$T/sign.out")"
        assert_eq "$(grep -c "as expected" "$T/sign.out")" 6 "cases as expected"
        # Only the three cases whose query can be met reach the card.
        assert_eq "$(new_count "$log" PSO_DECIPHER)" 3 "signatures made by the card"
        ;;
    failed-buffer)
        note "a wrong signature from the card: the call fails, the caller's buffer is zero"
        mark_log "$log"
        timeout 60 tscns-test-sign failed-buffer cns:type=private "$pin" >"$T/sign.out" 2>&1 ||
            fail "caller's buffer: $(cat "$T/sign.out")"
        assert_contains "$(cat "$T/sign.out")" "signature bytes not zero: 0 of" "driver report"
        assert_eq "$(new_count "$log" PSO_DECIPHER)" 1 "the card signed once"
        ;;
    esac
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside properties
sandbox --card "athena:$T/athena" --vcard-opts "--corrupt bad-signature" -- \
    bash "$0" --inside failed-buffer
