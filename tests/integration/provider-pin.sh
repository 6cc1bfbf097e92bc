#!/usr/bin/env bash
# PIN discipline of the provider (docs/card.md, section 5), counted in the card's APDU log:
# a wrong PIN fails the handshake with the tries left and exactly one VERIFY; a rejected
# configured PIN is never sent again in the process; the configured PIN is not tried when the
# card has one try left; a blocked PIN says how to unblock it.
set -euo pipefail

WRONG=11111111

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    step=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    server_cert
    printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"

    s_client_with() { # PIN -> fails or not; output in $T/client.out
        start_s_server "$image/ca.pem" 1
        openssl s_client -provider default -provider tscns -connect "127.0.0.1:$SERVER_PORT" \
            -cert cns:type=cert -key cns:type=private -pass "pass:$1" \
            -cipher DEFAULT@SECLEVEL=1 -ign_eof <"$T/req" >"$T/client.out" 2>&1
    }

    case $step in
    last-try)
        note "a wrong PIN from -pass: the handshake fails, 2 tries left, one VERIFY"
        mark_log "$log"
        if s_client_with "$WRONG"; then fail "s_client succeeded with a wrong PIN"; fi
        assert_contains "$(cat "$T/client.out")" "wrong PIN" "s_client error"
        assert_contains "$(cat "$T/client.out")" "2 tries left" "s_client error"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY for one wrong PIN"
        assert_eq "$(new_count "$log" PSO_DECIPHER)" 0 "signatures after a wrong PIN"

        note "one try left: the configured PIN is not tried (one process, two configurations)"
        printf '%s\n' "$pin" >"$T/pin"
        prov_conf "$T/pinfile.cnf" "file:$T/pin"
        mark_log "$log"
        tscns-test-last-try cns:type=private "$WRONG" "$T/pinfile.cnf" >"$T/last.out" 2>&1 ||
            fail "tscns-test-last-try: $(cat "$T/last.out")"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY: the wrong one only, not the configured"

        note "the PIN typed by the user still works on the last try (new process)"
        mark_log "$log"
        s_client_with "$pin" || fail "s_client with the right PIN: $(tail -n 20 "$T/client.out")"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY with the right PIN"
        ;;
    no-resend)
        note "a wrong configured PIN: sent once, never again in the same process"
        prov_conf "$T/env.cnf" env:TSCNS_TEST_PIN
        start_s_server "$image/ca.pem" 2
        mark_log "$log"
        if OPENSSL_CONF=$T/env.cnf TSCNS_TEST_PIN=$WRONG tscns-test-threads \
            --connect "127.0.0.1:$SERVER_PORT" --cert cns:type=cert --key cns:type=private \
            --count 2 --seclevel 1 >"$T/threads.out" 2>&1; then
            fail "handshakes succeeded with a wrong configured PIN"
        fi
        assert_contains "$(cat "$T/threads.out")" "handshakes=2 failures=2" "both handshakes fail"
        assert_contains "$(cat "$T/threads.out")" "2 tries left" "first handshake's error"
        assert_contains "$(cat "$T/threads.out")" "not sent again" "second handshake's error"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY for two handshakes with a wrong PIN"

        note "blocked: the message says how to unblock"
        if s_client_with "$WRONG"; then fail "s_client succeeded with a wrong PIN"; fi
        assert_contains "$(cat "$T/client.out")" "1 try left" "second wrong PIN"
        if s_client_with "$WRONG"; then fail "s_client succeeded with a wrong PIN"; fi
        assert_contains "$(cat "$T/client.out")" "PIN blocked: unblock with \`tscns pin unblock\`" \
            "third wrong PIN"
        mark_log "$log"
        if s_client_with "$pin"; then fail "s_client succeeded with a blocked PIN"; fi
        assert_contains "$(cat "$T/client.out")" "PIN blocked" "right PIN on a blocked card"
        assert_eq "$(new_count "$log" PSO_DECIPHER)" 0 "signatures with a blocked PIN"
        ;;
    esac
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside last-try
mkimage st2021 "$T/st2021" --ca "$T/athena"
sandbox --card "st2021:$T/st2021" -- bash "$0" --inside no-resend
