#!/usr/bin/env bash
# tscns doctor: a good setup (every line ok, the RSA-1024 note, no PIN sent), and the setups a
# user gets wrong: no pcscd, a reader without a card, the provider module missing or not a
# provider, an OpenSSL configuration that does not activate tscns, drops default or lists tscns
# before default, a pin-source that cannot be read or holds no PIN, an RSA-1024 card at security
# level 2. Each problem line names its fix. Expected values come from the card image and from
# openssl itself (genrsa fails where doctor says it will).
. "$(dirname "$0")/lib.sh"


# Status of one check in a `tscns doctor --json` output: status_of FILE CHECK
status_of() {
    "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([c["status"] for c in d["checks"] if c["check"]==sys.argv[2]][0])' "$1" "$2"
}
message_of() {
    "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([c["message"] for c in d["checks"] if c["check"]==sys.argv[2]][0])' "$1" "$2"
}
has_check() {
    "$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if any(c["check"]==sys.argv[2] for c in d["checks"]) else 1)' "$1" "$2"
}

# Run doctor --json into FILE; its exit status lands in RC.
doctor_json() { # FILE [env assignments...]
    local out=$1
    shift
    set +e
    env "$@" tscns doctor --json >"$out" 2>"$out.err"
    RC=$?
    set -e
}

