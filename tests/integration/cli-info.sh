#!/usr/bin/env bash
# tscns info / cert / keyref against every card profile, checked against the card image and
# against independent readers of the same data (openssl x509, OpenSC's pkcs15-tool).
# Also records how many APDUs `tscns cert` and `tscns info` send from a fresh process.
. "$(dirname "$0")/lib.sh"

PROFILES=(athena oberthur cardos st2021 idemia2021 ace2025)
# OpenSC 0.23 (Debian 12) reads only the standard layout; IDEMIA-2021 arrived in 0.24 and the
# AID-based ace2025 card is not in it at all.
OPENSC_PROFILES=" athena oberthur cardos st2021 "

if [ "${1:-}" = --inside ]; then
    profile=$2 results=$3
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 reader=$TSCNS_READER_0
    note "$profile: card in '$reader'"

    # --- tscns info --json against image.json and openssl's view of the certificate ---
    before=$(apdu_total "$log")
    tscns info --json >"$T/info.json"
    info_apdus=$(( $(apdu_total "$log") - before ))
    subject=$(openssl x509 -in "$img/cert.pem" -noout -subject -nameopt RFC2253,-esc_msb)
    issuer=$(openssl x509 -in "$img/cert.pem" -noout -issuer -nameopt RFC2253,-esc_msb)
    start=$(openssl x509 -in "$img/cert.pem" -noout -startdate -dateopt iso_8601)
    end=$(openssl x509 -in "$img/cert.pem" -noout -enddate -dateopt iso_8601)
    serial=$(openssl x509 -in "$img/cert.pem" -noout -serial)
    bits=$(openssl x509 -in "$img/cert.pem" -noout -text | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p')
    "$PY" - "$T/info.json" "$img/image.json" "$reader" "${subject#subject=}" "${issuer#issuer=}" \
        "${start#notBefore=}" "${end#notAfter=}" "${serial#serial=}" "$bits" <<'PYEOF'
import json, sys
info = json.load(open(sys.argv[1]))
image = json.load(open(sys.argv[2]))
reader, subject, issuer, start, end, serial, bits = sys.argv[3:10]
def iso(openssl_date):  # "2026-11-27 05:21:27Z" -> "2026-11-27T05:21:27Z"
    return openssl_date.replace(" ", "T")
def hexnorm(s):
    return "".join(s.split()).upper()
errors = []
def check(what, got, want):
    if got != want:
        errors.append(f"{what}: tscns says {got!r}, expected {want!r}")
check("serial", info["serial"], image["serial"])
check("family", info["family"], image["profile"])
check("atr", hexnorm(info["atr"]), hexnorm(image["atr"]))
check("reader", info["reader"], reader)
if not info["family_description"]:
    errors.append("empty family_description")
cert = info["certificate"]
check("subject", cert["subject"], subject)
check("issuer", cert["issuer"], issuer)
check("not_before", cert["not_before"], iso(start))
check("not_after", cert["not_after"], iso(end))
check("cert serial", hexnorm(cert["serial"]), hexnorm(serial))
check("key_bits", cert["key_bits"], int(bits))
check("key_bits vs image", cert["key_bits"], int(image["key_bits"]))
check("personal field names", sorted(info["personal"]), sorted(image["personal"]))
for name, want in image["personal"].items():
    check("personal." + name, info["personal"].get(name), want)
if len(info["personal"]) != 16:
    errors.append(f"personal has {len(info['personal'])} fields, not 16")
if errors:
    sys.exit("\n".join(errors))
PYEOF

    # --- human output names the same holder ---
    tscns info >"$T/info.txt"
    assert_contains "$(cat "$T/info.txt")" "$(image_field "$img" serial)" "info serial"
    assert_contains "$(cat "$T/info.txt")" "$(image_field "$img" personal.codice_fiscale)" \
        "info codice fiscale"
    assert_contains "$(cat "$T/info.txt")" "$(image_field "$img" personal.surname)" \
        "info surname"

    # --- tscns cert: DER and PEM, to stdout and to a file ---
    before=$(apdu_total "$log")
    tscns cert --der >"$T/cert.der"
    cert_apdus=$(( $(apdu_total "$log") - before ))
    assert_files_equal "$T/cert.der" "$img/cert.der" "tscns cert --der"
    tscns cert -o "$T/cert.pem"
    openssl x509 -in "$T/cert.pem" -outform der -out "$T/cert-from-pem.der"
    assert_files_equal "$T/cert-from-pem.der" "$img/cert.der" "tscns cert (PEM)"
    tscns cert --der --output "$T/out.der"
    assert_files_equal "$T/out.der" "$img/cert.der" "tscns cert --der -o"

    case "$OPENSC_PROFILES" in
    *" $profile "*)
        id=$(pkcs15-tool --list-certificates | sed -n 's/^[[:space:]]*ID[[:space:]]*: *\([0-9a-fA-F]*\).*/\1/p' | head -n1)
        [ -n "$id" ] || fail "$profile: pkcs15-tool lists no certificate"
        pkcs15-tool --read-certificate "$id" >"$T/opensc.pem"
        "$PY" -c 'import base64,sys
lines=[l.strip() for l in open(sys.argv[1]) if l.strip() and not l.startswith("-----")]
sys.stdout.buffer.write(base64.b64decode("".join(lines)))' "$T/opensc.pem" >"$T/opensc.der"
        assert_files_equal "$T/cert.der" "$T/opensc.der" "$profile: tscns cert vs pkcs15-tool"
        ;;
    esac

    # --- tscns keyref: PEM armour around base64 of the cns: URI ---
    want_serial=$(image_field "$img" serial)
    tscns keyref -o "$T/key.pem"
    "$PY" - "$T/key.pem" "cns:serial=$want_serial;type=private" <<'PYEOF'
import base64, sys
lines = open(sys.argv[1]).read().splitlines()
if lines[0] != "-----BEGIN TSCNS KEY REFERENCE-----" or lines[-1] != "-----END TSCNS KEY REFERENCE-----":
    sys.exit(f"bad armour: {lines[0]!r} ... {lines[-1]!r}")
body = lines[1:-1]
if any(len(l) > 64 for l in body):
    sys.exit("base64 line longer than 64")
uri = base64.b64decode("".join(body)).decode("ascii")
if uri != sys.argv[2]:
    sys.exit(f"keyref URI {uri!r}, expected {sys.argv[2]!r}")
PYEOF
    tscns --reader "$reader" keyref >"$T/key-reader.pem"
    "$PY" - "$T/key-reader.pem" "$reader" "$want_serial" <<'PYEOF'
import base64, sys, urllib.parse
lines = open(sys.argv[1]).read().splitlines()
uri = base64.b64decode("".join(lines[1:-1])).decode("ascii")
want = "cns:reader=" + urllib.parse.quote(sys.argv[2], safe="") + ";serial=" + sys.argv[3] + ";type=private"
if uri != want:
    sys.exit(f"keyref URI {uri!r}, expected {want!r}")
PYEOF

    # --- --serial picks this card; another serial finds nothing ---
    tscns --serial "$want_serial" info --json >"$T/by-serial.json"
    assert_eq "$(json_get "$T/by-serial.json" serial)" "$want_serial" "info --serial"
    other=0000000000000000
    [ "$want_serial" != "$other" ] || other=1111111111111111
    expect_fail tscns info --serial "$other"
    assert_eq "$RC" 2 "exit status for an absent serial"

    echo "$profile cert=$cert_apdus info=$info_apdus" >>"$results"
    note "$profile: fresh-process APDUs: tscns cert $cert_apdus, tscns info $info_apdus"
    exit 0
fi

results=$T/apdu-counts.txt
: >"$results"
for p in "${PROFILES[@]}"; do
    sandbox --card "$p:$T/img-$p" -- bash "$0" --inside "$p" "$results" ||
        fail "$p: see the messages above"
done
note "APDUs per fresh process:"
cat "$results" >&2
[ "$(wc -l <"$results")" -eq ${#PROFILES[@]} ] || fail "not every profile reported"
