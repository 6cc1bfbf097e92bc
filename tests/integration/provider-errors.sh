#!/usr/bin/env bash
# Errors a user can act on, and no hang: no pcscd, no reader, an empty reader, a card that is
# not a TS-CNS card, a card that computes a wrong signature, a malformed URI or key-reference
# file. Every command runs under a timeout that turns a hang into a failure. And the other
# side: calls that succeed leave no error behind in OpenSSL's queue.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    case=$2

    # REASON WHAT [URI [ONCE [DATA]]]: ONCE is a phrase the message says only once; DATA is
    # what OpenSSL prints after the reason (and the source position): the facts it lacks.
    sign_fails() {
        local uri=${3:-cns:type=private}
        echo "to be signed" >"$T/msg"
        expect_fail timeout 20 openssl pkeyutl -provider default -provider tscns -sign \
            -inkey "$uri" -passin pass:12345678 -in "$T/msg"
        [ "$RC" -ne 124 ] || fail "$2: openssl hung"
        assert_contains "$OUT" ":$1:" "$2"
        [ -z "${5:-}" ] || assert_contains "$OUT" ":$5" "$2"
        # OpenSSL prints the source file's path too: the checkout's folder may hold the phrase.
        if [ -n "${4:-}" ]; then
            assert_eq "$(grep -o -F -- "$4" <<<"${OUT//$TSCNS_SRC/}" | wc -l)" 1 \
                "$2: times the message says '$4' in: $OUT"
        fi
    }

    case $case in
    no-pcscd)
        note "no PC/SC service"
        sign_fails "no PC/SC service (is pcscd running?)" "without pcscd" cns:type=private pcscd \
            "SCardEstablishContext returned 0x"
        ;;
    no-reader)
        note "pcscd without any reader"
        sign_fails "no smart-card reader" "without a reader" cns:type=private reader \
            "SCardListReaders returned 0x"
        ;;
    empty-reader)
        note "an empty reader"
        sign_fails "no card in reader" "with an empty reader" cns:type=private "no card"
        reader_pct=$(uri_quote "$TSCNS_READER_0")
        sign_fails "no card in reader" "naming the empty reader" \
            "cns:reader=$reader_pct;type=private" "no card" "reader $TSCNS_READER_0"
        sign_fails "no card in reader" "naming a serial" \
            "cns:serial=5000000000000009;type=private" "serial 5000000000000009" \
            "serial 5000000000000009"
        sign_fails "no card in reader" "naming a serial and the empty reader" \
            "cns:reader=$reader_pct;serial=5000000000000009;type=private" "no card" \
            "serial 5000000000000009, reader $TSCNS_READER_0"
        ;;
    foreign-card)
        note "a card that is not a TS-CNS card"
        sign_fails "card not supported" "with a foreign card" cns:type=private "supported" "ATR 3B"
        ;;
    bad-signature)
        note "a card whose raw RSA result is wrong: caught before anyone sees the signature"
        sign_fails "card error" "with a faulty card" cns:type=private "card error" \
            "the card's signature does not verify with its certificate's public key"
        ;;
    clean-queue)
        pin=$(image_field "$TSCNS_IMAGE_0" pin)
        tscns keyref -o "$T/key.pem"
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sw.pem" 2>/dev/null
        for order in "" --tscns-first; do
            note "successful calls leave the error queue empty (providers: ${order:-default first})"
            timeout 60 tscns-test-clean-errors "$T/key.pem" "$pin" "$T/sw.pem" $order \
                >"$T/clean.out" 2>&1 || fail "error queue after success: $(cat "$T/clean.out")"
            assert_contains "$(cat "$T/clean.out")" "failures=0" "error queue after success"
        done
        ;;
    bad-input)
        note "malformed URIs and key-reference files"
        sign_fails "invalid cns: URI" "unknown attribute" "cns:colour=blue" "" \
            "cns:colour=blue: unknown attribute"
        sign_fails "invalid cns: URI" "malformed serial" "cns:serial=12-3"
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
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" --vcard-opts "--corrupt bad-signature" -- \
    bash "$0" --inside bad-signature
mkimage athena "$T/athena-ok"
sandbox --card "athena:$T/athena-ok" -- bash "$0" --inside clean-queue
sandbox --readers 1 -- bash "$0" --inside bad-input
