#!/usr/bin/env bash
# The token's user PIN flags through the PKCS#11 backend (cardio/README.md, "PIN"). SoftHSM2
# and OpenSC 0.23 never set them: tests/harness/p11shim.c sits between libp11 and SoftHSM2, ORs
# them into C_GetTokenInfo and logs every call that reaches SoftHSM2. No PC/SC card: the
# provider runs with backend = pkcs11.
# - CKF_USER_PIN_FINAL_TRY when the token is opened: the configured PIN (pin-source) is not
#   sent (no C_Login reaches SoftHSM2), the error says 1 try left and why, exit non-zero; a PIN
#   the user types at the program's prompt (openssl -passin) and `tscns pin verify` are sent,
#   as on a native card with 1 try left.
# - A wrong configured PIN, then the token flags FINAL_TRY: "1 try left"; then LOCKED: the PIN
#   is reported blocked, and a new process sends nothing (the user's PIN record says 0).
# - CKF_USER_PIN_COUNT_LOW tells no count: a wrong PIN says "tries left unknown", the right one
#   signs.
# - CKF_USER_PIN_LOCKED already up when the token is opened is not believed (OpenSC 0.23 sets
#   it falsely): the right configured PIN is sent and signs; a wrong one proves the flag false.
set -euo pipefail

. "$(dirname "$0")/lib.sh"
WRONG=11111111

shim_token
pin=$(image_field "$T/img" pin)
printf 'data to sign\n' >"$T/data"
printf '%s\n' "$pin" >"$T/pin"

# Each case starts with a fresh PIN record (the user's, keyed by the token's serial) and log.
case_start() { # WHAT
    note "$1"
    export XDG_STATE_HOME=$T/state-$((++case_n))
    : >"$T/shim.log"
}
case_n=0
logins() {
    local n
    n=$(grep -c '^C_Login ' "$T/shim.log") || n=0
    echo "$n"
}
# openssl dgst -sign with the token's key in a new process: sign CONFIGURED-PIN [openssl options]
sign() {
    OPENSSL_CONF=$T/p11.cnf TSCNS_TEST_PIN=$1 openssl dgst -sha256 -sign "$T/key.pem" \
        -out "$T/sig" "${@:2}" "$T/data" </dev/null
}
verified() { # WHAT: the last signature checks with the certificate's key
    openssl x509 -in "$T/img/cert.pem" -pubkey -noout >"$T/pub.pem"
    openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" >/dev/null ||
        fail "$1: the signature does not verify"
}

case_start "FINAL_TRY at open: the configured PIN is not sent"
export TSCNS_SHIM_FLAGS=FINAL_TRY TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN=
expect_fail sign "$pin"
assert_contains "$OUT" "1 try left: the configured PIN is not tried on the last try" "the reason"
assert_eq "$(logins)" 0 "C_Login reaching SoftHSM2 on the final try"
grep -q '^C_GetTokenInfo 0x0 ' "$T/shim.log" || fail "the token was never asked for its flags"

case_start "FINAL_TRY at open: the PIN typed at the program's prompt is sent"
sign "$pin" -passin "pass:$pin" >"$T/out" 2>&1 || fail "typed PIN on the final try: $(cat "$T/out")"
verified "typed PIN on the final try"
assert_eq "$(logins)" 1 "C_Login with the typed PIN"
grep -q '^C_Login 0x0 ' "$T/shim.log" || fail "the typed PIN was not accepted: $(cat "$T/shim.log")"

case_start "FINAL_TRY at open: tscns pin verify sends the PIN the user gives"
assert_eq "$(tscns pin verify --backend pkcs11 --pkcs11-module "$P11SHIM" --pin-file "$T/pin")" \
    "PIN correct." "tscns pin verify on the final try"
assert_eq "$(logins)" 1 "C_Login from tscns pin verify"

case_start "a wrong configured PIN, then the token flags FINAL_TRY: 1 try left"
export TSCNS_SHIM_FLAGS='' TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN=FINAL_TRY
expect_fail sign "$WRONG"
assert_contains "$OUT" "wrong PIN: 1 try left" "the provider's words"
assert_eq "$(logins)" 1 "C_Login after a wrong PIN"

case_start "a wrong configured PIN, then the token flags LOCKED: blocked, and nothing sent again"
export TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN=LOCKED
expect_fail sign "$WRONG"
assert_contains "$OUT" "PIN blocked" "the wrong PIN that locks"
expect_fail sign "$pin"
assert_contains "$OUT" "PIN blocked" "a new process, the right PIN"
assert_eq "$(logins)" 1 "C_Login after the PIN is blocked"

case_start "COUNT_LOW at open and after: no count, the right PIN signs"
export TSCNS_SHIM_FLAGS=COUNT_LOW TSCNS_SHIM_FLAGS_AFTER_WRONG_PIN=
sign "$pin" >"$T/out" 2>&1 || fail "COUNT_LOW, the right PIN: $(cat "$T/out")"
verified "COUNT_LOW, the right PIN"
expect_fail sign "$WRONG"
assert_contains "$OUT" "C_Login: CKR_PIN_INCORRECT, tries left unknown (the token flags CKF_USER_PIN_COUNT_LOW" \
    "COUNT_LOW, a wrong PIN"
assert_eq "$(logins)" 2 "C_Login with COUNT_LOW"

case_start "LOCKED at open is not believed: the right configured PIN signs"
export TSCNS_SHIM_FLAGS=LOCKED
sign "$pin" >"$T/out" 2>&1 || fail "LOCKED at open, the right PIN: $(cat "$T/out")"
verified "LOCKED at open, the right PIN"
expect_fail sign "$WRONG"
assert_contains "$OUT" "C_Login: CKR_PIN_INCORRECT, tries left unknown" "LOCKED at open, a wrong PIN"
assert_eq "$(logins)" 2 "C_Login with LOCKED at open"
