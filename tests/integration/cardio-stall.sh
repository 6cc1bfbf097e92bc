#!/usr/bin/env bash
# Deadlines (cardio/README.md, "Deadlines"): a card that stops answering (tscns-vcard --hang-on
# at READ BINARY, VERIFY and PSO DECIPHER) and a frozen pcscd (SIGSTOP) make `tscns cert`,
# `openssl s_client`, curl and Python's ssl fail within the deadline + 5 s (tscns and s_client
# print the reader and the stalled step; curl and Python only their own summary), never hang (the deadline from the provider's card-timeout, --card-timeout and
# TSCNS_CARD_TIMEOUT); the card's PIN counter is untouched (no VERIFY beyond the ones answered). One
# long-running process signs again once the card answers (card put back, pcscd continued),
# and does not resend a configured PIN whose VERIFY got no answer. A `tscns extend` write that
# stalls at its second UPDATE BINARY ends like a pulled card: no write-back through a card that
# does not answer, the restore command printed, and that command repairs the card. Reports the
# times.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    deadline=3
    limit=$((deadline + 5))
    server_cert
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    prov_conf "$T/openssl.cnf" env:TSCNS_TEST_PIN "card-timeout = $deadline"
    export OPENSSL_CONF=$T/openssl.cnf TSCNS_TEST_PIN=$pin
    tscns keyref -o "$T/key.pem"
    cat >"$T/fetch.py" <<'PYEOF'
