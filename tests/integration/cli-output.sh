#!/usr/bin/env bash
# A failed write to standard output is an error: every command that prints exits 6 (a file
# could not be read or written, see tscns --help) with a message on stderr when its stdout is
# /dev/full, text and --json alike, and the same command exits 0 on a normal run.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    # doctor needs a good OpenSSL setup to exit 0: the shipped example, pointing at this build.
    sed "s#^module = .*#module = $TSCNS_BUILD/lib/tscns.so#" "$TSCNS_SRC/examples/openssl.cnf" \
        >"$T/openssl.cnf"
    export OPENSSL_CONF=$T/openssl.cnf
    CASES=("readers" "readers --json" "info" "info --json" "cert" "cert --der" "keyref"
        "extend status" "extend status --json" "doctor" "doctor --json"
        "--help" "info --help" "extend status --help" "--version")
    for cmd in "${CASES[@]}"; do
        # shellcheck disable=SC2086  # "extend status" is two words on purpose
        tscns $cmd >"$T/out" 2>"$T/err" || fail "tscns $cmd: exit $? on a normal run ($(cat "$T/err"))"
        [ -s "$T/out" ] || fail "tscns $cmd: printed nothing on a normal run"
        set +e
        # shellcheck disable=SC2086
        tscns $cmd >/dev/full 2>"$T/err"
        rc=$?
        set -e
        assert_eq "$rc" 6 "tscns $cmd >/dev/full: exit code"
        assert_contains "$(cat "$T/err")" "cannot write to standard output" \
            "tscns $cmd >/dev/full: message"
    done
    note "cli-output: ${#CASES[@]} command lines ok"
    exit 0
fi

sandbox --card athena -- bash "$0" --inside
