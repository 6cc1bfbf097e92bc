#!/usr/bin/env bash
# Nothing a process keeps gives the PIN back (docs/card.md section 5, cardio/README.md): a
# long-running program that verified the right PIN through the provider and signed, and one
# whose configured PIN the card rejected, are each dumped alive with gdb's gcore. Neither PIN's
# digits are anywhere in the dump: not in cardio's buffers, the PC/SC job that carried the
# VERIFY, the provider's, libpcsclite's or libcrypto's. pin-source = file: keeps the PINs out
# of the environment; a marker placed in the environment shows the search can find a string.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    log=$TSCNS_LOG_0
    pin=$(image_field "$TSCNS_IMAGE_0" pin)
    # Another PIN of the same length, no digit in the same place.
    wrong=$(echo "$pin" | tr 0123456789 5678901234)
    marker=tscns-marker-$RANDOM$RANDOM$RANDOM
    printf '%s\n' "$pin" >"$T/pin"
    printf '%s\n' "$wrong" >"$T/wrong"
    chmod 600 "$T/pin" "$T/wrong"

    # Start a signer on PIN-FILE, sign once (expect ok|fail), dump it, stop it.
    #   dump_after_sign PIN-FILE EXPECT CORE
    dump_after_sign() {
        local line pid
        prov_conf "$T/openssl.cnf" "file:$1"
        coproc SIGNER { OPENSSL_CONF=$T/openssl.cnf TSCNS_MEMTEST_MARKER=$marker \
            exec tscns-test-signer cns:type=private 2>"$T/signer.err"; }
        # Kept: bash unsets SIGNER_PID once the coprocess ends.
        pid=$SIGNER_PID
        echo sign >&"${SIGNER[1]}"
        IFS= read -r -t 60 line <&"${SIGNER[0]}" || fail "the signer did not answer"
        case $line in "$2 "*) ;; *) fail "signature: expected $2, got: $line" ;; esac
        timeout 120 gcore -o "$3" "$pid" >"$T/gcore.out" 2>&1 ||
            fail "gcore: $(cat "$T/gcore.out")"
        echo quit >&"${SIGNER[1]}"
        wait "$pid" || fail "the signer: $(cat "$T/signer.err")"
        CORE=$3.$pid
        [ -s "$CORE" ] || fail "no core file $CORE"
        grep -q -a -F "$marker" "$CORE" || fail "the marker is not in the dump: the search is blind"
    }

    note "right PIN: verified, signed, then dumped"
    mark_log "$log"
    dump_after_sign "$T/pin" ok "$T/right"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent by the signer"
    if grep -q -a -F "$pin" "$CORE"; then
        fail "the PIN is in the memory of a process that verified it ($CORE)"
    fi
    echo "right PIN: $(stat -c %s "$CORE") bytes of memory searched, the PIN not found" >&2
    rm -f "$CORE"

    note "a PIN the card rejected: kept only as an scrypt digest"
    mark_log "$log"
    dump_after_sign "$T/wrong" fail "$T/wrong-core"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent with the wrong PIN"
    if grep -q -a -F "$wrong" "$CORE"; then
        fail "the rejected PIN is in the memory of the process ($CORE)"
    fi
    echo "rejected PIN: $(stat -c %s "$CORE") bytes searched, the PIN not found" >&2
    rm -f "$CORE"

    # Back to 3 tries for whoever uses the image next.
    tscns pin verify --pin-file "$T/pin" >/dev/null
    exit 0
fi

. "$(dirname "$0")/lib.sh"
# In the sanitizer build the process maps terabytes of ASan shadow: gcore of it ran for minutes
# and the process was killed. The code that handles the PIN is the same in both builds, so the
# normal build's dump answers the question; the sanitizer build runs every other PIN test.
if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
    note "the memory search runs in the normal build only"
    exit 0
fi
sandbox --card athena -- bash "$0" --inside
