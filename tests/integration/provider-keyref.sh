#!/usr/bin/env bash
# The key-reference file (`tscns keyref`) read by the openssl command itself, which goes
# through OSSL_STORE's file: loader rather than PEM_read_bio_PrivateKey (curl, Python):
# `openssl pkey -in key.pem -pubout` gives the certificate's public key with the providers
# named on the command line in either order and through OPENSSL_CONF; `s_client -key key.pem`
# authenticates; a wrong PIN, a reference of the wrong type and a missing card are reported
# with their own reason (not "unsupported"), with one VERIFY per process and none resent;
# software keys still decode with the provider loaded.
set -euo pipefail

WRONG=11111111

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    cf=$(image_field "$image" personal.codice_fiscale)
    tscns keyref -o "$T/key.pem"
    openssl x509 -in "$image/cert.pem" -pubkey -noout >"$T/card-pub.pem"
    prov_conf "$T/plain.cnf" ""

    pubout() { # WHAT IN OUT [openssl pkey options...]
        local what=$1 in=$2 out=$3
        shift 3
        mark_log "$log"
        openssl pkey "$@" -in "$in" -pubout -passin "pass:$pin" -out "$out" \
            2>"$T/err" || fail "$what: $(cat "$T/err")"
        assert_files_equal "$out" "$T/card-pub.pem" "$what: public key"
        assert_eq "$(new_count "$log" VERIFY)" 1 "$what: VERIFY"
    }

    note "openssl pkey -provider default -provider tscns -in key.pem -pubout"
    pubout "default then tscns" "$T/key.pem" "$T/pub1.pem" -provider default -provider tscns
    note "the providers in the other order"
    pubout "tscns then default" "$T/key.pem" "$T/pub2.pem" -provider tscns -provider default
    note "the providers from OPENSSL_CONF"
    OPENSSL_CONF=$T/plain.cnf pubout "OPENSSL_CONF" "$T/key.pem" "$T/pub3.pem"

    note "the key reference after a certificate in one file, and with CRLF line ends"
    cat "$image/cert.pem" "$T/key.pem" >"$T/cert-and-key.pem"
    pubout "certificate then key reference" "$T/cert-and-key.pem" "$T/pub5.pem" \
        -provider default -provider tscns
    sed 's/$/\r/' "$T/key.pem" >"$T/key-crlf.pem"
    pubout "CRLF line ends" "$T/key-crlf.pem" "$T/pub6.pem" -provider default -provider tscns

    note "s_client -cert cert.pem -key key.pem (TLS 1.3, the file: route to the card key)"
    server_cert
    start_s_server "$image/ca.pem" 1
    printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
    openssl s_client -provider default -provider tscns -connect "127.0.0.1:$SERVER_PORT" \
        -cert "$image/cert.pem" -key "$T/key.pem" -pass "pass:$pin" \
        -cipher DEFAULT@SECLEVEL=1 -ign_eof <"$T/req" >"$T/client.out" 2>&1 ||
        fail "s_client -key key.pem: $(tail -n 20 "$T/client.out")"
    wait "${_prov_pids[-1]}" || fail "s_server failed: $(cat "$SERVER_OUT")"
    grep -q "Protocol  : TLSv1.3" "$T/client.out" || fail "s_client -key key.pem: not TLS 1.3"
    grep -Eq "depth=0 .*serialNumber ?= ?$cf" "$SERVER_OUT" ||
        fail "s_server did not see the card holder: $(cat "$SERVER_OUT")"

    note "a wrong PIN: the reason and the tries left, one VERIFY"
    mark_log "$log"
    expect_fail openssl pkey -provider default -provider tscns -in "$T/key.pem" -pubout \
        -passin "pass:$WRONG"
    assert_contains "$OUT" "wrong PIN" "wrong PIN through the file: route"
    assert_contains "$OUT" "2 tries left" "wrong PIN through the file: route"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY for one wrong PIN"
    note "the right PIN resets the counter"
    pubout "after a wrong PIN" "$T/key.pem" "$T/pub4.pem" -provider default -provider tscns

    note "a key reference to the certificate, and one to a card that is not there"
    keyref "$T/cert-ref.pem" "cns:type=cert"
    expect_fail openssl pkey -provider default -provider tscns -in "$T/cert-ref.pem" -pubout \
        -passin "pass:$pin"
    assert_contains "$OUT" "invalid TSCNS KEY REFERENCE file" "reference to a certificate"
    assert_contains "$OUT" "type= must be private" "reference to a certificate"
    keyref "$T/other.pem" "cns:serial=5000000000000009;type=private"
    expect_fail openssl pkey -provider default -provider tscns -in "$T/other.pem" -pubout \
        -passin "pass:$pin"
    assert_contains "$OUT" ":serial 5000000000000009" "reference to a missing card"

    note "software keys (PEM and DER) decode as before with the provider loaded"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sw.pem" 2>/dev/null
    openssl pkey -in "$T/sw.pem" -outform DER -out "$T/sw.der"
    for form in PEM DER; do
        file=$T/sw.pem
        [ "$form" = PEM ] || file=$T/sw.der
        openssl pkey -provider default -provider tscns -inform "$form" -in "$file" -pubout \
            -out "$T/sw-with.pem" || fail "software $form key with tscns loaded"
        openssl pkey -inform "$form" -in "$file" -pubout -out "$T/sw-without.pem"
        assert_files_equal "$T/sw-with.pem" "$T/sw-without.pem" "software $form public key"
    done
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside
