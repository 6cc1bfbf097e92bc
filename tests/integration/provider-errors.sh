#!/usr/bin/env bash
# Errors a user can act on, and no hang: no pcscd, no reader, an empty reader, a card that is
# not a TS-CNS card, a malformed URI or key-reference file. Every command runs under a timeout
# that turns a hang into a failure.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    . "$TSCNS_SRC/provider/tests/helpers.sh"
    case=$2

    sign_fails() { # EXPECTED-TEXT WHAT [URI]
        local uri=${3:-cns:type=private}
        echo "to be signed" >"$T/msg"
        expect_fail timeout 20 openssl pkeyutl -provider default -provider tscns -sign \
            -inkey "$uri" -passin pass:12345678 -in "$T/msg"
        [ "$RC" -ne 124 ] || fail "$2: openssl hung"
        assert_contains "$OUT" "$1" "$2"
    }

    case $case in
    no-pcscd)
        note "no PC/SC service"
        sign_fails "no PC/SC service (is pcscd running?)" "without pcscd"
        ;;
    no-reader)
        note "pcscd without any reader"
        sign_fails "no smart-card reader" "without a reader"
        ;;
    empty-reader)
        note "an empty reader"
        sign_fails "no card in reader" "with an empty reader"
        reader_pct=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' \
            "$TSCNS_READER_0")
        sign_fails "no card in reader $TSCNS_READER_0" "naming the empty reader" \
            "cns:reader=$reader_pct;type=private"
        ;;
    foreign-card)
        note "a card that is not a TS-CNS card"
        sign_fails "card not supported" "with a foreign card"
        ;;
    bad-input)
        note "malformed URIs and key-reference files"
        sign_fails "invalid cns: URI" "unknown attribute" "cns:colour=blue"
        sign_fails "invalid cns: URI" "short serial" "cns:serial=123"
        sign_fails "invalid cns: URI" "unknown type" "cns:type=secret"
        sign_fails "invalid cns: URI" "bad percent-encoding" "cns:reader=a%2"
        keyref "$T/bad.pem" "cns:type=cert"
        prov_conf "$T/openssl.cnf" ""
        server_cert
        # PEM_read_bio_PrivateKey (as curl and Python call it); this driver prints the errors.
        expect_fail env OPENSSL_CONF="$T/openssl.cnf" timeout 20 tscns-test-threads \
            --connect 127.0.0.1:1 --cert "$T/server.pem" --key "$T/bad.pem"
        assert_contains "$OUT" "invalid TSCNS KEY REFERENCE file" "key reference to a certificate"
        ;;
    esac
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage unknown "$T/unknown"
sandbox --no-pcscd -- bash "$0" --inside no-pcscd
sandbox --readers 0 -- bash "$0" --inside no-reader
sandbox --readers 1 -- bash "$0" --inside empty-reader
sandbox --card "unknown:$T/unknown" -- bash "$0" --inside foreign-card
sandbox --readers 1 -- bash "$0" --inside bad-input
