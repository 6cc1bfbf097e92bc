#!/usr/bin/env bash
# A configured PKCS#11 module that fails does not hide the cards served natively. Four modules
# that fail: a path that does not exist, a file that is no module, SoftHSM2 whose C_Initialize
# fails (its configuration file is missing), and one whose slot listing fails
# (tests/integration/failing_module.c). For each, with a recognised card and
# an unknown one in the readers: `tscns readers` lists both readers and their cards, then names
# the module and the reason, and exits 3; --json parses and carries the error in "module";
# `tscns info` on the native card works under backend auto; `tscns doctor` reports the module as
# a problem and still checks the card. The same through the provider's configuration (and the
# provider itself reads the card's certificate), none of it under backend native, a module that
# loads shows "error": null, and with the card pulled the error says both what the module did
# and what the native road found.
set -euo pipefail

SOFTHSM=/usr/lib/softhsm/libsofthsm2.so

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    card_serial=$(image_field "$TSCNS_IMAGE_0" serial)
    [ -f "$SOFTHSM" ] || fail "SoftHSM2 is needed (Debian package softhsm2)"
    printf 'not a module\n' >"$T/text.so"

    # The readers listing, stdout and stderr apart: run_readers CONF-ENV... -- tscns options
    run_readers() {
        set +e
        env "$@" >"$T/out" 2>"$T/err"
        RC=$?
        set -e
    }
    # SOFTHSM2_CONF only matters to the third module; the first two ignore it.
    export SOFTHSM2_CONF=$T/no-such-softhsm2.conf
    check_module() { # MODULE REASON
        local module=$1 reason=$2 out
        note "module $module: tscns readers lists the cards, then the module's failure"
        run_readers tscns readers --pkcs11-module "$module"
        assert_eq "$RC" 3 "readers: exit code, module $module"
        out=$(cat "$T/out")
        assert_contains "$out" "$TSCNS_READER_0
  card: TS-CNS, family athena" "readers: the recognised card"
        assert_contains "$out" "backend: native (recognised from its ATR)" "readers: its backend"
        assert_contains "$out" "$TSCNS_READER_1
  card: not a TS-CNS card this software knows" "readers: the unknown card"
        assert_contains "$out" "backend: none (not recognised, and the PKCS#11 module failed)" \
            "readers: the unknown card's backend"
        assert_eq "$(tail -n 1 "$T/out")" "PKCS#11 module failed, no token listed: $reason" \
            "readers: the module's line, after the readers"

        note "module $module: tscns readers --json"
        run_readers tscns readers --pkcs11-module "$module" --json
        assert_eq "$RC" 3 "readers --json: exit code, module $module"
        "$PY" -m json.tool "$T/out" >/dev/null || fail "readers --json does not parse: $(cat "$T/out")"
        "$PY" - "$T/out" "$TSCNS_READER_0" "$TSCNS_READER_1" "$module" "$reason" <<'EOF' ||
import json, sys
doc = json.load(open(sys.argv[1]))
r0, r1 = doc["readers"]
checks = [
    (r0["name"], sys.argv[2]), (r0["card_present"], True), (r0["family"], "athena"),
    (r0["backend"], "native"), (r1["name"], sys.argv[3]), (r1["family"], None),
    (r1["backend"], None), (doc["tokens"], []), (doc["module"]["path"], sys.argv[4]),
    (doc["module"]["error"], sys.argv[5]),
]
bad = [f"{got!r} != {want!r}" for got, want in checks if got != want]
if bad:
    sys.exit("; ".join(bad))
EOF
            fail "readers --json, module $module"

        note "module $module: tscns info on the native card, backend auto"
        tscns info --pkcs11-module "$module" >"$T/info" 2>"$T/err" ||
            fail "info, module $module: $(cat "$T/err")"
        assert_contains "$(cat "$T/info")" "Card serial:      $card_serial" "info: the card"
        assert_contains "$(cat "$T/info")" "Backend:          native" "info: the backend"

        note "module $module: tscns doctor names the module and still checks the card"
        run_readers tscns doctor --pkcs11-module "$module" --reader "$TSCNS_READER_0"
        assert_eq "$RC" 3 "doctor: exit code, module $module"
        assert_contains "$(cat "$T/out")" \
            "problem  backend          auto (from --pkcs11-module): the PKCS#11 module failed ($reason)" \
            "doctor: the backend line"
        assert_contains "$(cat "$T/out")" "ok       card             TS-CNS, family athena" \
            "doctor: the card line"
        assert_contains "$(cat "$T/out")" "ok       certificate" "doctor: the certificate line"
    }
    check_module "$T/missing.so" "module $T/missing.so: No such file or directory"
    loading="loading it failed (not a PKCS#11 module: no C_GetFunctionList, or C_Initialize failed)"
    check_module "$T/text.so" "module $T/text.so: $loading"
    check_module "$SOFTHSM" "module $SOFTHSM: $loading"
    failing=$TSCNS_BUILD/lib/tscns-test-failing-p11.so
    check_module "$failing" "C_GetSlotList returned CKR_DEVICE_ERROR, module $failing"

    note "no PC/SC service either: nothing to list, both said, the missing service's status"
    run_readers PCSCLITE_CSOCK_NAME="$T/no-pcscd" tscns readers --pkcs11-module "$failing"
    assert_eq "$RC" 2 "readers, no pcscd, module failing: exit code"
    assert_eq "$(head -n 2 "$T/err")" "tscns: PKCS#11 module failed, no token listed: C_GetSlotList returned CKR_DEVICE_ERROR, module $failing