import ssl, sys, urllib.request
c = ssl.create_default_context(cafile=sys.argv[3])
c.load_cert_chain(sys.argv[1], sys.argv[2])
urllib.request.urlopen(sys.argv[4], context=c).read()
PYEOF

    # Each client meets the hang at STEP on a freshly inserted card.
    # Each client keeps its PIN record in a folder of its own: a VERIFY that stalled counts as
    # a rejection of the configured PIN for every later process of the same record (tested
    # below), which would keep the next client from meeting the stall.
    clients() { # STEP EXPECTED-WORDS
        local step=$1 words=$2 c
        for c in curl s_client python; do
            card_again --hang-on "$step"
            export XDG_STATE_HOME=$T/state-$step-$c
            case $c in
            curl) must_stall "$step/curl" curl -sS --cacert "$T/server.pem" \
                --cert "$image/cert.pem" --key "$T/key.pem" -o /dev/null "$url" ;;
            s_client) must_stall "$step/s_client" openssl s_client -connect \
                "127.0.0.1:$PORTAL_PORT" -CAfile "$T/server.pem" -cert "$image/cert.pem" \
                -key cns:type=private -verify_return_error -brief </dev/null ;;
            python) must_stall "$step/python" "$PY" "$T/fetch.py" "$image/cert.pem" \
                "$T/key.pem" "$T/server.pem" "$url" ;;
            esac
            # curl and Python print only their own summary, not OpenSSL's error queue.
            [ "$c" != s_client ] || assert_contains "$OUT" "$words within $deadline s" \
                "$step/$c: the reader and what stalled"
        done
    }

    note "the deadline's settings: malformed values refused"
    expect_fail tscns cert --card-timeout 0
    assert_eq "$RC" 1 "--card-timeout 0: exit code (usage)"
    assert_contains "$OUT" "--card-timeout wants whole seconds from 1 to 3600, got '0'" "--card-timeout 0"
    # A typo in openssl.cnf must not stop OpenSSL programs: said on stderr, the default kept.
    prov_conf "$T/bad.cnf" env:TSCNS_TEST_PIN "card-timeout = 3s"
    OUT=$(OPENSSL_CONF="$T/bad.cnf" openssl pkey -in cns:type=private -pubout 2>&1)
    assert_contains "$OUT" "card-timeout = 3s is not whole seconds from 1 to 3600; using the default" \
        "card-timeout = 3s: said"
    assert_contains "$OUT" "BEGIN PUBLIC KEY" "card-timeout = 3s: the provider still works"

    note "stall at READ BINARY: tscns cert and the three TLS clients"
    mark_log "$log"
    card_again --hang-on READ_BINARY
    must_stall "READ_BINARY/tscns cert" tscns cert --card-timeout $deadline
    assert_eq "$RC" 3 "tscns cert: exit code of a card error"
    assert_contains "$OUT" "the card in \"$TSCNS_READER_0\" did not answer READ BINARY" \
        "tscns cert: reader and step"
    card_again --hang-on READ_BINARY
    deadline=2 must_stall "READ_BINARY/TSCNS_CARD_TIMEOUT=2" env TSCNS_CARD_TIMEOUT=2 tscns cert
    clients READ_BINARY "the card in \"$TSCNS_READER_0\" did not answer READ BINARY"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY with a card stuck at READ BINARY"

    note "stall at VERIFY"
    mark_log "$log"
    clients VERIFY "the card in \"$TSCNS_READER_0\" did not answer VERIFY"
    # The hung VERIFY never reached the card; nothing sent it again.
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY answered with a card stuck at VERIFY"
    assert_eq "$(tries_on_card)" 3 "PIN tries after the VERIFY stalls"
    # A later process of the same user, the card answering again: the configured PIN whose
    # VERIFY got no answer is not sent (it may have counted), and the reason is given.
    card_again
    mark_log "$log"
    expect_fail env XDG_STATE_HOME="$T/state-VERIFY-curl" timeout 30 openssl s_client \
        -connect "127.0.0.1:$PORTAL_PORT" -CAfile "$T/server.pem" -cert "$image/cert.pem" \
        -key cns:type=private -verify_return_error -brief </dev/null
    assert_contains "$OUT" "is not sent again" "after a stalled VERIFY, in a new process"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY after a stalled VERIFY, in a new process"

    note "stall at PSO DECIPHER"
    mark_log "$log"
    clients PSO_DECIPHER "the card in \"$TSCNS_READER_0\" did not answer PSO DECIPHER"
    assert_eq "$(new_count "$log" VERIFY)" 3 "one VERIFY per client before the stuck signature"
    assert_eq "$(tries_on_card)" 3 "PIN tries after the signature stalls"

    note "frozen pcscd"
    card_again
    freeze_pcscd
    must_stall "pcscd/tscns cert" tscns cert --card-timeout $deadline
    assert_contains "$OUT" "pcscd did not complete SCardEstablishContext" "tscns cert: pcscd"
    must_stall "pcscd/curl" curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" \
        --key "$T/key.pem" -o /dev/null "$url"
    must_stall "pcscd/s_client" openssl s_client -connect "127.0.0.1:$PORTAL_PORT" \
        -CAfile "$T/server.pem" -cert "$image/cert.pem" -key cns:type=private \
        -verify_return_error -brief </dev/null
    assert_contains "$OUT" "pcscd did not complete SCardEstablishContext within $deadline s" \
        "s_client: pcscd"
    must_stall "pcscd/python" "$PY" "$T/fetch.py" "$image/cert.pem" "$T/key.pem" \
        "$T/server.pem" "$url"
    kill -CONT "$TSCNS_PCSCD_PID"
    tscns cert --card-timeout $deadline >/dev/null || fail "tscns cert after pcscd continued"

    note "tscns extend: an UPDATE BINARY that stalls ends like a pulled card"
    export XDG_STATE_HOME=$T/state
    image_field "$image" puk >"$T/puk"
    tscns-test-mkcert --ca-cert "$image/ca.pem" --ca-key "$image/ca.key" \
        --like "$image/cert.pem" --out "$T/new.pem"
    # The first UPDATE BINARY is written, the second never answered: a half-written file.
    card_again --hang-on UPDATE_BINARY:2
    must_stall "extend/UPDATE_BINARY" tscns extend install "$T/new.pem" --ca-cert \
        "$image/ca.pem" --puk-file "$T/puk" --yes --card-timeout $deadline
    assert_eq "$RC" 3 "extend: exit code of a stalled write"
    assert_contains "$OUT" "the card stopped answering during the write" "extend: the stall"
    assert_contains "$OUT" "did not answer UPDATE BINARY within $deadline s" "extend: the step"
    assert_contains "$OUT" "the previous certificate could not be written back" "extend: no roll-back"
    restore=$(grep -o "tscns extend restore .*" <<<"$OUT") || fail "no restore command in: $OUT"
    card_again
    tscns cert --der -o "$T/broken.der"
    expect_fail openssl x509 -inform DER -in "$T/broken.der" -noout
    bash -c "$restore --puk-file '$T/puk' --yes" 2>"$T/restore.err" ||
        fail "the printed restore command: $(cat "$T/restore.err")"
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$image/cert.der" "the card after the printed restore command"

    note "one long-running process across a stuck card and a frozen pcscd"
    coproc SIGNER { exec tscns-test-signer cns:type=private 2>"$T/signer.err"; }
    sign() { # expected: ok | fail
        local line
        echo sign >&"${SIGNER[1]}"
        IFS= read -r -t $((limit + 10)) line <&"${SIGNER[0]}" || fail "the signer did not answer"
        case $line in "$1 "*) ;; *) fail "signature: expected $1, got: $line" ;; esac
        REPLY=$line
    }
    sign ok
    mark_log "$log"
    card_again --hang-on PSO_DECIPHER
    sign fail
    assert_contains "$REPLY" "did not answer PSO DECIPHER within $deadline s" "signer: message"
    [ "$(echo "$REPLY" | cut -d' ' -f2)" -le $((limit * 1000)) ] || fail "signer: $REPLY"
    echo "long-running: stuck signature failed in $(echo "$REPLY" | cut -d' ' -f2) ms" >&2
    card_again
    sign ok
    assert_eq "$(new_count "$log" VERIFY)" 2 "VERIFY: once per insertion"

    freeze_pcscd
    sign fail
    assert_contains "$REPLY" "within $deadline s" "signer with pcscd frozen: message"
    echo "long-running: signature with pcscd frozen failed in $(echo "$REPLY" | cut -d' ' -f2) ms" >&2
    kill -CONT "$TSCNS_PCSCD_PID"
    # A known race, not yet fixed (docs/design.md, open work): right after pcscd resumes, while
    # it still serves the abandoned call's context, the first signature can fail at once with
    # "communication with the reader failed" (seen once in 8 runs, in the OpenSSL 3.5 build).
    # That one failure is let through and printed; the next signature must work.
    echo sign >&"${SIGNER[1]}"
    IFS= read -r -t $((limit + 10)) REPLY <&"${SIGNER[0]}" || fail "the signer did not answer"
    case $REPLY in
    "ok "*) ;;
    "fail "*"communication with the reader failed"*)
        echo "long-running: first signature after pcscd resumed failed: $REPLY" >&2
        sign ok
        ;;
    *) fail "signature after pcscd resumed: $REPLY" ;;
    esac

    note "a VERIFY without an answer is not sent again"
    mark_log "$log"
    card_again --hang-on VERIFY
    sign fail
    assert_contains "$REPLY" "did not answer VERIFY" "signer: stuck VERIFY"
    card_again
    sign fail
    assert_contains "$REPLY" "not sent again" "signer: the configured PIN after a stuck VERIFY"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY sent after the stuck one"
    assert_eq "$(tries_on_card)" 3 "PIN tries at the end"
    echo quit >&"${SIGNER[1]}"
    wait "$SIGNER_PID" || fail "the signer: $(cat "$T/signer.err")"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside
