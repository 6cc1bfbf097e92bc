#!/usr/bin/env bash
# tscns pin verify / change / unblock on every card profile: tries left in words, blocking,
# unblocking with the PUK, formats checked before sending, no hang without a terminal, the
# terminal prompt without echo, and exactly one card command per code the user typed
# (counted in the virtual card's own APDU log).
. "$(dirname "$0")/lib.sh"

PROFILES=(athena oberthur cardos st2021 idemia2021 ace2025)

# Run a command on a pseudo-terminal as a shell runs a foreground job, and act as its user:
#   on_terminal.py [--sigint-ignored] PROMPT ANSWER [PROMPT ANSWER...] -- COMMAND...
# Each ANSWER is typed once the terminal shows exactly PROMPT (the event that says the command
# is reading); "^C" types part of a code and then the interrupt character. Prints what the
# terminal showed (and "<echo left off>" if the command left the terminal without echo); exits
# with the command's status, 128+N if killed by signal N.
# The command starts with default signal dispositions and an empty signal mask, whatever this
# test inherited: a test run in the background of a script (SIGINT ignored) must not change
# what Ctrl-C does. --sigint-ignored starts it with SIGINT ignored on purpose.
write_pty_helper() {
    cat >"$1" <<'PYEOF'
import os, pty, select, signal, sys, termios, time
args = sys.argv[1:]
sigint_ignored = args[:1] == ["--sigint-ignored"]
if sigint_ignored:
    args = args[1:]
split = args.index("--")
pairs = args[:split]
steps = [(pairs[i].encode(), pairs[i + 1]) for i in range(0, len(pairs), 2)]
command = args[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE,
                signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    if sigint_ignored:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    os.execvp(command[0], command)
seen = b""
since_answer = b""
deadline = time.monotonic() + 20
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        sys.exit("pty helper: the command hung; the terminal showed: %r" % seen)
    r, _, _ = select.select([fd], [], [], left)
    if not r:
        continue
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    since_answer += data
    if steps and since_answer.endswith(steps[0][0]):
        answer = steps.pop(0)[1]
        os.write(fd, b"12\x03" if answer == "^C" else answer.encode() + b"\n")
        seen += b"<typed>"
        since_answer = b""
_, status = os.waitpid(pid, 0)
if not termios.tcgetattr(fd)[3] & termios.ECHO:
    seen += b"<echo left off>"
if steps:
    seen += b"<prompt never shown: %s>" % steps[0][0]
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
PYEOF
}

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    pin=$(image_field "$img" pin)
    puk=$(image_field "$img" puk)
    wrong=13579
    [ "$pin" != "$wrong" ] || wrong=24680
    wrong_puk=11223344
    [ "$puk" != "$wrong_puk" ] || wrong_puk=44332211
    new1=246813 new2=97531864
    sent_verify=0 sent_change=0 sent_unblock=0
    secret() { printf '%s\n' "$2" >"$T/$1"; echo "$T/$1"; }
    write_pty_helper "$T/on_terminal.py"
    P_PIN='PIN: ' P_NEW='New PIN (5 to 8 digits): ' P_AGAIN='Repeat the new PIN: '
    check_counts() { # what
        assert_eq "$(apdu_count "$log" VERIFY)" "$sent_verify" "$profile: VERIFY sent ($1)"
        assert_eq "$(apdu_count "$log" CHANGE_REFERENCE_DATA)" "$sent_change" \
            "$profile: CHANGE REFERENCE DATA sent ($1)"
        assert_eq "$(apdu_count "$log" RESET_RETRY_COUNTER)" "$sent_unblock" \
            "$profile: RESET RETRY COUNTER sent ($1)"
    }
    no_secret_in() { # output secret...
        local out=$1 s
        shift
        for s in "$@"; do
            case "$out" in *"$s"*) fail "$profile: a PIN or PUK appears in the output: $out" ;; esac
        done
    }

    # The right PIN.
    out=$(tscns pin verify --pin-file "$(secret pin "$pin")")
    sent_verify=$((sent_verify + 1))
    assert_contains "$out" "PIN correct" "$profile: verify"
    check_counts "right PIN"

    # A wrong PIN: tries left in words, exit 4, sent once.
    expect_fail tscns pin verify --pin-file "$(secret wrong "$wrong")"
    sent_verify=$((sent_verify + 1))
    assert_eq "$RC" 4 "$profile: exit status for a wrong PIN"
    assert_contains "$OUT" "wrong PIN: 2 tries left" "$profile: wrong PIN message"
    no_secret_in "$OUT" "$wrong" "$pin"
    check_counts "wrong PIN"

    # Malformed codes are refused before anything reaches the card.
    for bad in 1234 123456789 12a45; do
        expect_fail tscns pin change --pin-file "$(secret pin "$pin")" --new-pin-file "$(secret bad "$bad")"
        assert_eq "$RC" 1 "$profile: exit status for new PIN '$bad'"
        assert_contains "$OUT" "5 to 8 digits" "$profile: message for new PIN '$bad'"
        expect_fail tscns pin verify --pin-file "$(secret bad "$bad")"
        assert_eq "$RC" 1 "$profile: exit status for PIN '$bad'"
        expect_fail tscns pin unblock --puk-file "$(secret bad "$bad")" --new-pin-file "$(secret new "$new1")"
        assert_eq "$RC" 1 "$profile: exit status for PUK '$bad'"
    done
    expect_fail tscns pin verify --pin-file "$T/no-such-file"
    assert_eq "$RC" 6 "$profile: exit status for a missing PIN file"
    check_counts "malformed codes"

    # No terminal and no PIN file: a clear error at once, nothing sent, no hang.
    set +e
    OUT=$(timeout 10 setsid tscns pin verify </dev/null 2>&1)
    RC=$?
    set -e
    assert_eq "$RC" 1 "$profile: exit status without a terminal"
    assert_contains "$OUT" "--pin-file" "$profile: message without a terminal"
    check_counts "no terminal"

    # Change the PIN from files, then the new PIN works and the old one does not.
    out=$(tscns pin change --pin-file "$(secret pin "$pin")" --new-pin-file "$(secret new "$new1")")
    sent_change=$((sent_change + 1))
    assert_contains "$out" "PIN changed" "$profile: change"
    # A wrong current PIN in a change: one CHANGE REFERENCE DATA, tries left in words.
    expect_fail tscns pin change --pin-file "$(secret wrong "$wrong")" --new-pin-file "$(secret new2 "$new2")"
    sent_change=$((sent_change + 1))
    assert_eq "$RC" 4 "$profile: exit status for a change with a wrong PIN"
    assert_contains "$OUT" "wrong PIN: 2 tries left" "$profile: change with a wrong PIN"
    no_secret_in "$OUT" "$wrong" "$new2"
    tscns pin verify --pin-file "$(secret new "$new1")" >/dev/null
    sent_verify=$((sent_verify + 1))
    check_counts "change"

    # Change it back on a terminal: no echo, the new PIN typed twice.
    set +e
    OUT=$("$PY" "$T/on_terminal.py" "$P_PIN" "$new1" "$P_NEW" "$pin" "$P_AGAIN" "$pin" -- \
        tscns pin change)
    RC=$?
    set -e
    sent_change=$((sent_change + 1))
    assert_eq "$RC" 0 "$profile: change on a terminal (output: $OUT)"
    no_secret_in "$OUT" "$new1" "$pin"
    # Two different new PINs on the terminal: nothing is sent.
    set +e
    OUT=$("$PY" "$T/on_terminal.py" "$P_PIN" "$pin" "$P_NEW" "$new1" "$P_AGAIN" "$new2" -- \
        tscns pin change)
    RC=$?
    set -e
    assert_eq "$RC" 1 "$profile: mismatched new PINs"
    assert_contains "$OUT" "differ" "$profile: mismatched new PINs message"
    assert_eq "$(echo "$OUT" | grep -c '<echo left off>')" 0 "$profile: echo restored"
    # Ctrl-C in the middle of typing: the command dies of SIGINT, echo is back, nothing sent.
    set +e
    OUT=$("$PY" "$T/on_terminal.py" "$P_PIN" "^C" -- tscns pin verify)
    RC=$?
    set -e
    assert_eq "$RC" 130 "$profile: Ctrl-C at the PIN prompt (output: $OUT)"
    assert_eq "$(echo "$OUT" | grep -c '<echo left off>')" 0 "$profile: echo restored after Ctrl-C"
    # Started with SIGINT ignored (a background job of a script): Ctrl-C still ends the prompt,
    # the command says so and exits 1 instead of dying; echo is back, nothing sent.
    set +e
    OUT=$("$PY" "$T/on_terminal.py" --sigint-ignored "$P_PIN" "^C" -- tscns pin verify)
    RC=$?
    set -e
    assert_eq "$RC" 1 "$profile: Ctrl-C with SIGINT ignored (output: $OUT)"
    assert_contains "$OUT" "cancelled" "$profile: Ctrl-C with SIGINT ignored"
    assert_eq "$(echo "$OUT" | grep -c '<echo left off>')" 0 "$profile: echo restored after Ctrl-C"
    tscns pin verify --pin-file "$(secret pin "$pin")" >/dev/null
    sent_verify=$((sent_verify + 1))
    check_counts "terminal"

    # Three wrong PINs block it; the message says how to unblock.
    expect_fail tscns pin verify --pin-file "$(secret wrong "$wrong")"
    assert_contains "$OUT" "wrong PIN: 2 tries left" "$profile: first wrong PIN"
    expect_fail tscns pin verify --pin-file "$(secret wrong "$wrong")"
    assert_contains "$OUT" "wrong PIN: 1 try left" "$profile: second wrong PIN"
    expect_fail tscns pin verify --pin-file "$(secret wrong "$wrong")"
    assert_eq "$RC" 5 "$profile: exit status when the PIN blocks"
    assert_contains "$OUT" "PIN blocked" "$profile: third wrong PIN"
    assert_contains "$OUT" "tscns pin unblock" "$profile: how to unblock"
    # Even the right PIN is refused now.
    expect_fail tscns pin verify --pin-file "$(secret pin "$pin")"
    assert_eq "$RC" 5 "$profile: exit status for a blocked PIN"
    assert_contains "$OUT" "tscns pin unblock" "$profile: blocked PIN message"
    sent_verify=$((sent_verify + 4))
    check_counts "blocking"

    # A wrong PUK: tries left and the warning; then the right PUK unblocks with a new PIN.
    expect_fail tscns pin unblock --puk-file "$(secret puk "$wrong_puk")" --new-pin-file "$(secret new "$new2")"
    sent_unblock=$((sent_unblock + 1))
    assert_eq "$RC" 4 "$profile: exit status for a wrong PUK"
    assert_contains "$OUT" "wrong PUK: 2 tries left" "$profile: wrong PUK message"
    assert_contains "$OUT" "can never be unblocked" "$profile: wrong PUK warning"
    no_secret_in "$OUT" "$wrong_puk" "$puk" "$new2"
    out=$(tscns pin unblock --puk-file "$(secret puk "$puk")" --new-pin-file "$(secret new "$new2")")
    sent_unblock=$((sent_unblock + 1))
    assert_contains "$out" "unblocked" "$profile: unblock"
    tscns pin verify --pin-file "$(secret new "$new2")" >/dev/null
    sent_verify=$((sent_verify + 1))
    check_counts "unblock"
    note "$profile: PIN commands sent exactly $sent_verify VERIFY, $sent_change CHANGE, $sent_unblock UNBLOCK"
    exit 0
fi

for p in "${PROFILES[@]}"; do
    sandbox --card "$p:$T/img-$p" -- bash "$0" --inside "$p" || fail "$p: see the messages above"
done
