#!/usr/bin/env bash
# Deadlines on the PKCS#11 road (cardio/README.md, "PKCS#11 backend"): OpenSC 0.23's
# opensc-pkcs11.so over the virtual athena card, backend = pkcs11, card-timeout 3 s. A card stuck
# at PSO DECIPHER (tscns-vcard --hang-on) leaves OpenSC inside C_Sign, one stuck at VERIFY inside
# C_Login, a frozen pcscd (SIGSTOP) inside whatever call came next: `openssl s_client`, curl and
# Python's ssl each fail within the deadline + 5 s, never hang, and s_client prints the module and
# the call that did not return; so do `tscns info` and s_client when pcscd is frozen as the module
# starts (C_Initialize). The VERIFY that got no answer is not sent again by the next
# process (its configured PIN may have counted), and the card's PIN counter is untouched. One
# long-running process: the signature that stalls fails at the deadline, every later one at once
# (the module is given up: its stuck call may hold its locks), even after pcscd continues, and
# the process still exits cleanly. A module that hangs while tscns looks for the certificate
# (tests/harness/p11shim.c over SoftHSM2, C_FindObjectsInit held): `tscns info` fails at the
# deadline and names the call. Reports the times.
set -euo pipefail

OPENSC=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)
    deadline=3
    limit=$((deadline + 5))
    server_cert
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/
    prov_conf "$T/p11.cnf" env:TSCNS_TEST_PIN "pkcs11-module = $OPENSC" "backend = pkcs11" \
        "card-timeout = $deadline"
    export OPENSSL_CONF=$T/p11.cnf TSCNS_TEST_PIN=$pin
    keyref "$T/key.pem" "cns:serial=$serial;type=private"

    note "the card answers: a handshake through the module works"
    curl -sS --cacert "$T/server.pem" --cert "$image/cert.pem" --key "$T/key.pem" \
        -o /dev/null "$url" || fail "curl through the module with the card answering"

    # Each client meets the hang at STEP (the card's log name) on a freshly inserted card, with
    # a PIN record of its own: a C_Login that stalled counts as a rejection of the configured
    # PIN for every later process of the same record (tested below).
    clients() { # STEP CALL
        local step=$1 call=$2 c
        for c in s_client curl python; do
            card_again --hang-on "$step"
            export XDG_STATE_HOME=$T/state-$step-$c
            case $c in
            s_client) must_stall "$step/s_client" openssl s_client -connect \
                "127.0.0.1:$PORTAL_PORT" -CAfile "$T/server.pem" -cert "$image/cert.pem" \
                -key "cns:serial=$serial;type=private" -verify_return_error -brief </dev/null
                assert_contains "$OUT" "module $OPENSC did not return from $call within $deadline s" \
                    "$step/s_client: the module and the call"
                ;;
            curl) must_stall "$step/curl" curl -sS --cacert "$T/server.pem" \
                --cert "$image/cert.pem" --key "$T/key.pem" -o /dev/null "$url" ;;
            python) must_stall "$step/python" "$PY" "$HARNESS/tls_fetch.py" "$image/cert.pem" \
                "$T/key.pem" "$url" "$T/server.pem" "$pin" ;;
            esac
        done
    }

    note "stall at PSO DECIPHER: C_Sign does not return"
    clients PSO_DECIPHER C_Sign
    assert_eq "$(tries_on_card)" 3 "PIN tries after the C_Sign stalls"

    note "stall at VERIFY: C_Login does not return; the next process does not send the PIN again"
    mark_log "$log"
    clients VERIFY C_Login
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY answered with a card stuck at VERIFY"
    assert_eq "$(tries_on_card)" 3 "PIN tries after the C_Login stalls"
    card_again
    export XDG_STATE_HOME=$T/state-VERIFY-s_client
    expect_fail timeout $((limit + 10)) openssl s_client -connect "127.0.0.1:$PORTAL_PORT" \
        -CAfile "$T/server.pem" -cert "$image/cert.pem" -key "cns:serial=$serial;type=private" \
        -verify_return_error -brief </dev/null
    assert_contains "$OUT" "not sent again" "the configured PIN after a C_Login with no answer"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY after the C_Login that got no answer"
    assert_eq "$(tries_on_card)" 3 "PIN tries at the end"

    note "a frozen pcscd when the module starts: C_Initialize does not return"
    card_again
    freeze_pcscd
    export XDG_STATE_HOME=$T/state-init
    must_stall "pcscd/tscns info" tscns info --serial "$serial" --card-timeout $deadline
    assert_eq "$RC" 3 "tscns info: exit code of a card error"
    assert_contains "$OUT" "module $OPENSC did not return from C_Initialize within $deadline s" \
        "tscns info: the module and the call"
    must_stall "pcscd/s_client" openssl s_client -connect "127.0.0.1:$PORTAL_PORT" \
        -CAfile "$T/server.pem" -cert "$image/cert.pem" -key "cns:serial=$serial;type=private" \
        -verify_return_error -brief </dev/null
    assert_contains "$OUT" "did not return from C_Initialize within $deadline s" \
        "s_client: the module and the call"
    kill -CONT "$TSCNS_PCSCD_PID"

    note "one long-running process: a frozen pcscd, then the module given up"
    export XDG_STATE_HOME=$T/state-signer
    # A given-up module is never freed (its stuck call may still use it): in the sanitizer build
    # this process's leak report at exit would be about that, so it is off for it alone (a
    # normal build ignores ASAN_OPTIONS).
    coproc SIGNER {
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 exec tscns-test-signer \
            "cns:serial=$serial;type=private" 2>"$T/signer.err"
    }
    sign() { # expected: ok | fail
        local line
        echo sign >&"${SIGNER[1]}"
        IFS= read -r -t $((limit + 10)) line <&"${SIGNER[0]}" || fail "the signer did not answer"
        case $line in "$1 "*) ;; *) fail "signature: expected $1, got: $line" ;; esac
        REPLY=$line
    }
    ms() { echo "$REPLY" | cut -d' ' -f2; }
    sign ok
    freeze_pcscd
    sign fail
    assert_contains "$REPLY" "did not return from C_Sign within $deadline s" "signer: the stall"
    [ "$(ms)" -le $((limit * 1000)) ] || fail "signer: $REPLY"
    echo "long-running: the stalled signature failed in $(ms) ms" >&2
    sign fail
    assert_contains "$REPLY" "stopped answering earlier in this program" "signer: given up"
    [ "$(ms)" -lt 1000 ] || fail "signer: the given-up module took $(ms) ms: $REPLY"
    echo "long-running: the next signature failed in $(ms) ms" >&2
    kill -CONT "$TSCNS_PCSCD_PID"
    sign fail
    assert_contains "$REPLY" "is not called again" "signer: given up, pcscd running again"
    echo quit >&"${SIGNER[1]}"
    wait "$SIGNER_PID" || fail "the signer did not exit cleanly: $(cat "$T/signer.err")"

    note "a module that hangs while tscns looks for the token's certificate (SoftHSM2 behind the shim)"
    # softhsm2-util and pkcs11-tool link libcrypto, which would load the provider of
    # OPENSSL_CONF (in the sanitizer build, a module those programs cannot load).
    unset OPENSSL_CONF
    shim_token
    touch "$T/hang"
    export TSCNS_SHIM_HANG=C_FindObjectsInit TSCNS_SHIM_HANG_FILE=$T/hang
    export XDG_STATE_HOME=$T/state-shim
    must_stall "C_FindObjects/tscns info" tscns info --backend pkcs11 --pkcs11-module "$P11SHIM" \
        --card-timeout $deadline
    assert_contains "$OUT" "module $P11SHIM did not return from C_FindObjects within $deadline s" \
        "tscns info: the module and the call"
    grep -q "^C_FindObjectsInit hang pid=" "$T/shim.log" || fail "the shim did not hold the call"
    rm "$T/hang"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside
