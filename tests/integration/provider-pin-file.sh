#!/usr/bin/env bash
# PIN files (cardio/pin_file.c), read the same way by the provider's pin-source = file:PATH and
# by `tscns pin verify --pin-file`: a file open to others, a symbolic link, a FIFO with no
# writer, a directory and a file of another user are each refused at once (under a timeout: a
# FIFO used to block for ever), with the fix in the message and no VERIFY sent to the card; a
# private 0600 file still works.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    log=$TSCNS_LOG_0
    pin=$(image_field "$TSCNS_IMAGE_0" pin)
    echo "to be signed" >"$T/msg"

    printf '%s\n' "$pin" >"$T/open.pin"
    chmod 644 "$T/open.pin"
    printf '%s\n' "$pin" >"$T/real.pin"
    ln -s "$T/real.pin" "$T/link.pin"
    mkfifo "$T/fifo.pin"
    mkdir "$T/dir.pin"
    printf '%s\n' "$pin" >"$T/other.pin"
    chown 65534 "$T/other.pin"
    # FILE|FIX: each bad file and the words of the fix its refusal must give.
    bad_files=(
        "$T/open.pin|run \`chmod 600 $T/open.pin\`"
        "$T/link.pin|is a symbolic link: give the real path"
        "$T/fifo.pin|is not a regular file (it is a FIFO)"
        "$T/dir.pin|is not a regular file (it is a directory)"
        "$T/other.pin|belongs to uid 65534"
    )

    sign() { # CONF -> fails or not; output in $OUT, status in $RC
        set +e
        OUT=$(OPENSSL_CONF=$1 timeout 20 openssl pkeyutl -sign -inkey cns:type=private \
            -in "$T/msg" -out "$T/sig" </dev/null 2>&1)
        RC=$?
        set -e
    }

    for entry in "${bad_files[@]}"; do
        file=${entry%%|*} fix=${entry#*|}
        note "refused: $file"
        prov_conf "$T/bad.cnf" "file:$file"
        mark_log "$log"
        sign "$T/bad.cnf"
        [ "$RC" -ne 124 ] || fail "pin-source $file: openssl hung"
        [ "$RC" -ne 0 ] || fail "pin-source $file: signed with a refused PIN file"
        assert_contains "$OUT" "cannot read the configured pin-source" "pin-source $file"
        assert_contains "$OUT" "$fix" "pin-source $file"
        assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY with pin-source $file"

        mark_log "$log"
        expect_fail timeout 20 tscns pin verify --pin-file "$file"
        [ "$RC" -ne 124 ] || fail "tscns --pin-file $file: hung"
        assert_eq "$RC" 6 "tscns --pin-file $file: exit status"
        assert_contains "$OUT" "$fix" "tscns --pin-file $file"
        assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY with --pin-file $file"
    done

    # Malformed values: refused before anything is read or sent, the value never repeated
    # (it may be the PIN itself, written in place of env:/file:).
    for entry in "real.pin|an absolute path" "env:|name of an environment variable" \
        "$pin|env:NAME or file:PATH"; do
        value=${entry%%|*} fix=${entry#*|}
        [ "$value" != real.pin ] || value=file:real.pin
        note "refused: pin-source = $value"
        prov_conf "$T/bad.cnf" "$value"
        mark_log "$log"
        # From $T, where real.pin is: a relative path is refused even when it would resolve.
        cd "$T"
        sign "$T/bad.cnf"
        cd - >/dev/null
        [ "$RC" -ne 0 ] || fail "pin-source $value: signed"
        [ "$RC" -ne 124 ] || fail "pin-source $value: openssl hung"
        assert_contains "$OUT" "$fix" "pin-source $value"
        case "$OUT" in *"$pin"*) fail "pin-source $value: the PIN was repeated: $OUT" ;; esac
        assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY with pin-source $value"
    done

    note "a private regular file still works"
    chmod 600 "$T/real.pin"
    prov_conf "$T/good.cnf" "file:$T/real.pin"
    mark_log "$log"
    sign "$T/good.cnf"
    assert_eq "$RC" 0 "pin-source from a 0600 file: $OUT"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY with a 0600 pin-source"
    mark_log "$log"
    out=$(timeout 20 tscns pin verify --pin-file "$T/real.pin")
    assert_contains "$out" "PIN correct" "tscns --pin-file from a 0600 file"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY with a 0600 --pin-file"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
sandbox --card "athena:$T/athena" -- bash "$0" --inside
