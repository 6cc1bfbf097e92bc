#!/usr/bin/env bash
# Nothing a process keeps gives the PIN back (docs/card.md section 5, cardio/README.md): a
# long-running program that verified the right PIN through the provider and signed, and one
# whose configured PIN was rejected, are each dumped alive with gdb's gcore, on each road:
# native, through OpenSC's opensc-pkcs11.so over the same virtual card, and through SoftHSM2.
# Neither PIN's digits are anywhere in the dump: not in cardio's buffers, the PC/SC job that
# carried the VERIFY, the provider's, libpcsclite's, libcrypto's, libp11's or the module's.
# One exception, named and checked by its form: OpenSC 0.23 formats every APDU it sends as hex
# and text for its log, whatever its debug level, and frees that text without clearing it; the
# VERIFY's is left in freed heap memory (cardio/README.md, "The PKCS#11 backend"). With glibc's
# tunables that clear freed memory it is gone too, which the OpenSC road shows. OpenSC runs with
# `use_pin_caching = false`, as documented: its PIN cache otherwise keeps the accepted PIN.
# pin-source = file: keeps the PINs out of the environment; a marker placed in the environment
# shows the search can find a string.
set -euo pipefail

OPENSC=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
# Digit strings that occur nowhere else in the process: a hit is a copy of a PIN.
CARD_PIN=58207391
TOKEN_PIN=71846259

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    log=$TSCNS_LOG_0
    serial=$(image_field "$TSCNS_IMAGE_0" serial)
    marker=tscns-marker-$RANDOM$RANDOM$RANDOM

    # Start a signer on PIN-FILE, sign once (expect ok|fail), dump it, stop it. The signer's
    # environment gets the VAR=VALUE arguments; road_conf (provider lines) and uri give the road.
    #   dump_after_sign PIN-FILE EXPECT CORE [VAR=VALUE...]
    dump_after_sign() {
        local line pid
        prov_conf "$T/openssl.cnf" "file:$1" "${road_conf[@]}"
        coproc SIGNER { OPENSSL_CONF=$T/openssl.cnf TSCNS_MEMTEST_MARKER=$marker \
            exec env "${@:4}" tscns-test-signer "$uri" 2>"$T/signer.err"; }
        # Kept: bash unsets SIGNER_PID once the coprocess ends.
        pid=$SIGNER_PID
        echo sign >&"${SIGNER[1]}"
        IFS= read -r -t 60 line <&"${SIGNER[0]}" || fail "the signer did not answer"
        case $line in "$2 "*) ;; *) fail "signature: expected $2, got: $line" ;; esac
        timeout 120 gcore -o "$3" "$pid" >"$T/gcore.out" 2>&1 ||
            fail "gcore: $(cat "$T/gcore.out")"
        echo quit >&"${SIGNER[1]}"
        wait "$pid" || fail "the signer: $(cat "$T/signer.err")"
        CORE=$3.$pid
        [ -s "$CORE" ] || fail "no core file $CORE"
        grep -q -a -F "$marker" "$CORE" || fail "the marker is not in the dump: the search is blind"
    }

    # Every copy of PIN in CORE, one line each with the bytes around it, "copy" or, with
    # OPENSC-LOG=1, "apdu-text" for one inside OpenSC's text of the VERIFY APDU: the bytes in
    # hex, then as text, where the header 00 20 00 10 08 is ". ...", then a newline
    # ("00 20 00 10 08 35 38 ... 31 . ...58207391\n").
    #   copies CORE PIN OPENSC-LOG
    copies() {
        "$PY" - "$@" <<'EOF'
import re, sys
core, pin, opensc_log = open(sys.argv[1], "rb").read(), sys.argv[2].encode(), sys.argv[3] == "1"
# Freed, the text's start is glibc's again (free-list links, a later allocation): the hex of
# the PIN's last digit and the rest of the line are what is asked of it.
text = re.compile(b"%02X" % pin[-1] + rb" +\. \.\.\." + pin + rb"\n$")
for m in re.finditer(re.escape(pin), core):
    kind = opensc_log and text.search(core[max(0, m.start() - 80):m.end() + 1])
    print("%s at %d: %r" % ("apdu-text" if kind else "copy", m.start(),
                            core[max(0, m.start() - 48):m.end() + 16]))
EOF
    }

    # The dump holds no copy of PIN other than OpenSC's text when OPENSC-LOG is 1.
    #   no_copy CORE PIN OPENSC-LOG WHAT
    no_copy() {
        local found text
        copies "$1" "$2" "$3" >"$T/copies"
        found=$(grep '^copy ' "$T/copies") || [ $? = 1 ]
        [ -z "$found" ] || fail "$4: the PIN is in the memory of the process ($1):"$'\n'"$found"
        text=$(grep -c '^apdu-text ' "$T/copies") || [ $? = 1 ]
        [ "$text" = 0 ] && text="" || text=" but in OpenSC's freed text of the VERIFY APDU ($text)"
        echo "$4: $(stat -c %s "$1") bytes of memory searched, the PIN not found$text" >&2
        rm -f "$1"
    }

    # One road: a signer with the right PIN, then one with a rejected configured PIN; each
    # sends VERIFIES VERIFYs to the virtual card (0 for a token that is no card).
    #   road NAME PIN VERIFIES OPENSC-LOG
    road() {
        local name=$1 pin=$2 verifies=$3 opensc_log=$4 wrong
        # Another PIN of the same length, no digit in the same place.
        wrong=$(echo "$pin" | tr 0123456789 5678901234)
        printf '%s\n' "$pin" >"$T/pin"
        printf '%s\n' "$wrong" >"$T/wrong"
        chmod 600 "$T/pin" "$T/wrong"

        note "$name, right PIN: verified, signed, then dumped"
        mark_log "$log"
        dump_after_sign "$T/pin" ok "$T/right"
        assert_eq "$(new_count "$log" VERIFY)" "$verifies" "$name: VERIFY sent by the signer"
        no_copy "$CORE" "$pin" "$opensc_log" "$name, right PIN"

        note "$name, a PIN the card rejected: kept only as an scrypt digest"
        mark_log "$log"
        dump_after_sign "$T/wrong" fail "$T/wrong-core"
        assert_eq "$(new_count "$log" VERIFY)" "$verifies" "$name: VERIFY sent with the wrong PIN"
        no_copy "$CORE" "$wrong" "$opensc_log" "$name, rejected PIN"
    }

    road_conf=()
    uri="cns:type=private"
    road native "$CARD_PIN" 1 0
    # Back to 3 tries for the next road.
    tscns pin verify --pin-file "$T/pin" >/dev/null

    # OpenSC reads this file instead of /etc/opensc/opensc.conf.
    printf 'app default {\n framework pkcs15 {\n  use_pin_caching = false;\n }\n}\n' \
        >"$T/opensc.conf"
    export OPENSC_CONF=$T/opensc.conf
    road_conf=("pkcs11-module = $OPENSC" "backend = pkcs11")
    uri="cns:serial=$serial;type=private"
    road "OpenSC" "$CARD_PIN" 1 1
    tscns pin verify --pin-file "$T/pin" >/dev/null
    note "OpenSC with glibc clearing freed memory: not even its log's text"
    dump_after_sign "$T/pin" ok "$T/cleared" \
        GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.perturb=165
    no_copy "$CORE" "$CARD_PIN" 0 "OpenSC, freed memory cleared"

    note "a SoftHSM token with a CNS-style key and certificate"
    mkimage st2021 "$T/img" --bits 2048 --ca "$TSCNS_IMAGE_0"
    export SOFTHSM2_CONF=$T/softhsm2.conf
    mkdir "$T/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$T/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label "CNS Token" --pin "$TOKEN_PIN" --so-pin 87654321 \
        >/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$T/img/key.pem" -outform DER -out "$T/key.p8"
    put() { # FILE TYPE
        pkcs11-tool --module "$SOFTHSM" --login --pin "$TOKEN_PIN" --write-object "$1" \
            --type "$2" --id 01 --label cns >"$T/put.out" 2>&1 || fail "pkcs11-tool: $(cat "$T/put.out")"
    }
    put "$T/key.p8" privkey
    put "$T/img/cert.der" cert
    token=$(tscns readers --pkcs11-module "$SOFTHSM" --json | "$PY" -c \
        'import json, sys; print(json.load(sys.stdin)["tokens"][0]["serial"])')
    road_conf=("pkcs11-module = $SOFTHSM" "backend = pkcs11")
    uri="cns:serial=$token;type=private"
    road SoftHSM "$TOKEN_PIN" 0 0
    exit 0
fi

. "$(dirname "$0")/lib.sh"
# In the sanitizer build the process maps terabytes of ASan shadow: gcore of it ran for minutes
# and the process was killed. The code that handles the PIN is the same in both builds, so the
# normal build's dump answers the question; the sanitizer build runs every other PIN test.
if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
    note "the memory search runs in the normal build only"
    exit 0
fi
mkimage athena "$T/athena" --pin "$CARD_PIN"
sandbox --card athena:"$T/athena" -- bash "$0" --inside
