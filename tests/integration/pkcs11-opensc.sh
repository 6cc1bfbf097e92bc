#!/usr/bin/env bash
# The PKCS#11 backend over OpenSC 0.23's opensc-pkcs11.so and the virtual athena card: with
# backend = pkcs11, `openssl s_client` TLS 1.3 (RSA-PSS: raw RSA through CKM_RSA_X_509) and TLS 1.2
# (PKCS#1 v1.5), curl with a key-reference file and Python's ssl sign on the card through the
# module (one VERIFY and one PSO DECIPHER in the card's log per process). OpenSC flags the user
# PIN locked (tries left 0) without asking the card; the login goes anyway, on purpose
# (cardio/README.md). A wrong PIN: one VERIFY reaches the card, the message says what the module
# tells of the tries, and a second process sends nothing. backend = auto with the same module
# keeps the recognised card native. Reports the APDUs and wall time of a cold handshake both
# ways (docs/benchmarks.md). st2021: OpenSC 0.23 as installed chains the 2048-bit PSO DECIPHER,
# which the card refuses (vcard-opensc.sh): a clear error; with an OpenSC configuration that
# raises the reader's max_send_size it sends one extended APDU, and the same steps pass.
set -euo pipefail

OPENSC=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
WRONG=11111111

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)
    cf=$(image_field "$image" personal.codice_fiscale)
    name="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"
    server_cert
    prov_conf "$T/p11.cnf" "" "pkcs11-module = $OPENSC" "backend = pkcs11" "debug = 1"
    prov_conf "$T/auto.cnf" "" "pkcs11-module = $OPENSC" "debug = 1"
    prov_conf "$T/native.cnf" ""

    handshake() { # WHAT CNF SERVER-CLIENT-SIGALGS EXPECTED-TYPE [s_client options...]
        # EXPECTED-TYPE: an extended regular expression; OpenSSL 3.0 prints RSA / RSA-PSS, 3.5
        # the TLS names (rsa_pkcs1_sha256, rsa_pss_rsae_sha256).
        local what=$1 cnf=$2 sigalgs=$3 expected=$4 t0 t1
        shift 4
        start_s_server "$image/ca.pem" 1 -client_sigalgs "$sigalgs"
        printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
        mark_log "$log"
        t0=$(date +%s%N)
        OPENSSL_CONF=$cnf openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
            -cert "cns:serial=$serial;type=cert" -key "cns:serial=$serial;type=private" \
            -pass "pass:$pin" -ign_eof "$@" <"$T/req" >"$T/client.out" 2>&1 ||
            fail "$what: s_client failed: $(tail -n 20 "$T/client.out")"
        t1=$(date +%s%N)
        wait "${_prov_pids[-1]}" || fail "$what: s_server failed: $(cat "$SERVER_OUT")"
        grep -Eq "depth=0 .*serialNumber ?= ?$cf" "$SERVER_OUT" || fail "$what: no holder seen"
        sed -n '/HTTP\/1.0 200 ok/,$p' "$T/client.out" >"$T/page"
        grep -Eq "^Peer signature type: ($expected)\$" "$T/page" ||
            fail "$what: the client did not sign with $expected"
        assert_eq "$(new_count "$log" VERIFY)" 1 "$what: VERIFY"
        assert_eq "$(new_count "$log" PSO_DECIPHER)" 1 "$what: PSO DECIPHER"
        echo "APDUs $profile $what: cold s_client handshake: $(new_total "$log")," \
            "$(((t1 - t0) / 1000000)) ms" >&2
    }

    if [ "$profile" = st2021 ]; then
        keyref "$T/key.pem" "cns:serial=$serial;type=private"
        echo "data to sign" >"$T/data"
        note "st2021 through OpenSC 0.23 as installed: the chained PSO DECIPHER is refused"
        expect_fail env OPENSSL_CONF="$T/p11.cnf" openssl dgst -sha256 -sign "$T/key.pem" \
            -passin "pass:$pin" -out "$T/sig" "$T/data"
        assert_contains "$OUT" "C_Sign (CKM_RSA_X_509) returned" "the failed call"
        assert_contains "$OUT" "module $OPENSC" "the module"
        note "st2021: an OpenSC reader configuration with max_send_size: one extended APDU"
        printf 'app default {\n reader_driver pcsc {\n  max_send_size = 65535;\n  max_recv_size = 65536;\n }\n}\n' \
            >"$T/opensc.conf"
        export OPENSC_CONF=$T/opensc.conf
    fi

    note "$profile: OpenSC flags the PIN locked; tscns logs in anyway"
    out=$(pkcs11-tool --module "$OPENSC" -L 2>&1)
    assert_contains "$out" "user PIN locked" "OpenSC's token flags (if this fails, update docs)"

    note "$profile: TLS 1.3 (RSA-PSS) and TLS 1.2 (PKCS#1 v1.5) through opensc-pkcs11.so"
    handshake "pkcs11 TLS 1.3" "$T/p11.cnf" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'
    grep -q "Protocol  : TLSv1.3" "$T/client.out" || fail "not TLS 1.3"
    case $(cat "$T/client.out") in *"($profile, backend native)"*) fail "pkcs11: opened natively" ;; esac
    assert_contains "$(cat "$T/client.out")" "(pkcs11, backend pkcs11)" "the provider's debug line"
    handshake "pkcs11 TLS 1.2" "$T/p11.cnf" RSA+SHA256 'RSA|rsa_pkcs1_sha256' -tls1_2
    grep -q "Protocol  : TLSv1.2" "$T/client.out" || fail "not TLS 1.2"

    note "$profile: backend = auto with the same module: the recognised card stays native"
    handshake "auto TLS 1.3" "$T/auto.cnf" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'
    assert_contains "$(cat "$T/client.out")" "($profile, backend native)" "auto: native"
    handshake "native TLS 1.3" "$T/native.cnf" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'

    note "$profile: curl with a key-reference file, Python ssl, through the module"
    tscns keyref -o "$T/key.pem"
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    mark_log "$log"
    OPENSSL_CONF=$T/p11.cnf curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
        --key "$T/key.pem" --pass "$pin" -o "$T/answer" "$url" 2>"$T/err" ||
        fail "curl: $(cat "$T/err")"
    assert_contains "$(cat "$T/answer")" "Benvenuto, $name" "curl: holder name"
    assert_contains "$(cat "$T/err")" "(pkcs11, backend pkcs11)" "curl: through the module"
    assert_eq "$(new_count "$log" VERIFY)" 1 "curl: VERIFY"
    OPENSSL_CONF=$T/p11.cnf "$PY" "$HARNESS/tls_fetch.py" "$image/cert.pem" "$T/key.pem" "$url" \
        "$T/server.pem" "$pin" >"$T/answer.json" 2>"$T/err" || fail "python: $(cat "$T/err")"
    assert_eq "$(json_get "$T/answer.json" codice_fiscale)" "$cf" "python: codice fiscale"

    note "$profile: a wrong configured PIN through the module: one VERIFY, then none"
    prov_conf "$T/wrong.cnf" env:TSCNS_TEST_PIN "pkcs11-module = $OPENSC" "backend = pkcs11"
    echo "data to sign" >"$T/data"
    mark_log "$log"
    expect_fail env OPENSSL_CONF="$T/wrong.cnf" TSCNS_TEST_PIN=$WRONG openssl dgst -sha256 \
        -sign "$T/key.pem" -out "$T/sig" "$T/data" </dev/null
    assert_contains "$OUT" "C_Login: CKR_PIN_INCORRECT" "the reason"
    assert_contains "$OUT" "tries left unknown" "OpenSC 0.23 does not pass the card's count on"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY from the first process"
    new_log "$log" | grep -q ' VERIFY .* -> 63C2 ' || fail "the card did not count the wrong PIN"
    mark_log "$log"
    expect_fail env OPENSSL_CONF="$T/wrong.cnf" TSCNS_TEST_PIN=$WRONG openssl dgst -sha256 \
        -sign "$T/key.pem" -out "$T/sig" "$T/data" </dev/null
    assert_contains "$OUT" "not sent again" "the second process says why"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY from the second process"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card athena:"$T/athena" -- bash "$0" --inside athena
mkimage st2021 "$T/st2021" --ca "$T/athena"
sandbox --card st2021:"$T/st2021" -- bash "$0" --inside st2021
