#!/usr/bin/env bash
# pin-prompt = pinentry:PATH (provider/pinentry.c) with Debian's real pinentry-tty, driven
# through a pseudo-terminal: the prompt names the holder, the serial and the tries left (from
# the card, and in a new process from the user's PIN record), the PIN typed there signs; a wrong
# one costs one try; a configured PIN the card rejected is not sent and the prompt says why, and
# a right PIN typed there clears that; a pinentry program that cannot run sends nothing.
set -euo pipefail

WRONG=11111111
PINENTRY=/usr/bin/pinentry-tty

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)
    holder="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"
    record=$XDG_STATE_HOME/tscns/cards/$serial
    printf 'signed through pinentry\n' >"$T/data"
    openssl x509 -in "$image/cert.pem" -noout -pubkey >"$T/pub.pem"
    prov_conf "$T/pe.cnf" "" "pin-prompt = pinentry:$PINENTRY"
    printf '%s\n' "$WRONG" >"$T/wrong"
    prov_conf "$T/pe-wrong.cnf" "file:$T/wrong" "pin-prompt = pinentry:$PINENTRY"
    prov_conf "$T/pe-missing.cnf" "" "pin-prompt = pinentry:$T/no-such-pinentry"

    # Run a command on a new pseudo-terminal; type TEXT after the pinentry prompt "PIN:"
    # appears (bounded: 20 s). The transcript goes to $T/pty.out; exits with the command's
    # status.   pty_run TEXT COMMAND...
    cat >"$T/type_at_prompt.py" <<'PYEOF'
import os, pty, select, sys, time
text, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, typed, end = b"", False, time.time() + 20
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        if not typed and b"PIN:" in out:
            os.write(fd, text.encode() + b"\r")
            typed = True
else:
    os.kill(pid, 9)
    sys.stderr.write("pty_run: timed out\n")
_, status = os.waitpid(pid, 0)
open(os.environ["T"] + "/pty.out", "wb").write(out)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 1)
PYEOF
    pty_run() { "$PY" "$T/type_at_prompt.py" "$@"; }
    sign() { # CONF
        echo "OPENSSL_CONF=$1 openssl dgst -sha256 -sign cns:type=private -out $T/sig $T/data"
    }

    note "the PIN typed at pinentry-tty signs; the prompt names the holder and the serial"
    mark_log "$log"
    pty_run "$pin" sh -c "$(sign "$T/pe.cnf")" || fail "signing: $(cat "$T/pty.out")"
    assert_contains "$(cat "$T/pty.out")" "PIN of the TS-CNS card of $holder (serial $serial)" \
        "pinentry description"
    openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" >/dev/null ||
        fail "the signature does not verify"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY with the typed PIN"
    if grep -q -- "$pin" "$T/pty.out"; then fail "the PIN was echoed on the terminal"; fi

    note "a wrong PIN typed there: one try spent, the next prompt (new process) says 2 tries left"
    mark_log "$log"
    if pty_run "$WRONG" sh -c "$(sign "$T/pe.cnf")"; then fail "signed with a wrong PIN"; fi
    assert_contains "$(cat "$T/pty.out")" "wrong PIN" "error after a wrong PIN"
    assert_contains "$(cat "$T/pty.out")" "2 tries left" "error after a wrong PIN"
    pty_run "$pin" sh -c "$(sign "$T/pe.cnf")" || fail "signing: $(cat "$T/pty.out")"
    assert_contains "$(cat "$T/pty.out")" "(serial $serial; 2 tries left)" "tries on the prompt"
    assert_eq "$(new_count "$log" VERIFY)" 2 "VERIFY for a wrong then a right PIN"

    note "a rejected pin-source: not sent, the prompt says why; a right PIN there clears it"
    if pty_run "$pin" sh -c "$(sign "$T/pe-wrong.cnf")"; then fail "signed with a wrong PIN"; fi
    assert_contains "$(cat "$record")" "rejected " "rejection on record"
    mark_log "$log"
    pty_run "$pin" sh -c "$(sign "$T/pe-wrong.cnf")" || fail "signing: $(cat "$T/pty.out")"
    assert_contains "$(tr -d '\r\n' <"$T/pty.out")" "file:$T/wrong was rejected by the card" \
        "why on the pinentry prompt"
    assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY: the typed PIN only"
    if grep -q "^rejected " "$record"; then fail "the rejection stayed after a typed PIN"; fi

    note "a pinentry program that cannot run: a clear error, nothing sent"
    mark_log "$log"
    expect_fail env OPENSSL_CONF="$T/pe-missing.cnf" openssl dgst -sha256 \
        -sign cns:type=private -out "$T/sig" "$T/data" </dev/null
    assert_contains "$OUT" "cannot run the pinentry program $T/no-such-pinentry" "missing pinentry"
    assert_eq "$(new_count "$log" VERIFY)" 0 "VERIFY without a pinentry"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
[ -x "$PINENTRY" ] || fail "$PINENTRY missing: install pinentry-tty (scripts/deps)"
mkimage athena "$T/athena"
sandbox --card athena:"$T/athena" -- bash "$0" --inside
