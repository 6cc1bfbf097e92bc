#!/usr/bin/env bash
# The card's reason reaches the person running curl 7.88 or Debian's Python: a wrong PIN with
# the tries left, a blocked PIN and how to unblock it, no pcscd, no card, a card pulled during
# the handshake. curl and Python print a fixed message of their own when a key file fails to
# load ("unable to set private key file", "[SSL] PEM lib"), so the provider tells the person
# itself (`log` key, provider/README.md): with log = stderr always, with log = auto only when
# stderr is a terminal, one line per failure, never a PIN byte. The exact stderr of each case
# is compared line by line. Also: a bad cns: URI is reported as such, not as a missing file.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    case=$2
    image=${TSCNS_IMAGE_0:-$T/img}
    [ -d "$image" ] || mkimage athena "$image"
    server_cert
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    keyref "$T/key.pem" "cns:type=private"
    for log in stderr auto none; do prov_conf "$T/$log.cnf" "" "log = $log"; done
    prov_conf "$T/debug.cnf" "" "log = none" "debug = 1"
    reader=${TSCNS_READER_0:-}
    wrong=11111111
    cat >"$T/fetch.py" <<'PYEOF'
import ssl, sys, urllib.request
cert, key, url, cafile, password = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_ciphers("DEFAULT:@SECLEVEL=1")
ctx.load_cert_chain(cert, key, password=password)
urllib.request.urlopen(url, context=ctx).read()
PYEOF

    # What Python says, without the traceback's frames (they vary): python_lines FILE
    python_lines() { grep -v '^\(Traceback\|  \|During handling\|$\)' "$1"; }
    # The stderr of one client run with configuration CONF into $T/err (exit status in RC).
    #   client curl|python CONF PIN [extra curl options]
    client() {
        local prog=$1 conf=$2 pin=$3 pass=()
        shift 3
        # No PIN: no --pass at all (curl 8 refuses an empty one, curl 7.88 ignored it).
        [ -z "$pin" ] || pass=(--pass "$pin")
        set +e
        if [ "$prog" = curl ]; then
            OPENSSL_CONF=$conf timeout 30 curl -sS --cacert "$T/server.pem" \
                --cert "$image/cert.pem" --key "$T/key.pem" "${pass[@]}" "$@" -o /dev/null \
                "$url" 2>"$T/err"
        else
            OPENSSL_CONF=$conf timeout 30 "$PY" "$T/fetch.py" "$image/cert.pem" "$T/key.pem" \
                "$url" "$T/server.pem" "$pin" 2>"$T/err.full"
        fi
        RC=$?
        set -e
        [ "$RC" -ne 124 ] || fail "$prog hung"
        [ "$RC" -ne 0 ] || fail "$prog succeeded with $conf"
        [ "$prog" = curl ] || python_lines "$T/err.full" >"$T/err"
        note "$prog with $(basename "$conf"):"
        sed 's/^/     | /' "$T/err" >&2
        if grep -q -- "$wrong" "$T/err"; then fail "$prog printed the PIN"; fi
    }
    # The stderr of the last client run, exactly: expect_err LINE...
    expect_err() {
        printf '%s\n' "$@" >"$T/want"
        diff -u "$T/want" "$T/err" >&2 || fail "stderr differs (above: - expected, + got)"
    }
    # A command line run on a pseudo-terminal with log = auto; what the terminal showed lands in
    # $T/err.   on_tty COMMAND-LINE EXPECTED-STATUS
    on_tty() {
        set +e
        OPENSSL_CONF=$T/auto.cnf timeout 30 script -qfec "$1" /dev/null </dev/null >"$T/tty"
        RC=$?
        set -e
        assert_eq "$RC" "$2" "status on a terminal of: $1"
        tr -d '\r' <"$T/tty" >"$T/err"
        note "on a terminal:"
        sed 's/^/     | /' "$T/err" >&2
        if grep -q -- "$wrong" "$T/err"; then fail "the PIN on the terminal"; fi
    }
    curl_key_error="curl: (58) unable to set private key file: '$T/key.pem' type PEM"
    py_key_error="ssl.SSLError: [SSL] PEM lib (_ssl.c:3895)"

    case $case in
    card)
        pin=$(image_field "$image" pin)
        log=$TSCNS_LOG_0
        printf '%s\n' "$pin" >"$T/pin"
        told_wrong="tscns: wrong PIN for the TS-CNS card in \"$reader\""
        asked="tscns: PIN of the TS-CNS card of $(image_field "$image" personal.given_name)"
        asked+=" $(image_field "$image" personal.surname)"

        note "a wrong PIN: curl, then Python, say the tries left; one VERIFY each"
        mark_log "$log"
        client curl "$T/stderr.cnf" "$wrong"
        expect_err "$told_wrong (2 tries left; the card blocks at 0)" "$curl_key_error"
        client python "$T/stderr.cnf" "$wrong"
        expect_err "$told_wrong (1 try left; the card blocks at 0)" "$py_key_error"
        assert_eq "$(new_count "$log" VERIFY)" 2 "VERIFY for two wrong PINs"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "log = auto without a terminal: the programs' own messages only"
        client curl "$T/auto.cnf" "$wrong"
        expect_err "$curl_key_error"
        client python "$T/auto.cnf" "$wrong"
        expect_err "$py_key_error"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "log = auto on a terminal (script(1) gives the program a pseudo-terminal)"
        on_tty "curl -sS --cacert '$T/server.pem' --cert '$image/cert.pem' --key '$T/key.pem' \
            --pass $wrong -o /dev/null '$url'" 58
        # On a terminal the provider also says which card the PIN is for (provider/pin.c).
        expect_err "$asked (serial $(image_field "$image" serial))" \
            "$told_wrong (2 tries left; the card blocks at 0)" "$curl_key_error"
        on_tty "'$PY' '$T/fetch.py' '$image/cert.pem' '$T/key.pem' '$url' '$T/server.pem' \
            $wrong" 1
        python_lines "$T/err" >"$T/err.py"
        mv "$T/err.py" "$T/err"
        expect_err "$asked (serial $(image_field "$image" serial); 2 tries left)" \
            "$told_wrong (1 try left; the card blocks at 0)" "$py_key_error"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "log = none, debug = 1: the reason still on stderr, and where it was raised"
        client curl "$T/debug.cnf" "$wrong"
        assert_contains "$(cat "$T/err")" "$told_wrong (2 tries left; the card blocks at 0)" \
            "debug writes the reason whatever the log key"
        assert_contains "$(cat "$T/err")" "tscns: error wrong PIN: 2 tries left" "debug line"
        assert_contains "$(cat "$T/err")" "provider/pin.c:" "debug: where"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "a wrong PIN found at the first signature (pin-source): curl prints our reason"
        printf '%s\n' "$wrong" >"$T/wrong-pin"
        prov_conf "$T/ps-none.cnf" "file:$T/wrong-pin" "log = none"
        client curl "$T/ps-none.cnf" ""
        assert_eq "$(wc -l <"$T/err")" 1 "curl's lines with log = none"
        assert_contains "$(cat "$T/err")" "curl: (35)" "curl's handshake error"
        assert_contains "$(cat "$T/err")" ":tscns::wrong PIN: 2 tries left (the card blocks at 0)" \
            "the count in curl's own message"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "the configured PIN, rejected, is not sent again: Python's second handshake says why"
        cat >"$T/twice.py" <<'PYEOF'
