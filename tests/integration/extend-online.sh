#!/usr/bin/env bash
# tscns extend online against OpenSSL's own CMP server (`openssl cmp -port`, the mock server)
# serving a renewed certificate from the test CA: the request is protected by a signature with
# the card key and the current certificate (the server verifies it against the CA), the card
# ends with the new certificate, the backup holds the old one, `tscns info` and TLS handshakes
# (openssl s_client and curl through the provider, new processes) present the new one.
# Both CMP request kinds are run: cr (the default) and kur.
. "$(dirname "$0")/lib.sh"

# Start `openssl cmp -port` serving $1; sets CMP_PID and CMP_PORT.
start_cmp_server() { # rsp-cert log
    CMP_PORT=$(free_port)
    openssl cmp -port "$CMP_PORT" -srv_cert "$T/srv.pem" -srv_key "$T/srv.key" \
        -srv_trusted "$img/ca.pem" -rsp_cert "$1" -rsp_capubs "$img/ca.pem" >"$2" 2>&1 &
    CMP_PID=$!
    await_listen "$CMP_PORT" "openssl cmp -port" "$CMP_PID" "$2"
}
stop_cmp_server() {
    kill "$CMP_PID"
    wait "$CMP_PID" 2>/dev/null || [ $? -eq 143 ] # 143: ended by our SIGTERM
    CMP_PID=
}

# A TLS front for the CMP server: requires a client certificate from the test CA, records the
# one presented (DER, appended to $3.peers) and relays the bytes to the plain-HTTP CMP server.
# The port is written to $3 once it listens (an event the test waits for).
write_tls_proxy() {
    cat >"$1" <<'PYEOF'
import os, socket, ssl, sys, threading
cert, key, ca, upstream, portfile = sys.argv[1:]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)

def pump(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

while True:
    conn, _ = srv.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError) as e:
        print("tls proxy: handshake failed:", e, file=sys.stderr, flush=True)
        conn.close()
        continue
    with open(portfile + ".peers", "ab") as f:
        f.write(tls.getpeercert(binary_form=True))
    up = socket.create_connection(("127.0.0.1", int(upstream)))
    threading.Thread(target=pump, args=(up, tls), daemon=True).start()
    pump(tls, up)
PYEOF
}

# A TLS server that requires a client certificate from the test CA and shows it in its page.
start_tls_server() {
    TLS_PORT=$(free_port)
    openssl s_server -accept "$TLS_PORT" -www -Verify 1 -verify_return_error \
        -CAfile "$img/ca.pem" -cert "$T/tls.pem" -key "$T/tls.key" >"$T/s_server.log" 2>&1 &
    TLS_PID=$!
    await_listen "$TLS_PORT" "openssl s_server" "$TLS_PID" "$T/s_server.log"
}

