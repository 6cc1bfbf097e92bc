#!/usr/bin/env bash
# The offline renewal, as a user and a CA would do it: `tscns extend request` writes a PKCS#10
# request signed on the card, `openssl x509 -req` (the CA) signs it, `tscns extend install`
# puts the answer on the card. openssl checks the request independently; the card's log shows
# one VERIFY and one signature for the request; afterwards `tscns info`, `tscns cert` and an
# `openssl s_client` handshake (a new process, key and certificate from the card) show the new
# certificate, and the backup holds the old one.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    serial=$(image_field "$img" serial)
    image_field "$img" pin >"$T/pin"
    image_field "$img" puk >"$T/puk"

    tscns extend request -o "$T/req.pem" --pin-file "$T/pin" 2>"$T/request.err" ||
        { cat "$T/request.err" >&2; fail "$profile: extend request"; }
    assert_eq "$(apdu_count "$log" VERIFY)" 1 "$profile: VERIFY for the request"
    assert_eq "$(apdu_count "$log" PSO_DECIPHER)" 1 "$profile: signatures for the request"
    openssl req -in "$T/req.pem" -noout -verify 2>&1 | grep -q "verify OK" ||
        fail "$profile: openssl does not verify the request"
    assert_eq "$(openssl req -in "$T/req.pem" -noout -pubkey)" \
        "$(openssl x509 -in "$img/cert.pem" -noout -pubkey)" "$profile: the request's key"
    assert_eq "$(openssl req -in "$T/req.pem" -noout -subject -nameopt RFC2253)" \
        "$(openssl x509 -in "$img/cert.pem" -noout -subject -nameopt RFC2253)" \
        "$profile: the request's subject"

    # The CA's side: a certificate for what the request asks, with the usual client extensions.
    printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' \
        >"$T/ca.ext"
    openssl x509 -req -in "$T/req.pem" -CA "$img/ca.pem" -CAkey "$img/ca.key" -days 3000 \
        -CAcreateserial -CAserial "$T/ca.srl" -extfile "$T/ca.ext" -out "$T/new.pem" 2>/dev/null
    openssl x509 -in "$T/new.pem" -outform DER -out "$T/new.der"

    tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes \
        2>"$T/install.err" || { cat "$T/install.err" >&2; fail "$profile: extend install"; }
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$T/new.der" "$profile: the card's certificate"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/"$serial"-*.der)
    assert_files_equal "$backup" "$img/cert.der" "$profile: the backup"
    want=$(openssl x509 -in "$T/new.pem" -noout -serial | cut -d= -f2)
    assert_contains "$(tscns info)" "$want" "$profile: tscns info"

    prov_conf "$T/openssl.cnf" "file:$T/pin"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/tls.key" -out "$T/tls.pem" \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" -days 2 2>/dev/null
    port=$(free_port)
    OPENSSL_CONF=$T/openssl.cnf openssl s_server -accept "$port" -www -Verify 1 \
        -verify_return_error -CAfile "$img/ca.pem" -cert "$T/tls.pem" -key "$T/tls.key" \
        >"$T/s_server.log" 2>&1 &
    _prov_pids+=($!)
    await_listen "$port" "openssl s_server" "$!" "$T/s_server.log"
    printf 'GET / HTTP/1.0\r\n\r\n' |
        OPENSSL_CONF=$T/openssl.cnf openssl s_client -connect "127.0.0.1:$port" -quiet \
            -CAfile "$T/tls.pem" -cert "cns:serial=$serial;type=cert" \
            -key "cns:serial=$serial;type=private" >"$T/page.txt" 2>"$T/s_client.err" ||
        { cat "$T/s_client.err" "$T/s_server.log" >&2; fail "$profile: s_client with the card"; }
    presented_cert_is "$T/new.pem" "$T/page.txt" "$profile: TLS"
    note "extend-offline: $profile ok"
    exit 0
fi

for p in st2021 athena; do
    sandbox --card "$p" -- bash "$0" --inside "$p"
done