tscns: the smart-card service (pcscd) is not running (SCardEstablishContext returned 0x8010001D)" \
        "readers, no pcscd, module failing: the messages"

    note "the module from the provider's configuration"
    prov_conf "$T/bad.cnf" "" "pkcs11-module = $T/missing.so"
    run_readers OPENSSL_CONF="$T/bad.cnf" tscns readers
    assert_eq "$RC" 3 "readers, module from the configuration: exit code"
    assert_eq "$(tail -n 1 "$T/out")" \
        "PKCS#11 module failed, no token listed: module $T/missing.so: No such file or directory" \
        "readers, module from the configuration"
    OPENSSL_CONF=$T/bad.cnf tscns info >"$T/info" 2>"$T/err" ||
        fail "info, module from the configuration: $(cat "$T/err")"
    assert_contains "$(cat "$T/info")" "Card serial:      $card_serial" "info, configuration"
    # The provider takes the same road: the card's certificate, read from the card.
    OPENSSL_CONF=$T/bad.cnf openssl storeutl -certs -out "$T/store.pem" \
        "cns:serial=$card_serial;type=cert" >/dev/null 2>"$T/err" ||
        fail "openssl storeutl, module from the configuration: $(cat "$T/err")"
    openssl x509 -in "$T/store.pem" -outform DER -out "$T/store.der"
    assert_files_equal "$T/store.der" "$TSCNS_IMAGE_0/cert.der" "openssl storeutl: the card's certificate"

    note "a module that loads: module.error is null"
    mkdir "$T/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$T/tokens" >"$T/ok.conf"
    run_readers SOFTHSM2_CONF="$T/ok.conf" tscns readers --pkcs11-module "$SOFTHSM" --json
    assert_eq "$RC" 0 "readers, a module that loads: exit code ($(cat "$T/err"))"
    assert_eq "$(json_get "$T/out" module.path)" "$SOFTHSM" "readers --json: module.path"
    assert_eq "$(json_get "$T/out" module.error)" None "readers --json: module.error"

    note "backend pkcs11: the readers listed, no card served"
    run_readers tscns readers --backend pkcs11 --pkcs11-module "$T/missing.so"
    assert_eq "$RC" 3 "readers, backend pkcs11: exit code"
    assert_contains "$(cat "$T/out")" "$TSCNS_READER_0
  card: TS-CNS, family athena" "readers, backend pkcs11: the card"
    assert_contains "$(cat "$T/out")" "backend: none (backend pkcs11, and the PKCS#11 module failed)" \
        "readers, backend pkcs11: its backend"

    note "backend native: the module is not loaded, so it cannot fail"
    run_readers tscns readers --backend native --pkcs11-module "$T/missing.so" --json
    assert_eq "$RC" 0 "readers, backend native: exit code ($(cat "$T/err"))"
    assert_eq "$(json_get "$T/out" module)" None "readers --json, backend native: module"
    run_readers tscns doctor --backend native --pkcs11-module "$T/missing.so" \
        --reader "$TSCNS_READER_0"
    assert_contains "$(cat "$T/out")" \
        "note     backend          native (from --backend, --pkcs11-module): module $T/missing.so is configured but not used" \
        "doctor, backend native"

    note "the card pulled: the module's error, and what the native road found"
    sandbox-card remove 0
    expect_fail tscns info --pkcs11-module "$T/missing.so" --reader "$TSCNS_READER_0"
    assert_eq "$RC" 3 "info, no card, module missing: exit code"
    assert_contains "$OUT" \
        "the PKCS#11 module failed (module $T/missing.so: No such file or directory; natively: no card in the reader, reader $TSCNS_READER_0)" \
        "info, no card, module missing: the message"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
mkimage unknown "$T/unknown"
sandbox --card athena:"$T/athena" --card unknown:"$T/unknown" -- bash "$0" --inside
