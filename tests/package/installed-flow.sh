#!/usr/bin/env bash
# tests/package/installed-flow.sh DEB — the full card flow with the files the package installs,
# not the build tree: the .deb unpacked with `dpkg -x` into a temporary prefix, its `tscns` first
# on PATH and OpenSSL pointed at its modules directory (OPENSSL_MODULES); then, against a
# virtual card in a private pcscd, what a user does after `apt install tscns`: `tscns setup`,
# `tscns doctor` (all well: exit 0), `openssl storeutl` of the card's certificate, and curl
# logging in to the demo portal (scripts/demo) with the certificate and key reference setup
# wrote. The build tree gives only the test harness (the virtual card, the sandbox).
# Needs root (the sandbox), like the integration tests.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/../integration/lib.sh"
    inst=$2
    modules=$(find "$inst/usr/lib" -name tscns.so -printf '%h\n')
    PATH=$inst/usr/bin:$PATH
    export OPENSSL_MODULES=$modules
    assert_eq "$(command -v tscns)" "$inst/usr/bin/tscns" "the tscns found on PATH"
    image=$TSCNS_IMAGE_0
    pin=$(image_field "$image" pin)
    name="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"

    note "tscns setup --dir (the per-user setup) with the installed files"
    tscns setup --dir "$T/cfg" >"$T/setup.out" 2>&1 || fail "tscns setup: $(cat "$T/setup.out")"
    assert_contains "$(cat "$T/cfg/openssl.cnf")" "module = $modules/tscns.so" \
        "setup's openssl.cnf names the installed module"
    export OPENSSL_CONF=$T/cfg/openssl.cnf

    note "tscns doctor: every check passes"
    tscns doctor >"$T/doctor" 2>&1 || fail "tscns doctor exited $?: $(cat "$T/doctor")"
    assert_contains "$(cat "$T/doctor")" "ok       provider_module  $modules/tscns.so" \
        "doctor checks the installed module"
    assert_contains "$(cat "$T/doctor")" "ok       card" "doctor sees the card"

    note "openssl storeutl -certs cns: (the installed provider reads the card)"
    openssl storeutl -certs cns: >"$T/stored.pem" 2>"$T/err" || fail "storeutl: $(cat "$T/err")"
    assert_eq "$(openssl x509 -in "$T/stored.pem" -noout -fingerprint -sha256)" \
        "$(openssl x509 -in "$image/cert.pem" -noout -fingerprint -sha256)" "the card's certificate"

    note "curl --cert cert.pem --key key.pem (setup's files) logs in to the portal"
    server_cert
    start_portal "$image/ca.pem"
    curl -sS --fail --cacert "$T/server.pem" --cert "$T/cfg/cert.pem" --key "$T/cfg/key.pem" \
        --pass "$pin" "https://127.0.0.1:$PORTAL_PORT/" >"$T/answer" 2>"$T/err" ||
        fail "curl: $(cat "$T/err")"
    cat "$T/answer" >&2
    assert_contains "$(cat "$T/answer")" "Benvenuto, $name" "the portal's answer"
    exit 0
fi

[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 tscns_VERSION_ARCH.deb" >&2; exit 2; }
deb=$(realpath "$1")
. "$(dirname "$0")/../integration/lib.sh"
dpkg -x "$deb" "$T/inst"
sandbox --card st2021 -- bash "$0" --inside "$T/inst"
echo "installed-flow: setup, doctor, storeutl and curl passed with the files of $(basename "$deb")" >&2
