#!/usr/bin/env bash
# After `cmake --install` the command is in <prefix>/bin and the provider in OpenSSL's modules
# directory, with nothing in <prefix>/lib: every command that loads the module must find it
# there. Simulated with a copy of the command in a directory of its own and OPENSSL_MODULES
# naming the build tree's lib/ (OpenSSL's modules directory for this test): `tscns extend
# request` signs with the card, `tscns setup` writes that module's path; with the module
# nowhere, the message names both places looked at.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    img=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    image_field "$img" pin >"$T/pin"
    mkdir -p "$T/prefix/bin" "$T/no-modules"
    cp "$BIN/tscns" "$T/prefix/bin/tscns"
    installed=$T/prefix/bin/tscns
    unset TSCNS_PROVIDER

    note "the module only in the modules directory: extend request works"
    OPENSSL_MODULES=$TSCNS_BUILD/lib "$installed" extend request -o "$T/req.pem" \
        --pin-file "$T/pin" 2>"$T/request.err" || fail "extend request: $(cat "$T/request.err")"
    openssl req -in "$T/req.pem" -noout -verify 2>&1 | grep -q "verify OK" ||
        fail "openssl does not verify the request"
    assert_eq "$(apdu_count "$log" VERIFY)" 1 "VERIFY for the request"

    note "the module only in the modules directory: setup writes its path"
    OPENSSL_MODULES=$TSCNS_BUILD/lib XDG_CONFIG_HOME=$T/home "$installed" setup \
        --config "$TSCNS_SRC/tests/integration/debian12-openssl.cnf" >"$T/setup.out" ||
        fail "setup from the installed command"
    grep -qx "module = $TSCNS_BUILD/lib/tscns.so" "$T/home/tscns/openssl.cnf" ||
        fail "setup's module line: $(grep module "$T/home/tscns/openssl.cnf")"

    note "the module nowhere: both places are named, no PIN sent"
    expect_fail env OPENSSL_MODULES="$T/no-modules" "$installed" extend request \
        -o "$T/req2.pem" --pin-file "$T/pin"
    assert_eq "$RC" 6 "exit code without a module"
    assert_contains "$OUT" "$T/no-modules/tscns.so (OpenSSL's modules directory)" \
        "the modules directory in the message"
    assert_contains "$OUT" "$T/prefix/lib/tscns.so (next to the command)" \
        "the place next to the command in the message"
    assert_eq "$(apdu_count "$log" VERIFY)" 1 "VERIFY without a module"
    exit 0
fi

mkimage st2021 "$T/st2021"
sandbox --card "st2021:$T/st2021" -- bash "$0" --inside