import ssl, sys, urllib.request
cert, key, url, cafile = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=cafile)
ctx.set_ciphers("DEFAULT:@SECLEVEL=1")
ctx.load_cert_chain(cert, key)
for attempt in (1, 2):
    try:
        urllib.request.urlopen(url, context=ctx).read()
    except Exception as e:
        print(e, file=sys.stderr)
PYEOF
        prov_conf "$T/ps-stderr.cnf" "file:$T/wrong-pin" "log = stderr"
        mark_log "$log"
        OPENSSL_CONF=$T/ps-stderr.cnf timeout 30 "$PY" "$T/twice.py" "$image/cert.pem" \
            "$T/key.pem" "$url" "$T/server.pem" 2>"$T/err" || fail "twice.py: $(cat "$T/err")"
        sed 's/^/     | /' "$T/err" >&2
        assert_eq "$(sed -n 1p "$T/err")" "$told_wrong (2 tries left; the card blocks at 0)" \
            "first handshake"
        assert_contains "$(sed -n 3p "$T/err")" "tscns: PIN not sent to the card" \
            "second handshake: why the PIN was not sent"
        assert_eq "$(grep -c '^tscns:' "$T/err")" 2 "lines from the provider"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY for two handshakes"
        tscns pin verify --pin-file "$T/pin" >/dev/null

        note "a blocked PIN: how to unblock"
        for _ in 1 2 3; do
            tscns pin verify --pin-file "$T/wrong-pin" >/dev/null 2>&1 && fail "wrong PIN accepted"
        done
        client curl "$T/stderr.cnf" "$wrong"
        expect_err "tscns: the PIN of the TS-CNS card in \"$reader\" is blocked: unblock it with \
the PUK, \`tscns pin unblock\`" "$curl_key_error"
        client python "$T/stderr.cnf" "$wrong"
        expect_err "tscns: the PIN of the TS-CNS card in \"$reader\" is blocked: unblock it with \
the PUK, \`tscns pin unblock\`" "$py_key_error"
        ;;
    pulled)
        pin=$(image_field "$image" pin)
        log=$TSCNS_LOG_0
        note "the APDUs of one good curl run; the card is then pulled before its last one"
        # Twice: the count is that of a run with the certificate cache warm, as the runs below.
        for _ in 1 2; do
            mark_log "$log"
            OPENSSL_CONF=$T/stderr.cnf curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
                --key "$T/key.pem" --pass "$pin" -o /dev/null "$url" || fail "curl with the card"
        done
        n=$(new_total "$log")
        assert_eq "$(new_log "$log" | tail -n 1 | grep -c PSO_DECIPHER)" 1 "the last APDU signs"
        told="tscns: the TS-CNS card in \"$reader\" was removed or reset: put it back and run \
the program again (the PIN is needed again)"
        for prog in curl python; do
            sandbox-card remove 0
            sandbox-card insert 0 "$image" --remove-after $((n - 1))
            client $prog "$T/stderr.cnf" "$pin"
            assert_eq "$(head -n 1 "$T/err")" "$told" "$prog: a card pulled during the handshake"
            assert_eq "$(grep -c '^tscns:' "$T/err")" 1 "$prog: lines from the provider"
        done
        assert_contains "$(tail -n 1 "$T/err")" "[SSL] EVP lib" "Python's own words"
        ;;
    no-card)
        note "no card in the reader"
        for prog in curl python; do
            client $prog "$T/stderr.cnf" "$wrong"
            want=$([ $prog = curl ] && echo "$curl_key_error" || echo "$py_key_error")
            expect_err "tscns: no card in the reader: insert the TS-CNS card; 2 readers, all empty" \
                "$want"
        done
        ;;
    no-pcscd)
        note "no PC/SC service"
        for prog in curl python; do
            client $prog "$T/stderr.cnf" "$wrong"
            want=$([ $prog = curl ] && echo "$curl_key_error" || echo "$py_key_error")
            expect_err "tscns: no PC/SC service: is pcscd running? (\`systemctl start \
pcscd.socket\`); SCardEstablishContext returned 0x8010001D" "$want"
            client $prog "$T/none.cnf" "$wrong"
            expect_err "$want"
        done

        note "an unknown log value: said once at load, then log = auto (nothing without a terminal)"
        prov_conf "$T/loud.cnf" "" "log = loud"
        client curl "$T/loud.cnf" "$wrong"
        expect_err "tscns: log = loud is not auto, stderr, syslog or none; using auto" \
            "$curl_key_error"

        note "a bad cns: URI is reported as such, not as a file that does not exist"
        for uri in "cns:serial=12-3" "cns:type=key" "cns:foo=bar"; do
            for cmd in "storeutl $uri" "pkey -in $uri" \
                "s_client -connect 127.0.0.1:1 -cert $image/cert.pem -key $uri"; do
                set +e
                # shellcheck disable=SC2086 # the command's words
                OUT=$(OPENSSL_CONF=$T/none.cnf timeout 20 openssl $cmd </dev/null 2>&1)
                set -e
                assert_contains "$OUT" ":tscns:store_load:invalid cns: URI:" "openssl $cmd"
                assert_contains "$OUT" ":$uri: " "openssl $cmd: the URI and why"
                case "$OUT" in
                *"unregistered scheme"* | *"stat("*) fail "openssl $cmd: the file loader's errors: $OUT" ;;
                esac
            done
        done
        ;;
    esac
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside card
mkimage athena "$T/athena2"
sandbox --card "athena:$T/athena2" -- bash "$0" --inside pulled
mkimage athena "$T/img"
TSCNS_IMAGE_0=$T/img sandbox --readers 1 -- bash "$0" --inside no-card
TSCNS_IMAGE_0=$T/img sandbox --no-pcscd -- bash "$0" --inside no-pcscd
