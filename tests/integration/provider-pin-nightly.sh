#!/usr/bin/env bash
# The nightly-job case (issue 10, item 1): a stale pin-source must not block the card, whatever
# the number of processes. Ten runs of curl and ten of `openssl dgst -sign` in new processes with
# a wrong pin-source: exactly one VERIFY on the card's log, the card ends with 2 tries left,
# every openssl run after the first says why the configured PIN was not used; after
# `tscns pin verify` with the right PIN and a fixed pin-source, curl works (and before that the
# program's own prompt, -passin, works despite the flagged pin-source). Then the user's PIN
# record itself: a fresh process with 1 try on record does not send the configured PIN; a
# corrupt or another user's record is ignored and replaced (the card's own 63Cx answer sets the
# rule again); the record holds no PIN.
set -euo pipefail

WRONG=11111111

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)
    record=$XDG_STATE_HOME/tscns/cards/$serial
    server_cert
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    tscns keyref -o "$T/key.pem"
    printf '%s\n' "$WRONG" >"$T/wrong"
    printf '%s\n' "$pin" >"$T/right"
    printf 'nightly\n' >"$T/data"
    prov_conf "$T/wrong.cnf" "file:$T/wrong"
    prov_conf "$T/right.cnf" "file:$T/right"
    today=$(date +%Y-%m-%d)
    why="the PIN in pin-source file:$T/wrong was rejected by the card on $today"

    card_tries() { sed -n 's/^pin_tries=//p' "$image/card.state"; }
    curl_run() { # CONF -> status of curl fetching the portal page
        OPENSSL_CONF=$1 curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
            --key "$T/key.pem" -o "$T/answer" "$url" </dev/null 2>"$T/curl.err"
    }
    sign_run() { # CONF -> status of openssl dgst -sign with the card key
        OPENSSL_CONF=$1 openssl dgst -sha256 -sign cns:type=private -out "$T/sig" "$T/data" \
            </dev/null >"$T/sign.out" 2>&1
    }

    note "ten curl runs and ten openssl runs with a wrong pin-source, each a new process"
    mark_log "$log"
    for i in $(seq 10); do
        if curl_run "$T/wrong.cnf"; then fail "curl run $i succeeded with a wrong PIN"; fi
    done
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY after ten curl runs"
    for i in $(seq 10); do
        if sign_run "$T/wrong.cnf"; then fail "openssl run $i signed with a wrong PIN"; fi
        assert_contains "$(cat "$T/sign.out")" "$why (2 tries left) and is not sent again" \
            "openssl run $i"
        assert_contains "$(cat "$T/sign.out")" 'check it with "tscns pin verify"' "openssl run $i"
    done
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY after ten curl and ten openssl runs"
    assert_eq "$(new_count "$log" PSO_DECIPHER)" 0 "signatures with a wrong PIN"
    assert_eq "$(card_tries)" 2 "the card's PIN tries left"

    note "the record: folder 0700, file 0600, facts only, no PIN"
    assert_eq "$(stat -c %a "$XDG_STATE_HOME/tscns/cards")" 700 "record folder mode"
    assert_eq "$(stat -c %a "$record")" 600 "record file mode"
    assert_contains "$(cat "$record")" "rejected " "record of the rejection"
    assert_contains "$(cat "$record")" "tries 2 " "record of the tries left"
    if grep -q -e "$WRONG" -e "$pin" "$record"; then fail "the record holds a PIN"; fi

    note "the program's own prompt still works: openssl -passin with the right PIN signs"
    mark_log "$log"
    OPENSSL_CONF=$T/wrong.cnf openssl dgst -sha256 -sign cns:type=private -passin "pass:$pin" \
        -out "$T/sig" "$T/data" </dev/null >"$T/sign.out" 2>&1 ||
        fail "openssl -passin: $(cat "$T/sign.out")"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY with -passin"
    if grep -q "^rejected " "$record"; then fail "the rejection stayed after -passin"; fi
    note "the wrong pin-source once more (2 tries left), then ten runs send nothing"
    if sign_run "$T/wrong.cnf"; then fail "signed with a wrong PIN"; fi
    for i in $(seq 10); do
        if sign_run "$T/wrong.cnf"; then fail "openssl run $i signed with a wrong PIN"; fi
    done
    assert_eq "$(new_count "$log" VERIFY)" 2 "VERIFY after -passin and eleven runs"
    assert_eq "$(card_tries)" 2 "the card's PIN tries left"

    note "a person verifies the PIN, the pin-source is fixed: curl works"
    tscns pin verify --pin-file "$T/right" >/dev/null
    assert_eq "$(card_tries)" 3 "tries after tscns pin verify"
    mark_log "$log"
    curl_run "$T/right.cnf" || fail "curl with the fixed pin-source: $(cat "$T/curl.err")"
    assert_contains "$(cat "$T/answer")" "Benvenuto" "portal page"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY by curl with the fixed pin-source"

    note "1 try left on record (two wrong PINs typed): a new process does not send pin-source"
    for _ in 1 2; do expect_fail tscns pin verify --pin-file "$T/wrong"; done
    mark_log "$log"
    if sign_run "$T/right.cnf"; then fail "signed with pin-source on the last try"; fi
    assert_contains "$(cat "$T/sign.out")" "not tried on the last try" "last try on record"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY on the last try"
    tscns pin verify --pin-file "$T/right" >/dev/null

    # Each case: the configured PIN is rejected once (63C2), the record is spoiled, one more run
    # sends it (63C1: nothing trustworthy said otherwise), the next sends nothing.
    spoiled() { # WHAT SPOIL-COMMAND...
        local what=$1
        shift
        mark_log "$log"
        if sign_run "$T/wrong.cnf"; then fail "$what: signed with a wrong PIN"; fi
        "$@"
        if sign_run "$T/wrong.cnf"; then fail "$what: signed with a wrong PIN"; fi
        assert_contains "$(cat "$T/sign.out")" "1 try left" "$what: the card's answer"
        assert_eq "$(stat -c %u "$record")" "$(id -u)" "$what: record replaced by the user's"
        assert_contains "$(head -n 1 "$record")" "tscns-pin-state 1" "$what: record rewritten"
        if sign_run "$T/wrong.cnf"; then fail "$what: signed with a wrong PIN"; fi
        assert_contains "$(cat "$T/sign.out")" "$why (1 try left)" "$what: after the 63C1"
        assert_eq "$(new_count "$log" VERIFY)" 2 "$what: VERIFY"
        assert_eq "$(card_tries)" 1 "$what: tries left"
        tscns pin verify --pin-file "$T/right" >/dev/null
    }
    note "a corrupt record is ignored and replaced"
    spoiled "corrupt record" sh -c 'printf "tscns-pin-state 1\ntries x\n" >"$1"' - "$record"
    note "another user's record is ignored and replaced"
    spoiled "foreign record" chown 65534 "$record"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card athena:"$T/athena" -- bash "$0" --inside
