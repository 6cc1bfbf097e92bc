#!/usr/bin/env bash
# tscns(1) formats without a single groff warning, each command's option line renders on one
# line (a .TP tag of several requests broke them apart), and neither the man page nor any
# --help text sends the user into the source tree (examples/, docs/, *.md), which an installed
# tscns does not have. No card is involved.
. "$(dirname "$0")/lib.sh"

man=$TSCNS_SRC/docs/tscns.1
command -v groff >/dev/null || fail "groff is needed (Debian package groff-base)"
warnings=$(groff -man -ww -z "$man" 2>&1)
assert_eq "$warnings" "" "groff -ww warnings for tscns(1)"

# The tag lines as a reader sees them: each command with its options, then the text below.
MANWIDTH=100 groff -man -Tutf8 -rLL=100n "$man" 2>/dev/null | col -bx >"$T/man.txt"
for tag in "cert [-o|--output FILE] [--pem|--der]" "keyref [-o|--output FILE]" \
    "pin verify [--pin-file F]" "pin change [--pin-file F] [--new-pin-file F]" \
    "pin unblock [--puk-file F] [--new-pin-file F]" "readers [--json]" "info [--json]" \
    "doctor [--json]"; do
    grep -qxF "       $tag" "$T/man.txt" || fail "tscns(1): no line '$tag' of its own"
done

# Paths into the source tree, in the man page and in every --help.
srcpath='examples/|docs/|\.\./shared|[A-Za-z]\.md\b'
! grep -nE "$srcpath" "$man" || fail "tscns(1) points into the source tree"
COMMANDS=("" readers info cert keyref pin "pin verify" "pin change" "pin unblock" doctor setup
    extend "extend status" "extend request" "extend online" "extend install" "extend restore")
for cmd in "${COMMANDS[@]}"; do
    # shellcheck disable=SC2086  # "pin verify" is two words on purpose
    help=$(tscns $cmd --help)
    ! grep -nE "$srcpath" <<<"$help" || fail "tscns $cmd --help points into the source tree"
done
note "cli-man: tscns(1) clean, option lines whole, no source-tree paths"
