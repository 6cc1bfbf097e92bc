#!/usr/bin/env bash
# Each exit status of the table in `tscns --help` and tscns(1), from a real run: 0, 1 (usage,
# no PIN to give), 2 (no pcscd, no reader, no card), 3 (unknown card; doctor: an expired
# certificate), 4 (wrong PIN, also through `extend request`), 5 (PIN blocked), 6 (an output
# file that cannot be written; `extend install` refusals are in extend-refuse). 7 (a bug, out
# of memory) has no honest trigger. Under --json (readers, info, doctor, extend status) a
# failure is also a JSON error object on stdout with the same code. `tscns readers` without a reader says what to check. `-o` is
# `--output` everywhere; `extend request --out` still works.
. "$(dirname "$0")/lib.sh"

# run_code EXPECTED WHAT COMMAND...: the exit status, and under --json the error object.
run_code() {
    local want=$1 what=$2
    shift 2
    set +e
    "$@" >"$T/out" 2>"$T/err"
    RC=$?
    set -e
    assert_eq "$RC" "$want" "$what: exit status ($(cat "$T/err"))"
}
json_error_is() { # CODE WHAT: stdout of the last run_code is {"error": {"code": CODE, ...}}
    assert_eq "$(json_get "$T/out" error.code)" "$1" "$2: error.code in the JSON on stdout"
    [ -n "$(json_get "$T/out" error.message)" ] || fail "$2: empty error.message"
}

case "${1:-}" in
--no-pcscd)
    run_code 2 "no pcscd" tscns info
    assert_contains "$(cat "$T/err")" "systemctl start pcscd.socket" "no pcscd: the hint"
    run_code 2 "no pcscd, --json" tscns info --json
    json_error_is 2 "no pcscd"
    assert_contains "$(json_get "$T/out" error.hint)" "pcscd" "no pcscd: JSON hint"
    run_code 2 "doctor, no pcscd" tscns doctor
    exit 0
    ;;
--no-reader)
    run_code 2 "readers, no reader" tscns readers
    assert_contains "$(cat "$T/err")" "systemctl status pcscd.socket" "no reader: the hint"
    case "$(cat "$T/err")" in *"tscns readers"*) fail "no reader: the hint is to run tscns readers" ;; esac
    run_code 2 "readers --json, no reader" tscns readers --json
    json_error_is 2 "readers --json, no reader"
    exit 0
    ;;
--empty-reader)
    run_code 2 "no card" tscns info
    run_code 2 "no card, --json" tscns info --json
    json_error_is 2 "no card"
    exit 0
    ;;
--unknown)
    run_code 3 "unknown card" tscns info
    run_code 3 "unknown card, --json" tscns info --json
    json_error_is 3 "unknown card"
    exit 0
    ;;
--expired)
    run_code 3 "doctor, expired certificate" tscns doctor
    assert_contains "$(cat "$T/out")" "expired on" "doctor, expired certificate"
    exit 0
    ;;
--card)
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    image_field "$img" pin >"$T/pin"
    run_code 0 "info" tscns info
    run_code 6 "cert to a missing directory" tscns cert -o "$T/no/such/dir/cert.pem"
    run_code 6 "cert --output to a missing directory" tscns cert --output "$T/no/such/dir/c.pem"

    # No terminal and no --pin-file: nothing to send, exit 1, no VERIFY.
    run_code 1 "pin verify without a PIN" setsid tscns pin verify </dev/null
    run_code 1 "extend request without a PIN" setsid tscns extend request </dev/null
    assert_contains "$(cat "$T/err")" "--pin-file" "extend request without a PIN: the message"
    assert_eq "$(apdu_count "$log" VERIFY)" 0 "VERIFY sent without a PIN"

    # -o, --output and the old --out write the same kind of file.
    for opt in -o --output --out; do
        run_code 0 "extend request $opt" tscns extend request "$opt" "$T/req$opt.pem" --pin-file "$T/pin"
        openssl req -in "$T/req$opt.pem" -noout -verify 2>/dev/null || fail "extend request $opt: no request"
    done

    # Wrong PINs (each a different one: a rejected PIN is never sent again): 4, then 5.
    echo 11111111 >"$T/wrong1"
    echo 22222222 >"$T/wrong2"
    echo 33333333 >"$T/wrong3"
    run_code 4 "pin verify, wrong PIN" tscns pin verify --pin-file "$T/wrong1"
    assert_contains "$(cat "$T/err")" "2 tries left" "wrong PIN: tries left"
    run_code 4 "extend request, wrong PIN" tscns extend request -o "$T/r.pem" --pin-file "$T/wrong2"
    run_code 5 "pin verify, the last try wrong" tscns pin verify --pin-file "$T/wrong3"
    run_code 5 "pin verify, blocked" tscns pin verify --pin-file "$T/pin"
    run_code 5 "extend request, blocked" tscns extend request -o "$T/r.pem" --pin-file "$T/pin"
    exit 0
    ;;
esac

# No card needed: 0 and 1, and a usage error under --json.
run_code 0 "--version" tscns --version
run_code 1 "unknown command" tscns frobnicate
run_code 1 "unknown option, --json" tscns info --json --frobnicate
json_error_is 1 "unknown option"
assert_contains "$(json_get "$T/out" error.message)" "--frobnicate" "unknown option: JSON message"

sandbox --no-pcscd -- bash "$0" --no-pcscd
sandbox --readers 0 -- bash "$0" --no-reader
sandbox --readers 1 -- bash "$0" --empty-reader
sandbox --card unknown -- bash "$0" --unknown
mkimage athena "$T/expired" --not-after -2
sandbox --card athena:"$T/expired" -- bash "$0" --expired
sandbox --card athena -- bash "$0" --card
note "cli-exit-codes: 0 to 6 as documented, JSON errors, the no-reader hint"
