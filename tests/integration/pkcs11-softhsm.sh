#!/usr/bin/env bash
# The PKCS#11 backend with SoftHSM2, a token that is no PC/SC card: an RSA-2048 key and a
# CNS-style certificate (a tscns-mkcard image's) on a private token directory. Through the
# module: `tscns readers` and `info`, `openssl s_client` TLS 1.3 (RSA-PSS on the host, raw RSA on
# the token) and TLS 1.2 (PKCS#1 v1.5), curl with a key-reference file written by `tscns keyref`,
# Python's ssl; a token whose key allows CKM_RSA_PKCS only (TLS 1.2 with PKCS#1 v1.5 through the
# DigestInfo path, RSA-PSS refused with the reason). backend = auto keeps the virtual card in
# the sandbox native (its VERIFY and PSO DECIPHER in its log) and serves the token through the
# module (nothing signed on the card). A wrong configured PIN: one C_Login (counted by OpenSC's pkcs11-spy between libp11 and SoftHSM),
# the reason and what the token tells of the tries, and no C_Login at all from a second process.
# A module that does not load and a token without a private key: a clear error, non-zero exit.
set -euo pipefail

SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
SPY=/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so
WRONG=11111111

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    card_image=$TSCNS_IMAGE_0
    card_log=$TSCNS_LOG_0
    card_serial=$(image_field "$card_image" serial)
    card_pin=$(image_field "$card_image" pin)

    note "a SoftHSM token with a CNS-style RSA-2048 key and certificate"
    mkimage st2021 "$T/img" --bits 2048 --ca "$card_image"
    image=$T/img
    pin=$(image_field "$image" pin)
    cf=$(image_field "$image" personal.codice_fiscale)
    name="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"
    export SOFTHSM2_CONF=$T/softhsm2.conf
    mkdir "$T/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$T/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label "CNS Token" --pin "$pin" --so-pin 87654321 >/dev/null
    softhsm2-util --init-token --free --label "No Key" --pin "$pin" --so-pin 87654321 >/dev/null
    softhsm2-util --init-token --free --label "PKCS1 Only" --pin "$pin" --so-pin 87654321 \
        >/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$image/key.pem" -outform DER -out "$T/key.p8"
    put() { # TOKEN-LABEL pkcs11-tool options...
        pkcs11-tool --module "$SOFTHSM" --token-label "$1" --login --pin "$pin" "${@:2}" \
            >"$T/put.out" 2>&1 || fail "pkcs11-tool ${*:2}: $(cat "$T/put.out")"
    }
    put "CNS Token" --write-object "$T/key.p8" --type privkey --id 01 --label cns
    put "CNS Token" --write-object "$image/cert.der" --type cert --id 01 --label cns
    put "No Key" --write-object "$image/cert.der" --type cert --id 02 --label lonely
    # A key that allows no CKM_RSA_X_509 (CKA_ALLOWED_MECHANISMS): a token that signs PKCS#1 only.
    put "PKCS1 Only" --write-object "$T/key.p8" --type privkey --id 03 --label k \
        --allowed-mechanisms RSA-PKCS
    put "PKCS1 Only" --write-object "$image/cert.der" --type cert --id 03 --label k

    note "tscns readers: the card native, the tokens through the module"
    tscns readers --pkcs11-module "$SOFTHSM" --json >"$T/readers.json"
    token_serial() {
        "$PY" -c 'import json,sys
print([t["serial"] for t in json.load(open(sys.argv[1]))["tokens"] if t["label"] == sys.argv[2]][0])' \
            "$T/readers.json" "$1"
    }
    serial=$(token_serial "CNS Token")
    nokey_serial=$(token_serial "No Key")
    pkcs1_serial=$(token_serial "PKCS1 Only")
    [ -n "$serial" ] && [ "$serial" != "$nokey_serial" ] || fail "token serials '$serial' '$nokey_serial'"
    assert_eq "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["readers"][0]["backend"])' \
        "$T/readers.json")" native "readers --json: the recognised card's backend"
    out=$(tscns readers --pkcs11-module "$SOFTHSM")
    assert_contains "$out" "backend: native (recognised from its ATR)" "readers: the card"
    assert_contains "$out" "PKCS#11 token \"CNS Token\" (serial $serial" "readers: the token"
    # SoftHSM hides private keys until login: a token with a certificate alone looks the same.
    assert_contains "$out" "PKCS#11 token \"No Key\" (serial $nokey_serial" "readers: token 2"

    note "tscns info through the module: what it cannot read is said, not made up"
    out=$(tscns info --pkcs11-module "$SOFTHSM" --serial "$serial")
    assert_contains "$out" "Card serial:      $serial" "info: token serial"
    assert_contains "$out" "Backend:          pkcs11 (module $SOFTHSM, backend auto" "info: backend"
    assert_contains "$out" "serialNumber=$cf" "info: the certificate"
    assert_contains "$out" "(not readable through a PKCS#11 module)" "info: EF_DatiPersonali"
    tscns info --pkcs11-module "$SOFTHSM" --serial "$serial" --json >"$T/info.json"
    assert_eq "$(json_get "$T/info.json" backend)" pkcs11 "info --json: backend"
    assert_eq "$(json_get "$T/info.json" personal)" None "info --json: personal"

    note "tscns pin through the module: verify is C_Login, a change is refused with the reason"
    printf '%s\n' "$pin" >"$T/pin"
    printf '11223344\n' >"$T/newpin"
    assert_eq "$(tscns pin verify --pkcs11-module "$SOFTHSM" --serial "$serial" \
        --pin-file "$T/pin")" "PIN correct." "tscns pin verify"
    expect_fail tscns pin change --pkcs11-module "$SOFTHSM" --serial "$serial" \
        --pin-file "$T/pin" --new-pin-file "$T/newpin"
    assert_eq "$RC" 3 "exit code of a PIN change through the module"
    assert_contains "$OUT" "CHANGE PIN through a PKCS#11 module, token CNS Token" "pin change"

    server_cert
    prov_conf "$T/p11.cnf" "" "pkcs11-module = $SOFTHSM" "backend = pkcs11"

    note "tscns doctor and info take the backend from the provider's configuration"
    OPENSSL_CONF=$T/p11.cnf tscns doctor --serial "$serial" >"$T/doctor.txt" ||
        fail "doctor: $(cat "$T/doctor.txt")"
    assert_contains "$(cat "$T/doctor.txt")" \
        "backend          pkcs11 (from [tscns_sect] of $T/p11.cnf), module $SOFTHSM showing 3 token(s)" \
        "doctor: the backend line"
    assert_contains "$(cat "$T/doctor.txt")" "serial $serial, in 'CNS Token', backend pkcs11" \
        "doctor: the card line"
    out=$(OPENSSL_CONF=$T/p11.cnf tscns info --serial "$serial")
    assert_contains "$out" "backend pkcs11, from [tscns_sect] of $T/p11.cnf" "info: the source"
    handshake() { # WHAT CNF SERIAL PIN SERVER-CLIENT-SIGALGS EXPECTED-TYPE [s_client options...]
        # EXPECTED-TYPE: an extended regular expression; OpenSSL 3.0 prints RSA / RSA-PSS, 3.5
        # the TLS names (rsa_pkcs1_sha256, rsa_pss_rsae_sha256).
        local what=$1 cnf=$2 ser=$3 p=$4 sigalgs=$5 expected=$6
        shift 6
        start_s_server "$image/ca.pem" 1 -client_sigalgs "$sigalgs"
        printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
        OPENSSL_CONF=$cnf openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
            -cert "cns:serial=$ser;type=cert" -key "cns:serial=$ser;type=private" \
            -pass "pass:$p" -cipher DEFAULT@SECLEVEL=1 -ign_eof "$@" <"$T/req" \
            >"$T/client.out" 2>&1 || fail "$what: s_client failed: $(tail -n 20 "$T/client.out")"
        wait "${_prov_pids[-1]}" || fail "$what: s_server failed: $(cat "$SERVER_OUT")"
        grep -q "HTTP/1.0 200 ok" "$T/client.out" || fail "$what: no answer from s_server"
        sed -n '/HTTP\/1.0 200 ok/,$p' "$T/client.out" >"$T/page"
        grep -Eq "^Peer signature type: ($expected)\$" "$T/page" ||
            fail "$what: the client did not sign with $expected"
    }

    note "s_client TLS 1.3 (RSA-PSS) through SoftHSM: no APDU to the card"
    mark_log "$card_log"
    handshake "token TLS 1.3" "$T/p11.cnf" "$serial" "$pin" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'
    grep -q "Protocol  : TLSv1.3" "$T/client.out" || fail "token: not TLS 1.3"
    grep -Eq "depth=0 .*serialNumber ?= ?$cf" "$SERVER_OUT" || fail "token: s_server saw no holder"
    assert_eq "$(new_total "$card_log")" 0 "APDUs to the card with backend = pkcs11"

    note "s_client TLS 1.2 with PKCS#1 v1.5 (RSA+SHA256) through SoftHSM"
    handshake "token TLS 1.2" "$T/p11.cnf" "$serial" "$pin" RSA+SHA256 'RSA|rsa_pkcs1_sha256' -tls1_2
    grep -q "Protocol  : TLSv1.2" "$T/client.out" || fail "token: not TLS 1.2"

    note "a token without CKM_RSA_X_509: TLS 1.2 with PKCS#1 v1.5 works, RSA-PSS is refused"
    handshake "PKCS#1 only, TLS 1.2" "$T/p11.cnf" "$pkcs1_serial" "$pin" RSA+SHA256 'RSA|rsa_pkcs1_sha256' -tls1_2
    keyref "$T/pkcs1.pem" "cns:serial=$pkcs1_serial;type=private"
    echo "data to sign" >"$T/data"
    expect_fail env OPENSSL_CONF="$T/p11.cnf" openssl dgst -sha256 -sign "$T/pkcs1.pem" \
        -sigopt rsa_padding_mode:pss -passin "pass:$pin" -out "$T/sig" "$T/data"
    assert_contains "$OUT" "does not do raw RSA (CKM_RSA_X_509), only PKCS#1 v1.5 signatures: no RSA-PSS" \
        "PKCS#1 only, RSA-PSS: the reason"

    note "curl with the key-reference file of tscns keyref, and Python ssl"
    tscns keyref --pkcs11-module "$SOFTHSM" --serial "$serial" -o "$T/key.pem"
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    OPENSSL_CONF=$T/p11.cnf curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
        --key "$T/key.pem" --pass "$pin" -o "$T/answer" "$url" 2>"$T/err" ||
        fail "curl: $(cat "$T/err")"
    assert_contains "$(cat "$T/answer")" "Benvenuto, $name" "curl: holder name"
    assert_contains "$(cat "$T/answer")" "TLS: TLSv1.3" "curl: TLS version"
    OPENSSL_CONF=$T/p11.cnf "$PY" "$HARNESS/tls_fetch.py" "$image/cert.pem" "$T/key.pem" "$url" \
        "$T/server.pem" "$pin" >"$T/answer.json" 2>"$T/err" || fail "python: $(cat "$T/err")"
    assert_eq "$(json_get "$T/answer.json" codice_fiscale)" "$cf" "python: codice fiscale"

    note "backend = auto: the recognised card stays native, the token goes through the module"
    prov_conf "$T/auto.cnf" "" "pkcs11-module = $SOFTHSM"
    mark_log "$card_log"
    handshake "auto, card" "$T/auto.cnf" "$card_serial" "$card_pin" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'
    assert_eq "$(new_count "$card_log" VERIFY)" 1 "auto, card: VERIFY on the card"
    assert_eq "$(new_count "$card_log" PSO_DECIPHER)" 1 "auto, card: signature on the card"
    mark_log "$card_log"
    handshake "auto, token" "$T/auto.cnf" "$serial" "$pin" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256'
    assert_eq "$(new_count "$card_log" VERIFY)" 0 "auto, token: VERIFY on the card"
    assert_eq "$(new_count "$card_log" PSO_DECIPHER)" 0 "auto, token: signature on the card"

    note "a wrong configured PIN: one C_Login, then none from a second process"
    prov_conf "$T/spy.cnf" env:TSCNS_TEST_PIN "pkcs11-module = $SPY" "backend = pkcs11"
    export PKCS11SPY=$SOFTHSM PKCS11SPY_OUTPUT=$T/spy.log
    wrong_try() {
        expect_fail env OPENSSL_CONF="$T/spy.cnf" TSCNS_TEST_PIN=$WRONG openssl dgst -sha256 \
            -sign "$T/key.pem" -out "$T/sig" "$T/data"
    }
    wrong_try
    assert_contains "$OUT" "C_Login: CKR_PIN_INCORRECT" "the reason, first process"
    assert_contains "$OUT" "tries left unknown" "the tries, as far as SoftHSM tells"
    assert_eq "$(grep -c 'C_Login' "$T/spy.log")" 1 "C_Login calls, first process"
    wrong_try
    assert_contains "$OUT" "not sent again" "the second process says why"
    assert_eq "$(grep -c 'C_Login' "$T/spy.log")" 1 "C_Login calls after a second process"
    unset PKCS11SPY PKCS11SPY_OUTPUT

    note "a module that does not load, a token without a private key: clear errors"
    expect_fail tscns info --backend pkcs11 --pkcs11-module "$T/missing.so"
    assert_eq "$RC" 3 "exit code, missing module"
    assert_contains "$OUT" "PKCS#11 module failed (module $T/missing.so: No such file" "missing module"
    printf 'not a module\n' >"$T/bogus.so"
    expect_fail tscns info --backend pkcs11 --pkcs11-module "$T/bogus.so"
    assert_contains "$OUT" "module $T/bogus.so: loading it failed" "a file that is no module"
    prov_conf "$T/bad.cnf" "" "pkcs11-module = $T/missing.so" "backend = pkcs11"
    expect_fail env OPENSSL_CONF="$T/bad.cnf" openssl pkey -in "$T/key.pem" -pubout \
        -passin "pass:$pin"
    assert_contains "$OUT" "$T/missing.so" "openssl pkey names the module"
    keyref "$T/nokey.pem" "cns:serial=$nokey_serial;type=private"
    expect_fail env OPENSSL_CONF="$T/p11.cnf" openssl dgst -sha256 -sign "$T/nokey.pem" \
        -passin "pass:$pin" -out "$T/sig" "$T/data"
    assert_contains "$OUT" "no private key with the certificate's CKA_ID on token No Key" \
        "a token without a key"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card athena:"$T/athena" -- bash "$0" --inside
