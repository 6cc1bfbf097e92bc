#!/usr/bin/env bash
# A hostile card through the provider: for every `tscns-vcard --corrupt` mode, curl 7.88 (card
# key by the key-reference file) against the demo portal and `openssl s_client` against
# `openssl s_server` end in bounded time (each under `timeout`), without a crash (no signal:
# in the sanitizer build an ASan report aborts), with a non-zero exit and the provider's message
# naming the problem (`log = stderr`: curl prints only its own words otherwise), and the card's
# PIN counter untouched: no VERIFY when the corruption hits before it, never a resent one.
# bad-personal corrupts EF_DatiPersonali, which no handshake reads: there both succeed.
set -euo pipefail

# A bound against hangs, not a speed claim (a sanitizer build on a loaded machine).
LIMIT=30

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    mode=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    tries() { sed -n 's/^pin_tries=//p' "$image/card.state"; }
    tries_before=$(tries)
    server_cert
    start_portal "$image/ca.pem"
    keyref "$T/key.pem" "cns:type=private"
    prov_conf "$T/openssl.cnf" "" "log = stderr"
    export OPENSSL_CONF=$T/openssl.cnf
    printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"

    # What each mode must end with: the provider's words, and the VERIFYs sent and their answer.
    case $mode in
    short-sw) message="no status word" verifies=0 ;;
    bad-serial) message="EF_IDCarta is not 16 digits" verifies=0 ;;
    bad-cert) message="holds no DER certificate" verifies=0 ;;
    bad-signature) message="signature does not verify" verifies=1 sw=9000 ;;
    verify-6c) message="SW 6C08" verifies=1 sw=6C08 ;;
    bad-personal) message="" verifies=1 sw=9000 ;;
    *) fail "no expectation for corrupt mode $mode" ;;
    esac

    # RUN WHAT COMMAND...: runs it bounded; a crash or a timeout fails the test at once.
    run() {
        local what=$1
        shift
        set +e
        OUT=$(timeout "$LIMIT" "$@" 2>&1 <"$T/req")
        RC=$?
        set -e
        [ "$RC" -ne 124 ] || fail "$mode $what: still running after $LIMIT s"
        [ "$RC" -lt 125 ] || fail "$mode $what: killed by a signal (exit $RC): $OUT"
    }
    check() { # WHAT
        if [ -z "$message" ]; then
            [ "$RC" -eq 0 ] || fail "$mode $1: failed (exit $RC): $OUT"
        else
            [ "$RC" -ne 0 ] || fail "$mode $1: succeeded with a corrupt card"
            assert_contains "$OUT" "tscns: " "$mode $1: the provider's message"
            assert_contains "$OUT" "$message" "$mode $1: the message names the problem"
        fi
        assert_eq "$(new_count "$log" VERIFY)" "$verifies" "$mode $1: VERIFYs sent"
        if [ "$verifies" -gt 0 ]; then
            assert_contains "$(new_log "$log" | grep " VERIFY ")" "-> $sw" "$mode $1: VERIFY answer"
        fi
        assert_eq "$(tries)" "$tries_before" "$mode $1: the card's PIN tries"
    }

    note "$mode: curl --key keyref.pem --pass PIN"
    mark_log "$log"
    run curl curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" --key "$T/key.pem" \
        --pass "$pin" "https://127.0.0.1:$PORTAL_PORT/"
    check curl
    [ -n "$message" ] || assert_contains "$OUT" "Benvenuto" "$mode curl: the portal's answer"

    note "$mode: openssl s_client -key cns:type=private"
    start_s_server "$image/ca.pem" 1
    mark_log "$log"
    run s_client openssl s_client -connect "127.0.0.1:$SERVER_PORT" -cert "$image/cert.pem" \
        -key cns:type=private -pass "pass:$pin" -ign_eof
    check s_client
    [ -n "$message" ] || assert_contains "$OUT" "HTTP/1.0 200 ok" "$mode s_client: the answer"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
# Every mode the card knows, from its table (tests/vcard/vcard_engine.c): a new mode without an
# expectation above fails the test.
modes=$(grep -oE '\{"[a-z0-9-]+", VCARD_FAULT_' "$TSCNS_SRC/tests/vcard/vcard_engine.c" | cut -d'"' -f2)
[ "$(echo "$modes" | wc -l)" -ge 6 ] || fail "the corrupt modes were not found: $modes"
mkimage athena "$T/athena"
for mode in $modes; do
    cp -r "$T/athena" "$T/card-$mode"
    sandbox --card "athena:$T/card-$mode" --vcard-opts "--corrupt $mode" -- \
        bash "$0" --inside "$mode" || fail "corrupt mode $mode"
done
note "corrupt modes through the provider: $(echo "$modes" | tr "\n" " ")"
