#!/usr/bin/env bash
# fork() with a token card (cardio/README.md, "PIN" and "fork()"): one tscns-test-signer
# process signs through the PKCS#11 backend (SoftHSM2 under tests/harness/p11shim.c, which logs
# every call with its pid), forks, and the child signs with the inherited key, twice; the parent
# signs between and after. Expected, and measured with SoftHSM2 2.6.1 and libp11 0.4.12:
# - the right configured PIN: every child signs. The provider forgets the parent's cards in the
#   child and opens the token again, so the child sends the configured PIN once (the token
#   accepted it in the parent); SoftHSM2 keeps the parent's login in the child's copy of its
#   memory and answers CKR_USER_ALREADY_LOGGED_IN (0x100), which is a login. The parent logs in
#   once. Nothing hangs, at the fork or at the child's exit (which unloads the module).
# - a wrong configured PIN: the parent's one C_Login is rejected; the child sends nothing
#   (the user's PIN record says the configured PIN was rejected) and says why.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
WRONG=11111111

shim_token
pin=$(image_field "$T/img" pin)
export OPENSSL_CONF=$T/p11.cnf
# The provider's child forgets the parent's cards without freeing them (provider/card_cache.c, a
# one-off leak on purpose): LeakSanitizer would report it at each child's exit.
[ "${TSCNS_SANITIZE:-0}" != 1 ] || export ASAN_OPTIONS=detect_leaks=0

run_signer() { # COMMANDS... : their answers into $T/out (a bound against a hang at any step)
    local rc
    set +e
    printf '%s\n' "$@" quit | timeout 60 tscns-test-signer "$T/key.pem" >"$T/out" 2>"$T/err"
    rc=$?
    set -e
    [ "$rc" -ne 124 ] || fail "tscns-test-signer hangs: $(cat "$T/out" "$T/err")"
    [ "$rc" -eq 0 ] || fail "tscns-test-signer exit $rc: $(cat "$T/out" "$T/err")"
}
# The shim's log lines of the calls NAME made by the process PID, or by every process but PID.
calls() { # NAME pid=PID | NAME not=PID
    awk -v name="$1" -v who="$2" '$1 == name && (who ~ /^pid=/ ? $NF == who : $NF != "pid=" substr(who, 5))' \
        "$T/shim.log"
}
lines() { awk 'NF { n++ } END { print n + 0 }'; }
parent_pid() { sed -n 's/^C_Initialize .* pid=\([0-9]*\)$/\1/p' "$T/shim.log" | head -n 1; }

note "the right configured PIN: the parent signs, forks twice, each child signs"
export TSCNS_TEST_PIN=$pin XDG_STATE_HOME=$T/state-right
: >"$T/shim.log"
run_signer sign fork sign fork sign
assert_eq "$(sed -E 's/^(ok|child ok) [0-9]+$/\1/' "$T/out" | tr '\n' ' ')" \
    "ok child ok forked 0 ok child ok forked 0 ok " "the signer's answers"
parent=$(parent_pid)
assert_eq "$(calls C_Login "pid=$parent" | lines)" 1 "C_Login from the parent"
assert_eq "$(calls C_Sign "pid=$parent" | grep ' 0x0 ' | lines)" 3 "signatures of the parent"
children=$(calls C_Sign "not=$parent" | sed 's/.* pid=//' | sort -u)
assert_eq "$(echo "$children" | lines)" 2 "children that signed"
for child in $children; do
    logins=$(calls C_Login "pid=$child")
    assert_eq "$(echo "$logins" | lines)" 1 "C_Login from child $child"
    case $logins in
    "C_Login 0x0 "* | "C_Login 0x100 "*) ;;
    *) fail "child $child: the login failed: $logins" ;;
    esac
done

note "a wrong configured PIN: one C_Login in the parent, none in the child, which says why"
export TSCNS_TEST_PIN=$WRONG XDG_STATE_HOME=$T/state-wrong
: >"$T/shim.log"
run_signer sign fork
assert_contains "$(sed -n 1p "$T/out")" "C_Login: CKR_PIN_INCORRECT" "the parent's wrong PIN"
assert_contains "$(sed -n 2p "$T/out")" "child fail" "the child"
assert_contains "$(sed -n 2p "$T/out")" "was rejected by the card on" "the child says why"
assert_contains "$(sed -n 2p "$T/out")" "and is not sent again" "the child says why"
assert_eq "$(sed -n 3p "$T/out")" "forked 1" "the child's exit status"
assert_eq "$(grep '^C_Login ' "$T/shim.log" | lines)" 1 "C_Login calls, parent and child"