if [ "${1:-}" = --inside ]; then
    case $2 in
    good)
        img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
        bits=$(image_field "$img" key_bits)
        example_conf "$T/good.cnf"
        # The python3 doctor asks for its TLS level: Debian's, which keeps the configuration's.
        mkdir "$T/py"
        ln -s "$PY" "$T/py/python3"
        export PATH=$T/py:$PATH
        doctor_json "$T/good.json" OPENSSL_CONF="$T/good.cnf"
        assert_eq "$RC" 0 \
            "doctor on a good setup ($(cat "$T/good.json" "$T/good.json.err"))"
        for check in pcscd readers card certificate provider_module provider_load openssl_config; do
            assert_eq "$(status_of "$T/good.json" $check)" ok "$check on a good setup"
        done
        assert_eq "$(json_get "$T/good.json" problems)" 0 "problems on a good setup"
        card=$(message_of "$T/good.json" card)
        assert_contains "$card" "$(image_field "$img" serial)" "card serial"
        assert_contains "$card" "family $(image_field "$img" profile)" "card family"
        assert_contains "$card" "$TSCNS_READER_0" "card reader"
        cert=$(message_of "$T/good.json" certificate)
        assert_contains "$cert" "RSA $bits bits" "key size"
        end=$(openssl x509 -in "$img/cert.pem" -noout -enddate | cut -d= -f2)
        assert_contains "$cert" "$end" "certificate end date (as openssl prints it)"
        assert_contains "$(message_of "$T/good.json" provider_load)" "tscns" "provider name"
        assert_contains "$(message_of "$T/good.json" openssl_config)" "$T/good.cnf" "config path"
        assert_eq "$(status_of "$T/good.json" pin_source)" ok "pin_source not set"
        assert_contains "$(message_of "$T/good.json" pin_source)" "not set" "pin_source not set"
        if [ "$bits" -le 1024 ]; then
            assert_eq "$(status_of "$T/good.json" security_level)" note "RSA-1024 note"
            assert_contains "$(message_of "$T/good.json" security_level)" "security level 1" \
                "RSA-1024 note"
            # The same card at security level 2: a problem, and the line that fixes it.
            example_conf "$T/level2.cnf" 's#^CipherString = .*#CipherString = DEFAULT@SECLEVEL=2#'
            doctor_json "$T/level2.json" OPENSSL_CONF="$T/level2.cnf"
            assert_eq "$RC" 6 "RSA-1024 at security level 2"
            assert_eq "$(status_of "$T/level2.json" security_level)" problem "level 2 line"
            assert_contains "$(message_of "$T/level2.json" security_level)" "SECLEVEL=1" \
                "level 2 advice"
            assert_contains "$(message_of "$T/level2.json" security_level)" \
                "tscns setup --seclevel1" "level 2 fix"
            # Python follows the configuration: level 1 is fine, level 2 is not.
            assert_eq "$(status_of "$T/good.json" python_tls)" ok "python3 at level 1"
            assert_eq "$(status_of "$T/level2.json" python_tls)" note "python3 at level 2"
            assert_contains "$(message_of "$T/level2.json" python_tls)" \
                'ctx.set_ciphers("DEFAULT:@SECLEVEL=1")' "python3 at level 2: the fix"
            # A Python that sets level 2 itself (pyenv's does) whatever the configuration says.
            printf '#!/bin/sh\necho 2\n' >"$T/py2"
            chmod +x "$T/py2"
            ln -sf "$T/py2" "$T/py/python3"
            doctor_json "$T/py2.json" OPENSSL_CONF="$T/good.cnf"
            assert_eq "$RC" 0 "a Python of its own level is a note, not a problem"
            assert_eq "$(status_of "$T/py2.json" python_tls)" note "python3 at its own level 2"
            ln -sf "$PY" "$T/py/python3"
        else
            has_check "$T/good.json" security_level && fail "a security-level line for RSA-$bits"
            has_check "$T/good.json" python_tls && fail "a python_tls line for RSA-$bits"
        fi
        # Human output: one line per check, the same verdicts.
        OPENSSL_CONF=$T/good.cnf tscns doctor >"$T/good.txt"
        oks=9
        [ "$bits" -gt 1024 ] || oks=10
        assert_eq "$(grep -c '^ok ' "$T/good.txt")" $oks "ok lines in the text output"
        assert_contains "$(cat "$T/good.txt")" "no PKCS#11 module: cards tscns recognises" \
            "the backend line"
        assert_contains "$(tail -n 1 "$T/good.txt")" "No problem found" "text verdict"
        # Never a PIN: no VERIFY, CHANGE or UNBLOCK reached the card.
        assert_eq "$(apdu_count "$log" VERIFY)" 0 "VERIFY sent by doctor"
        assert_eq "$(apdu_count "$log" CHANGE_REFERENCE_DATA)" 0 "CHANGE sent by doctor"
        assert_eq "$(apdu_count "$log" RESET_RETRY_COUNTER)" 0 "UNBLOCK sent by doctor"
        # Only --reader's card is looked at.
        expect_fail env OPENSSL_CONF="$T/good.cnf" tscns --reader "no such reader" doctor
        assert_eq "$RC" 2 "doctor with a --reader that matches nothing"
        assert_contains "$OUT" "no such reader" "--reader in the message"
        ;;
    no-pcscd)
        example_conf "$T/good.cnf"
        doctor_json "$T/d.json" OPENSSL_CONF="$T/good.cnf"
        assert_eq "$RC" 2 "doctor without pcscd"
        assert_eq "$(status_of "$T/d.json" pcscd)" problem "pcscd line without pcscd"
        assert_contains "$(message_of "$T/d.json" pcscd)" "pcscd" "pcscd advice"
        for check in readers card certificate; do
            assert_eq "$(status_of "$T/d.json" $check)" skipped "$check without pcscd"
        done
        # The provider needs no PC/SC service to load.
        assert_eq "$(status_of "$T/d.json" provider_load)" ok "provider load without pcscd"
        ;;
    no-card)
        example_conf "$T/good.cnf"
        doctor_json "$T/d.json" OPENSSL_CONF="$T/good.cnf"
        assert_eq "$RC" 2 "doctor without a card"
        assert_eq "$(status_of "$T/d.json" pcscd)" ok "pcscd line without a card"
        assert_eq "$(status_of "$T/d.json" readers)" ok "readers line without a card"
        assert_eq "$(status_of "$T/d.json" card)" problem "card line without a card"
        assert_contains "$(message_of "$T/d.json" card)" "insert" "card advice"
        assert_eq "$(status_of "$T/d.json" certificate)" skipped "certificate without a card"
        ;;
    unknown-card)
        example_conf "$T/good.cnf"
        doctor_json "$T/d.json" OPENSSL_CONF="$T/good.cnf"
        assert_eq "$RC" 3 "doctor with a card that is not a TS-CNS"
        assert_eq "$(status_of "$T/d.json" card)" problem "card line for an unknown card"
        # The ATR is named so the user can report it.
        atr=$(image_field "$TSCNS_IMAGE_0" atr | tr -d ' ' | tr a-f A-F)
        assert_contains "$(message_of "$T/d.json" card | tr -d ' ' | tr a-f A-F)" "$atr" \
            "the unknown card's ATR"
        ;;
    provider)
        example_conf "$T/good.cnf"
        # No module where tscns looks for it.
        doctor_json "$T/missing.json" OPENSSL_CONF="$T/good.cnf" \
            TSCNS_PROVIDER="$T/nowhere/tscns.so"
        assert_eq "$RC" 6 "doctor with the module missing"
        assert_eq "$(status_of "$T/missing.json" provider_module)" problem "missing module"
        assert_contains "$(message_of "$T/missing.json" provider_module)" "TSCNS_PROVIDER" \
            "missing module advice"
        assert_eq "$(status_of "$T/missing.json" provider_load)" skipped "load of a missing module"
        # A command installed without the module beside it: OpenSSL's modules directory is next.
        mkdir -p "$T/prefix/bin" "$T/no-modules"
        cp "$BIN/tscns" "$T/prefix/bin/"
        doctor_json "$T/moddir.json" PATH="$T/prefix/bin:$PATH" OPENSSL_CONF="$T/good.cnf" \
            OPENSSL_MODULES="$TSCNS_BUILD/lib"
        assert_eq "$(message_of "$T/moddir.json" provider_module)" "$TSCNS_BUILD/lib/tscns.so" \
            "module found in OPENSSL_MODULES"
        assert_eq "$(status_of "$T/moddir.json" provider_load)" ok "load from OPENSSL_MODULES"
        doctor_json "$T/nomod.json" PATH="$T/prefix/bin:$PATH" OPENSSL_CONF="$T/good.cnf" \
            OPENSSL_MODULES="$T/no-modules"
        assert_eq "$RC" 6 "doctor with no module anywhere"
        assert_contains "$(message_of "$T/nomod.json" provider_module)" "$T/prefix/lib/tscns.so" \
            "the path next to the command"
        assert_contains "$(message_of "$T/nomod.json" provider_module)" "$T/no-modules" \
            "the modules directory"
        # A file that is no shared object: OpenSSL's own reason is passed on.
        echo "not a library" >"$T/broken.so"
        doctor_json "$T/broken.json" OPENSSL_CONF="$T/good.cnf" TSCNS_PROVIDER="$T/broken.so"
        assert_eq "$RC" 6 "doctor with a broken module"
        assert_eq "$(status_of "$T/broken.json" provider_module)" ok "broken module exists"
        assert_eq "$(status_of "$T/broken.json" provider_load)" problem "broken module load"
        assert_contains "$(message_of "$T/broken.json" provider_load)" "$T/broken.so" \
            "broken module named"
        # The configuration names a module that is not there.
        example_conf "$T/gone.cnf" "s#^module = .*#module = $T/nowhere/tscns.so#"
        doctor_json "$T/gone.json" OPENSSL_CONF="$T/gone.cnf"
        assert_eq "$(status_of "$T/gone.json" openssl_config)" problem \
            "config with a missing module"
        assert_contains "$(message_of "$T/gone.json" openssl_config)" "$T/nowhere/tscns.so" \
            "missing module named"
        # A configuration without tscns, one that lists it inactive, one that drops default.
        : >"$T/empty.cnf"
        doctor_json "$T/empty.json" OPENSSL_CONF="$T/empty.cnf"
        assert_eq "$RC" 6 "doctor with a configuration without providers"
        assert_eq "$(status_of "$T/empty.json" openssl_config)" problem "config without providers"
        example_conf "$T/inactive.cnf" '/^\[tscns_sect\]/,/^\[/s/^activate = 1$/# activate off/'
        doctor_json "$T/inactive.json" OPENSSL_CONF="$T/inactive.cnf"
        assert_contains "$(message_of "$T/inactive.json" openssl_config)" "activate = 1" \
            "inactive tscns advice"
        example_conf "$T/nodefault.cnf" '/^default = default_sect$/d'
        doctor_json "$T/nodefault.json" OPENSSL_CONF="$T/nodefault.cnf"
        assert_eq "$(status_of "$T/nodefault.json" openssl_config)" problem "config without default"
        assert_contains "$(message_of "$T/nodefault.json" openssl_config)" "default" \
            "config without default advice"
        # openssl itself agrees: with that file, the default provider is gone.
        out=$(OPENSSL_CONF=$T/nodefault.cnf openssl list -providers 2>&1)
        case "$out" in
        *"OpenSSL Default Provider"*) fail "default is active after all: $out" ;;
        esac
        out=$(OPENSSL_CONF=$T/good.cnf openssl list -providers 2>&1)
        assert_contains "$out" "OpenSSL Default Provider" "default with the good configuration"
        # Without default, tscns info says so (not "out of memory") with the configuration's
        # exit status, and doctor's card line says the same.
        expect_fail env OPENSSL_CONF="$T/nodefault.cnf" tscns info
        assert_eq "$RC" 6 "tscns info without default"
        assert_contains "$OUT" "default provider is not active" "tscns info without default"
        assert_contains "$OUT" "$T/nodefault.cnf" "tscns info names the configuration"
        assert_contains "$(message_of "$T/nodefault.json" card)" "default provider is not active" \
            "doctor's card line without default"
        ;;
    order)
        # tscns listed before default: both active, and openssl genrsa fails as doctor says.
        example_conf "$T/good.cnf"
        example_conf "$T/first.cnf" '/^default = default_sect$/{h;d}' '/^tscns = tscns_sect$/{p;x}'
        grep -E '^(default|tscns) = ' "$T/first.cnf" >"$T/first.list"
        assert_eq "$(sed -n 1p "$T/first.list")" "tscns = tscns_sect" "tscns first in the test file"
        assert_eq "$(sed -n 2p "$T/first.list")" "default = default_sect" "default second"
        expect_fail env OPENSSL_CONF="$T/first.cnf" openssl genrsa -out "$T/k.pem" 2048
        assert_contains "$OUT" "operation not supported for this keytype" "genrsa with tscns first"
        OPENSSL_CONF=$T/good.cnf openssl genrsa -out "$T/k.pem" 2048 2>/dev/null ||
            fail "genrsa with default first"
        doctor_json "$T/first.json" OPENSSL_CONF="$T/first.cnf"
        assert_eq "$RC" 6 "doctor with tscns before default"
        assert_eq "$(status_of "$T/first.json" openssl_config)" problem "tscns before default"
        msg=$(message_of "$T/first.json" openssl_config)
        assert_contains "$msg" "tscns before default" "order problem"
        assert_contains "$msg" "genrsa" "order problem: what breaks"
        assert_contains "$msg" "move \`default = default_sect\` above" "order problem: the fix"
        doctor_json "$T/good.json" OPENSSL_CONF="$T/good.cnf"
        assert_eq "$(status_of "$T/good.json" openssl_config)" ok "default before tscns"
        ;;
    pin-source)
        pin=$(image_field "$TSCNS_IMAGE_0" pin)
        log=$TSCNS_LOG_0
        # pin_source_is SOURCE STATUS [TEXT]: doctor's verdict on one pin-source line.
        pin_source_is() {
            example_conf "$T/ps.cnf" "/^\[tscns_sect\]/a pin-source = $1"
            if [ -n "${PIN_ENV:-}" ]; then
                doctor_json "$T/ps.json" OPENSSL_CONF="$T/ps.cnf" TSCNS_TEST_PIN="$PIN_ENV"
            else
                doctor_json "$T/ps.json" -u TSCNS_TEST_PIN OPENSSL_CONF="$T/ps.cnf"
            fi
            assert_eq "$(status_of "$T/ps.json" pin_source)" "$2" "pin-source $1"
            [ -z "${3:-}" ] || assert_contains "$(message_of "$T/ps.json" pin_source)" "$3" \
                "pin-source $1"
            if [ "$2" = problem ]; then
                assert_eq "$RC" 6 "doctor's status for pin-source $1"
                assert_contains "$(message_of "$T/ps.json" pin_source)" "fix \`pin-source\`" \
                    "pin-source $1: the fix"
            fi
            # Never the PIN itself, in any output.
            if grep -q -- "$pin" "$T/ps.json" "$T/ps.json.err"; then
                fail "doctor printed the PIN for pin-source $1"
            fi
        }
        printf '%s\n' "$pin" >"$T/pin"
        chmod 600 "$T/pin"
        pin_source_is "file:$T/pin" ok "right form"
        pin_source_is "file:$T/missing" problem "$T/missing"
        chmod 644 "$T/pin"
        pin_source_is "file:$T/pin" problem "chmod 600"
        chmod 600 "$T/pin"
        ln -s "$T/pin" "$T/pin-link"
        pin_source_is "file:$T/pin-link" problem "symbolic link"
        printf '12ab%s\n' "$pin" >"$T/badpin"
        chmod 600 "$T/badpin"
        pin_source_is "file:$T/badpin" problem "5 to 8 digits"
        pin_source_is "env:TSCNS_TEST_PIN" problem "not set"
        PIN_ENV=$pin pin_source_is "env:TSCNS_TEST_PIN" ok "right form"
        PIN_ENV=1234 pin_source_is "env:TSCNS_TEST_PIN" problem "5 to 8 digits"
        pin_source_is "$pin" problem "env:NAME or file:PATH"
        # The provider reads the same parser (tscns_pin_source_parse): a path relative to
        # whatever folder a program starts in, or env: with no name, is refused as written.
        pin_source_is "file:pin" problem "absolute path"
        pin_source_is "env:" problem "name of an environment variable"
        assert_eq "$(apdu_count "$log" VERIFY)" 0 "VERIFY sent by doctor"
        ;;
    esac
    exit 0
fi

sandbox --card athena:"$T/img-athena" -- bash "$0" --inside good || fail "good setup (RSA-1024)"
sandbox --card st2021:"$T/img-st2021" -- bash "$0" --inside good || fail "good setup (RSA-2048)"
sandbox --no-pcscd -- bash "$0" --inside no-pcscd || fail "no pcscd"
sandbox --readers 1 -- bash "$0" --inside no-card || fail "no card"
sandbox --card unknown -- bash "$0" --inside unknown-card || fail "unknown card"
sandbox --card athena -- bash "$0" --inside provider || fail "provider and configuration"
sandbox --card athena -- bash "$0" --inside order || fail "provider order"
sandbox --card athena -- bash "$0" --inside pin-source || fail "pin-source"