if [ "${1:-}" = --inside ]; then
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    CMP_PID= TLS_PID= PROXY_PID=
    stop_servers() {
        local rc=$?
        [ -z "$CMP_PID" ] || kill "$CMP_PID" 2>/dev/null
        [ -z "$TLS_PID" ] || kill "$TLS_PID" 2>/dev/null
        [ -z "$PROXY_PID" ] || kill "$PROXY_PID" 2>/dev/null
        (exit "$rc")
        _lib_cleanup
    }
    trap stop_servers EXIT
    export XDG_STATE_HOME=$T/state
    serial=$(image_field "$img" serial)
    image_field "$img" pin >"$T/pin"
    image_field "$img" puk >"$T/puk"

    # The CMP server's own certificate (it signs its answers) and the TLS server's, both from
    # the test CA.
    printf 'keyUsage=critical,digitalSignature,keyEncipherment\nsubjectAltName=IP:127.0.0.1\n' >"$T/srv.ext"
    for who in srv tls; do
        openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$who.key" -subj "/CN=127.0.0.1" \
            -out "$T/$who.csr" 2>/dev/null
        openssl x509 -req -in "$T/$who.csr" -CA "$img/ca.pem" -CAkey "$img/ca.key" \
            -CAcreateserial -CAserial "$T/ca.srl" -days 30 -extfile "$T/srv.ext" \
            -out "$T/$who.pem" 2>/dev/null
    done
    mk() { tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" "$@"; }

    # cr: a renewed certificate with a fresh serial number.
    mk --out "$T/new1.pem" --days 3000
    start_cmp_server "$T/new1.pem" "$T/cmp1.log"
    tscns extend online --server "http://127.0.0.1:$CMP_PORT/pkix/" --ca-cert "$img/ca.pem" \
        --pin-file "$T/pin" --puk-file "$T/puk" --yes -o "$T/got1.pem" 2>"$T/online1.err" ||
        { cat "$T/online1.err" "$T/cmp1.log" >&2; fail "extend online (cr)"; }
    stop_cmp_server
    assert_contains "$(cat "$T/online1.err")" "certification request (cr)" "cr: request kind"
    # OpenSSL 3.0's server logs "Received request", 3.5's "received request, 1st line: ...".
    grep -qi "received request" "$T/cmp1.log" || fail "cr: the CMP server saw no request"
    tscns cert -o "$T/card1.pem"
    assert_files_equal "$T/card1.pem" "$T/new1.pem" "cr: the card's certificate"
    assert_files_equal "$T/got1.pem" "$T/new1.pem" "cr: the saved answer"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/"$serial"-*.der)
    assert_files_equal "$backup" "$img/cert.der" "cr: the backup"
    want=$(openssl x509 -in "$T/new1.pem" -noout -serial | cut -d= -f2)
    assert_contains "$(tscns info)" "$want" "cr: tscns info"

    # TLS in new processes, through the provider configured in openssl.cnf: openssl takes the
    # certificate and the key from the card by URI; curl 7.88 reads a key file (the provider's
    # key-reference file) and the certificate exported with `tscns cert`.
    prov_conf "$T/openssl.cnf" "file:$T/pin"
    tscns keyref -o "$T/card.key"
    start_tls_server
    printf 'GET / HTTP/1.0\r\n\r\n' |
        OPENSSL_CONF=$T/openssl.cnf openssl s_client -connect "127.0.0.1:$TLS_PORT" -quiet \
            -CAfile "$img/ca.pem" -cert "cns:serial=$serial;type=cert" \
            -key "cns:serial=$serial;type=private" >"$T/page1.txt" 2>"$T/s_client.err" ||
        { cat "$T/s_client.err" >&2; fail "openssl s_client with the card"; }
    presented_cert_is "$T/new1.pem" "$T/page1.txt" "openssl s_client"
    OPENSSL_CONF=$T/openssl.cnf curl -sS --cacert "$img/ca.pem" --cert "$T/card1.pem" \
        --key "$T/card.key" "https://127.0.0.1:$TLS_PORT/" >"$T/page2.txt" ||
        fail "curl with the card"
    presented_cert_is "$T/new1.pem" "$T/page2.txt" "curl"
    kill "$TLS_PID"
    wait "$TLS_PID" 2>/dev/null || [ $? -eq 143 ] # 143: ended by our SIGTERM
    TLS_PID=

    # kur over HTTPS: TLS client authentication with the card key and its current certificate.
    # OpenSSL 3.0's mock server checks oldCertID against the certificate it serves, so that
    # one carries the current certificate's serial number (tscns sends the right one).
    mk --out "$T/new2.pem" --days 3500 --serial-from "$T/new1.pem"
    start_cmp_server "$T/new2.pem" "$T/cmp2.log"
    write_tls_proxy "$T/tls_proxy.py"
    "$PY" "$T/tls_proxy.py" "$T/tls.pem" "$T/tls.key" "$img/ca.pem" "$CMP_PORT" "$T/proxy.port" \
        2>"$T/proxy.err" &
    PROXY_PID=$!
    for _ in $(seq 200); do
        [ -s "$T/proxy.port" ] && break
        sleep 0.05 # the port file appears once it listens; bounded poll of 10 s
    done
    [ -s "$T/proxy.port" ] || fail "the TLS proxy did not start"
    tscns extend online --kur --server "https://127.0.0.1:$(cat "$T/proxy.port")/pkix/" \
        --ca-cert "$img/ca.pem" --pin-file "$T/pin" --puk-file "$T/puk" --yes 2>"$T/online2.err" ||
        { cat "$T/online2.err" "$T/cmp2.log" "$T/proxy.err" >&2; fail "extend online (kur, https)"; }
    stop_cmp_server
    kill "$PROXY_PID"
    wait "$PROXY_PID" 2>/dev/null || [ $? -eq 143 ] # 143: ended by our SIGTERM
    PROXY_PID=
    assert_contains "$(cat "$T/online2.err")" "key update request (kur) to https://" "kur: request"
    # The TLS client certificate was the card's current one (new1), for each connection.
    openssl x509 -in "$T/new1.pem" -outform DER -out "$T/new1.der"
    "$PY" -c 'import sys
one = open(sys.argv[1], "rb").read()
seen = open(sys.argv[2], "rb").read()
n = len(seen) // len(one)
sys.exit(0 if n >= 1 and seen == one * n else 1)' "$T/new1.der" "$T/proxy.port.peers" ||
        fail "kur: the TLS client certificate was not the card's"
    tscns cert -o "$T/card2.pem"
    assert_files_equal "$T/card2.pem" "$T/new2.pem" "kur: the card's certificate"

    # A server answer that fails the checks (an earlier end) is refused without a write.
    mk --out "$T/short.pem" --days 10
    start_cmp_server "$T/short.pem" "$T/cmp3.log"
    writes=$(apdu_count "$log" UPDATE_BINARY)
    expect_fail tscns extend online --server "http://127.0.0.1:$CMP_PORT/pkix/" \
        --ca-cert "$img/ca.pem" --pin-file "$T/pin" --puk-file "$T/puk" --yes
    stop_cmp_server
    assert_contains "$OUT" "refused: the certificate ends on" "short answer"
    assert_eq "$(apdu_count "$log" UPDATE_BINARY)" "$writes" "short answer: writes"

    # So is one that would fail every login: a v1 certificate, without keyUsage and
    # extendedKeyUsage. No PUK is verified and nothing is written. The PUK's reference is
    # the one verified just before the renewals' first UPDATE BINARY.
    mk --out "$T/v1.pem" --v1
    start_cmp_server "$T/v1.pem" "$T/cmp4.log"
    puk_ref=$(awk '/ VERIFY /{ref=substr($3,7,2)} / UPDATE_BINARY /{print ref; exit}' "$log")
    [ -n "$puk_ref" ] || fail "no VERIFY before the renewals' UPDATE BINARY in the log"
    puk_verifies() {
        local n
        n=$(grep -c " VERIFY 002000$puk_ref" "$log") || n=0
        echo "$n"
    }
    before=$(puk_verifies)
    [ "$before" -ge 2 ] || fail "the two renewals above show no PUK VERIFY ($puk_ref) in the log"
    expect_fail tscns extend online --server "http://127.0.0.1:$CMP_PORT/pkix/" \
        --ca-cert "$img/ca.pem" --pin-file "$T/pin" --puk-file "$T/puk" --yes
    stop_cmp_server
    assert_contains "$OUT" "refused: the certificate is X.509 v1, the card's is v3" "v1 answer"
    assert_contains "$OUT" "refused: the certificate has no extendedKeyUsage" "v1 answer"
    assert_eq "$(apdu_count "$log" UPDATE_BINARY)" "$writes" "v1 answer: writes"
    assert_eq "$(puk_verifies)" "$before" "v1 answer: PUK verified"
    tscns cert -o "$T/card3.pem"
    assert_files_equal "$T/card3.pem" "$T/new2.pem" "v1 answer: the card's certificate"
    note "extend-online: cr and kur renewals installed; TLS presents the new certificate"
    exit 0
fi

sandbox --card st2021 -- bash "$0" --inside
