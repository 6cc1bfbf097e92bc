#!/usr/bin/env bash
# TLS client authentication with the card key through `openssl s_client -provider tscns`:
# TLS 1.3 (RSA-PSS), TLS 1.2 with PKCS#1 v1.5 (RSA+SHA256) and with rsa_pss_rsae_sha256, for a
# 1024-bit (athena) and 2048-bit (st2021, idemia2021) card. The peer is `openssl s_server`
# requiring a certificate from the card's CA; it must report the card holder's subject.
# Also reports the APDUs of a cold handshake (the card log) for each profile.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)
    cf=$(image_field "$image" personal.codice_fiscale)
    server_cert

    # The server names the client signature algorithms it accepts, and its -www page says which
    # one the client used ("Peer signature type"): OpenSSL 3.0 prints RSA (PKCS#1 v1.5) or
    # RSA-PSS, 3.5 the TLS name (rsa_pkcs1_sha256, rsa_pss_rsae_sha256), so EXPECTED-TYPE is an
    # extended regular expression with both.
    handshake() { # WHAT SERVER-CLIENT-SIGALGS EXPECTED-TYPE [s_client options...]
        local what=$1 sigalgs=$2 expected=$3
        shift 3
        start_s_server "$image/ca.pem" 1 -client_sigalgs "$sigalgs"
        printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
        mark_log "$log"
        if ! openssl s_client -provider default -provider tscns -connect "127.0.0.1:$SERVER_PORT" \
            -cert "cns:serial=$serial;type=cert" -key "cns:serial=$serial;type=private" \
            -pass "pass:$pin" -cipher DEFAULT@SECLEVEL=1 -ign_eof "$@" <"$T/req" \
            >"$T/client.out" 2>&1; then
            fail "$profile $what: s_client failed: $(tail -n 20 "$T/client.out")"
        fi
        wait "${_prov_pids[-1]}" || fail "$profile $what: s_server failed: $(cat "$SERVER_OUT")"
        grep -q "HTTP/1.0 200 ok" "$T/client.out" ||
            fail "$profile $what: no answer from s_server: $(tail -n 20 "$T/client.out")"
        # s_server logs the verified client chain: the card holder's certificate (OpenSSL 3.0
        # writes "serialNumber = X", 3.2 and later "serialNumber=X").
        grep -Eq "depth=0 .*serialNumber ?= ?$cf" "$SERVER_OUT" ||
            fail "$profile $what: s_server did not see the card holder: $(cat "$SERVER_OUT")"
        sed -n '/HTTP\/1.0 200 ok/,$p' "$T/client.out" >"$T/page"
        grep -Eq "^Peer signature type: ($expected)\$" "$T/page" ||
            fail "$profile $what: the client did not sign with $expected"
        [ "$(new_count "$log" PSO_DECIPHER)" -eq 1 ] || fail "$profile $what: not one signature"
    }

    note "$profile: TLS 1.3 (RSA-PSS) with cns: URIs, PIN from -pass"
    handshake "TLS 1.3" rsa_pss_rsae_sha256:rsa_pss_rsae_sha384 'RSA-PSS|rsa_pss_rsae_sha(256|384)'
    grep -q "Protocol  : TLSv1.3" "$T/client.out" || fail "$profile: not TLS 1.3"
    grep -Eq "Peer signature type: (RSA-PSS|rsa_pss_)" "$T/client.out" || fail "$profile: server not PSS"
    cold=$(new_total "$log")
    verify=$(new_count "$log" VERIFY)
    echo "APDUs $profile: cold s_client handshake: $cold (VERIFY $verify)" >&2
    [ "$verify" -eq 1 ] || fail "$profile: $verify VERIFY in a cold handshake"

    note "$profile: TLS 1.2, PKCS#1 v1.5 (RSA+SHA256)"
    handshake "TLS 1.2 PKCS#1" RSA+SHA256 'RSA|rsa_pkcs1_sha256' -tls1_2
    grep -q "Protocol  : TLSv1.2" "$T/client.out" || fail "$profile: not TLS 1.2"

    note "$profile: TLS 1.2, rsa_pss_rsae_sha256"
    handshake "TLS 1.2 PSS" rsa_pss_rsae_sha256 'RSA-PSS|rsa_pss_rsae_sha256' -tls1_2
    grep -q "Protocol  : TLSv1.2" "$T/client.out" || fail "$profile: not TLS 1.2"

    note "$profile: the same through an OPENSSL_CONF file (pin-source = env:)"
    prov_conf "$T/openssl.cnf" env:TSCNS_TEST_PIN
    start_s_server "$image/ca.pem" 1
    printf 'GET / HTTP/1.0\r\n\r\n' >"$T/req"
    OPENSSL_CONF=$T/openssl.cnf TSCNS_TEST_PIN=$pin openssl s_client \
        -connect "127.0.0.1:$SERVER_PORT" -cert cns:type=cert -key cns:type=private -ign_eof \
        <"$T/req" >"$T/client.out" 2>&1 || fail "$profile: s_client with OPENSSL_CONF failed: $(tail -n 20 "$T/client.out")"
    wait "${_prov_pids[-1]}" || fail "$profile: s_server failed: $(cat "$SERVER_OUT")"
    grep -Eq "depth=0 .*serialNumber ?= ?$cf" "$SERVER_OUT" ||
        fail "$profile: s_server did not see the holder (OPENSSL_CONF)"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
each_profile athena st2021 idemia2021
