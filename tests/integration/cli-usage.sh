#!/usr/bin/env bash
# tscns's command line itself: --help everywhere, --version, usage errors, the exit codes in
# --help and in tscns(1) agree, binary DER is not written to a terminal. No card is involved.
. "$(dirname "$0")/lib.sh"

COMMANDS=("" readers info cert keyref pin "pin verify" "pin change" "pin unblock" doctor
    extend "extend status" "extend request" "extend online" "extend install" "extend restore")
for cmd in "${COMMANDS[@]}"; do
    for flag in --help -h; do
        # shellcheck disable=SC2086  # "pin verify" is two words on purpose
        out=$(tscns $cmd $flag)
        assert_contains "$out" "Usage: tscns ${cmd}" "tscns $cmd $flag"
        assert_contains "$out" "--reader NAME" "global options in tscns $cmd $flag"
    done
done

version=$(sed -n 's/^project(tscns VERSION \([0-9.]*\).*/\1/p' "$TSCNS_SRC/CMakeLists.txt")
assert_eq "$(tscns --version)" "tscns $version" "tscns --version"

expect_fail tscns
assert_eq "$RC" 1 "no command"
expect_fail tscns frobnicate
assert_eq "$RC" 1 "unknown command"
assert_contains "$OUT" "frobnicate" "unknown command message"
expect_fail tscns info --frobnicate
assert_eq "$RC" 1 "unknown option"
expect_fail tscns pin
assert_eq "$RC" 1 "pin without a subcommand"
expect_fail tscns pin reset
assert_eq "$RC" 1 "unknown pin subcommand"
expect_fail tscns --serial 1234-5 info
assert_eq "$RC" 1 "malformed --serial"
expect_fail tscns cert extra-argument
assert_eq "$RC" 1 "stray argument"

# Every command names the option it refuses, and where to look.
for cmd in "${COMMANDS[@]}"; do
    prefix="tscns${cmd:+ $cmd}"
    # shellcheck disable=SC2086  # "pin verify" is two words on purpose
    {
        expect_fail tscns $cmd --frobnicate
        assert_eq "$RC" 1 "$prefix --frobnicate"
        assert_contains "$OUT" "$prefix: unknown option --frobnicate; see $prefix --help" \
            "$prefix --frobnicate"
        expect_fail tscns $cmd -Z
        assert_eq "$RC" 1 "$prefix -Z"
        assert_contains "$OUT" "$prefix: unknown option -Z" "$prefix -Z"
        expect_fail tscns $cmd --reader
        assert_eq "$RC" 1 "$prefix --reader without its value"
        assert_contains "$OUT" "$prefix: option --reader needs a value" "$prefix --reader"
        expect_fail tscns $cmd --help=yes
        assert_contains "$OUT" "$prefix: option --help takes no value" "$prefix --help=yes"
    }
done
for args in "cert -o" "cert --output" "keyref -o" "pin verify --pin-file" \
    "pin change --new-pin-file" "pin unblock --puk-file"; do
    # shellcheck disable=SC2086  # the words are separate arguments on purpose
    expect_fail tscns $args
    assert_eq "$RC" 1 "tscns $args without its value"
    assert_contains "$OUT" "tscns ${args% *}: option ${args##* } needs a value" "tscns $args"
done
expect_fail tscns info --json=1
assert_contains "$OUT" "tscns info: option --json takes no value" "tscns info --json=1"

# Exit codes: the same list in --help and in the man page.
tscns --help | sed -n '/^Exit status:/,$p' | sed -n 's/^  \([0-9]\)  .*/\1/p' >"$T/help-codes"
[ -s "$T/help-codes" ] || fail "no exit codes in tscns --help"
sed -n '/^\.SH "EXIT STATUS"/,/^\.SH/p' "$TSCNS_SRC/docs/tscns.1" |
    sed -n '/^\.TP/{n;s/^\.B \([0-9]\)$/\1/p}' >"$T/man-codes"
assert_files_equal "$T/help-codes" "$T/man-codes" "exit codes in --help and tscns(1)"
man -l "$TSCNS_SRC/docs/tscns.1" >/dev/null 2>&1 || groff -man -Tutf8 "$TSCNS_SRC/docs/tscns.1" >/dev/null ||
    fail "tscns(1) does not format"

# Binary on a terminal is refused before any card I/O (so no PC/SC stack is needed here).
"$PY" - <<'PYEOF' || fail "tscns cert --der on a terminal"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("tscns", ["tscns", "cert", "--der"])
out = b""
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
if code != 1 or b"terminal" not in out:
    sys.exit(f"exit {code}, output {out!r}")
PYEOF
