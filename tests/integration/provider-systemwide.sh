#!/usr/bin/env bash
# Loaded system-wide next to `default` (examples/openssl.cnf with a PIN configured), the
# provider changes nothing for programs that never name a card key: TLS without client auth
# (s_client, curl, Python), software-key signatures (byte-identical to a run without the
# provider), key generation, certificate verification. The card sees no APDU, and no process
# even connects to pcscd.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    server_cert
    printf '%s\n' "$pin" >"$T/pin"
    # The shipped example, pointing at this build and with its pin-source line enabled.
    example_conf "$T/openssl.cnf" "s#^\# pin-source = file:.*#pin-source = file:$T/pin#"
    grep -q "^pin-source = file:$T/pin" "$T/openssl.cnf" || fail "examples/openssl.cnf changed shape"
    mark_log "$log"
    export OPENSSL_CONF=$T/openssl.cnf

    note "the provider is active"
    assert_contains "$(openssl list -providers)" "tscns" "openssl list -providers"

    note "s_client without client auth"
    SERVER_PORT=$(free_port)
    SERVER_OUT=$T/s_server.out
    openssl s_server -accept "$SERVER_PORT" -cert "$T/server.pem" -key "$T/server.key" -www \
        -naccept 4 </dev/null >"$SERVER_OUT" 2>&1 &
    _prov_pids+=($!)
    await_text "$SERVER_OUT" ACCEPT s_server
    printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
    openssl s_client -connect "127.0.0.1:$SERVER_PORT" -CAfile "$T/server.pem" \
        -verify_return_error -ign_eof <"$T/req" >"$T/client.out" 2>&1 ||
        fail "s_client: $(tail -n 20 "$T/client.out")"
    grep -q "Verify return code: 0 (ok)" "$T/client.out" || fail "s_client did not verify the server"

    note "curl and Python without client auth"
    curl -sS --cacert "$T/server.pem" -o "$T/curl.out" "https://127.0.0.1:$SERVER_PORT/" ||
        fail "curl without client auth"
    grep -q "HTTP/1.0 200 ok\|<HTML>" "$T/curl.out" || fail "curl got no page"
    "$PY" -c 'import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[1])
urllib.request.urlopen(sys.argv[2], context=ctx).read()' "$T/server.pem" \
        "https://127.0.0.1:$SERVER_PORT/" || fail "python without client auth"

    note "software keys: generation, signatures identical to a run without the provider"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/sw.key" 2>/dev/null ||
        fail "genpkey with the provider loaded"
    openssl pkey -in "$T/sw.key" -pubout -out "$T/sw.pub"
    echo "software-signed" >"$T/msg"
    openssl dgst -sha256 -sign "$T/sw.key" -out "$T/sig.with" "$T/msg"
    OPENSSL_CONF=/dev/null openssl dgst -sha256 -sign "$T/sw.key" -out "$T/sig.without" "$T/msg"
    assert_files_equal "$T/sig.with" "$T/sig.without" "software PKCS#1 signature"
    openssl dgst -sha256 -verify "$T/sw.pub" -signature "$T/sig.with" "$T/msg" >/dev/null ||
        fail "software signature does not verify with the provider loaded"
    openssl req -new -key "$T/sw.key" -subj /CN=software -out "$T/sw.csr"
    assert_contains "$(openssl req -verify -in "$T/sw.csr" -noout 2>&1)" "verify OK" "software CSR"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k2.pem" -out "$T/c2.pem" -subj /CN=x \
        2>/dev/null || fail "req -x509 -newkey with the provider loaded"
    openssl pkeyutl -encrypt -pubin -inkey "$T/sw.pub" -in "$T/msg" -out "$T/enc"
    openssl pkeyutl -decrypt -inkey "$T/sw.key" -in "$T/enc" -out "$T/dec"
    assert_files_equal "$T/dec" "$T/msg" "software RSA encryption round trip"

    note "openssl verify"
    assert_eq "$(openssl verify -CAfile "$image/ca.pem" "$image/cert.pem" 2>&1)" \
        "$(OPENSSL_CONF=/dev/null openssl verify -CAfile "$image/ca.pem" "$image/cert.pem" 2>&1)" \
        "openssl verify with and without the provider"

    note "activated before default by mistake: verification and software signatures still work"
    sed -e 's/^default = default_sect$/tscns = tscns_sect/;t' \
        -e 's/^tscns = tscns_sect$/default = default_sect/' "$T/openssl.cnf" >"$T/swapped.cnf"
    assert_contains "$(sed -n '/^\[provider_sect\]/,/^\[/p' "$T/swapped.cnf" | grep -v '^#' | tr '\n' ' ')" \
        "tscns = tscns_sect default = default_sect" "swapped provider order"
    OPENSSL_CONF=$T/swapped.cnf openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
        -CAfile "$T/server.pem" -verify_return_error -ign_eof <"$T/req" >"$T/client.out" 2>&1 ||
        fail "s_client with tscns first: $(tail -n 20 "$T/client.out")"
    OPENSSL_CONF=$T/swapped.cnf openssl dgst -sha256 -verify "$T/sw.pub" -signature \
        "$T/sig.with" "$T/msg" >/dev/null || fail "software signature check with tscns first"
    OPENSSL_CONF=$T/swapped.cnf openssl dgst -sha256 -sign "$T/sw.key" -out "$T/sig.swapped" \
        "$T/msg" || fail "software signature with tscns first"
    assert_files_equal "$T/sig.swapped" "$T/sig.without" "software signature with tscns first"
    OPENSSL_CONF=$T/swapped.cnf openssl verify -CAfile "$image/ca.pem" "$image/cert.pem" \
        >/dev/null || fail "openssl verify with tscns first"

    note "the card saw no APDU"
    assert_eq "$(new_total "$log")" 0 "APDUs while no card key was named"

    note "loading the provider makes no PC/SC call"
    strace -f -e trace=connect -o "$T/strace" openssl list -providers >/dev/null
    if grep -q "${PCSCLITE_CSOCK_NAME:-pcscd.comm}" "$T/strace"; then
        fail "openssl connected to pcscd just by loading the provider"
    fi
    # The same check sees the connection when a card object is named.
    strace -f -e trace=connect -o "$T/strace" openssl storeutl -certs cns: >/dev/null
    grep -q "${PCSCLITE_CSOCK_NAME:-pcscd.comm}" "$T/strace" ||
        fail "the pcscd check is blind: no connection seen for storeutl cns:"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside
