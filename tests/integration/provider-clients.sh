#!/usr/bin/env bash
# Programs that only read key files get the card key through the PEM key-reference file
# (`tscns keyref`) and the provider's decoder: curl 7.88 (`--key`, PIN by --pass and by
# pin-source) and Python's ssl (`load_cert_chain`) fetch a page from the demo portal
# (tests/harness/portal.py), which requires a client certificate from the card's CA and answers
# with the holder's name, codice fiscale and the TLS version.
set -euo pipefail

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
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    tscns keyref -o "$T/key.pem"
    grep -q "BEGIN TSCNS KEY REFERENCE" "$T/key.pem" || fail "tscns keyref wrote no key reference"
    prov_conf "$T/plain.cnf" ""
    printf '%s\n' "$pin" >"$T/pin"
    chmod 600 "$T/pin"
    prov_conf "$T/pinfile.cnf" "file:$T/pin"

    check_answer() { # FILE WHAT TLS-VERSION
        assert_contains "$(cat "$1")" "Benvenuto, $name" "$2: holder name"
        assert_contains "$(cat "$1")" "codice fiscale: $cf" "$2: codice fiscale"
        assert_contains "$(cat "$1")" "TLS: $3" "$2: TLS version"
    }

    note "$profile: curl --key keyref.pem --pass PIN (TLS 1.3)"
    mark_log "$log"
    OPENSSL_CONF=$T/plain.cnf curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
        --key "$T/key.pem" --pass "$pin" -o "$T/answer" "$url" 2>"$T/err" ||
        fail "curl --pass: $(cat "$T/err")"
    check_answer "$T/answer" "curl --pass" TLSv1.3
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent by curl --pass"

    note "$profile: curl with pin-source = file:, TLS 1.2"
    mark_log "$log"
    OPENSSL_CONF=$T/pinfile.cnf curl -sS --tls-max 1.2 --cacert "$T/server.pem" \
        --cert "$image/cert.pem" --key "$T/key.pem" -o "$T/answer" "$url" 2>"$T/err" ||
        fail "curl pin-source: $(cat "$T/err")"
    check_answer "$T/answer" "curl pin-source" TLSv1.2
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent by curl with pin-source"

    note "$profile: Python ssl load_cert_chain(cert, keyref, password=PIN), JSON answer"
    cat >"$T/fetch.py" <<'PYEOF'
import json, ssl, sys, urllib.request
cert, key, url, cafile = sys.argv[1:5]
password = sys.argv[5] if len(sys.argv) > 5 else None
ctx = ssl.create_default_context(cafile=cafile)
ctx.load_cert_chain(cert, key, password=password)
with urllib.request.urlopen(url + "?format=json", context=ctx) as r:
    print(json.dumps(json.load(r)))
PYEOF
    OPENSSL_CONF=$T/plain.cnf "$PY" "$T/fetch.py" "$image/cert.pem" "$T/key.pem" "$url" \
        "$T/server.pem" "$pin" >"$T/answer.json" 2>"$T/err" || fail "python: $(cat "$T/err")"
    assert_eq "$(json_get "$T/answer.json" codice_fiscale)" "$cf" "python: codice fiscale"
    assert_eq "$(json_get "$T/answer.json" name)" "$name" "python: holder name"
    assert_eq "$(json_get "$T/answer.json" tls_version)" TLSv1.3 "python: TLS version"

    note "$profile: Python with pin-source, key reference naming the reader (percent-encoded)"
    reader_pct=$(uri_quote "$TSCNS_READER_0")
    keyref "$T/reader-key.pem" "cns:reader=$reader_pct;serial=$serial;type=private"
    OPENSSL_CONF=$T/pinfile.cnf "$PY" "$T/fetch.py" "$image/cert.pem" "$T/reader-key.pem" \
        "$url" "$T/server.pem" >"$T/answer.json" 2>"$T/err" || fail "python: $(cat "$T/err")"
    assert_eq "$(json_get "$T/answer.json" codice_fiscale)" "$cf" "python pin-source: CF"

    if [ "$(image_field "$image" key_bits)" -lt 2048 ]; then
        # examples/README.md and provider/README.md quote these messages and give these ways
        # out; the refusal is libssl's, before the provider is asked for the key.
        note "$profile: RSA-1024 at Debian's default security level: curl says ee key too small"
        sed '/CipherString/d' "$T/plain.cnf" >"$T/seclevel2.cnf"
        mark_log "$log"
        expect_fail env OPENSSL_CONF="$T/seclevel2.cnf" curl -sS --cacert "$T/server.pem" \
            --cert "$image/cert.pem" --key "$T/key.pem" --pass "$pin" "$url"
        assert_contains "$OUT" "ee key too small" "curl with an RSA-1024 card at level 2"
        assert_eq "$(new_total "$log")" 0 "APDUs when libssl refuses the certificate"

        note "$profile: Python's set_ciphers(\"DEFAULT:@SECLEVEL=1\") before load_cert_chain"
        cat >"$T/fetch-level1.py" <<'PYEOF'
import json, ssl, sys, urllib.request
cert, key, url, cafile, password = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_ciphers("DEFAULT:@SECLEVEL=1")
ctx.load_cert_chain(cert, key, password=password)
with urllib.request.urlopen(url + "?format=json", context=ctx) as r:
    print(json.dumps(json.load(r)))
PYEOF
        OPENSSL_CONF=$T/seclevel2.cnf "$PY" "$T/fetch-level1.py" "$image/cert.pem" "$T/key.pem" \
            "$url" "$T/server.pem" "$pin" >"$T/answer.json" 2>"$T/err" ||
            fail "python with set_ciphers: $(cat "$T/err")"
        assert_eq "$(json_get "$T/answer.json" codice_fiscale)" "$cf" "python level 1: CF"
    fi

    note "$profile: a key reference to another card's serial fails with a clear error"
    keyref "$T/other-key.pem" "cns:serial=5000000000000009;type=private"
    expect_fail env OPENSSL_CONF="$T/pinfile.cnf" curl -sS --cacert "$T/server.pem" \
        --cert "$image/cert.pem" --key "$T/other-key.pem" "$url"
    assert_contains "$OUT" "unable to set private key file" "curl with a missing card"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
each_profile athena st2021
