#!/usr/bin/env bash
# tscns extend status, text and JSON, compared with what openssl reads from the card image's
# certificate and with the size of the card's certificate file: on a card whose FCI gives the
# file size, on one whose FCI omits it, and on cards whose certificate has expired (no
# renewal possible; "expired 1 day ago", "expired 3 days ago"). status only reads: no VERIFY, no UPDATE BINARY.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    profile=$2 expired=$3
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    before=$(date +%s)
    tscns extend status --json >"$T/status.json"
    after=$(date +%s)
    assert_eq "$(json_get "$T/status.json" serial)" "$(image_field "$img" serial)" \
        "$profile: serial"
    assert_eq "$(json_get "$T/status.json" family)" "$profile" "$profile: family"
    bits=$(openssl x509 -in "$img/cert.pem" -noout -text | sed -n 's/.*Public-Key: (\([0-9]*\) bit)/\1/p')
    assert_eq "$(json_get "$T/status.json" certificate.key_bits)" "$bits" "$profile: key bits"
    end=$(date -u -d "$(openssl x509 -in "$img/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
    assert_eq "$(json_get "$T/status.json" certificate.not_after_epoch)" "$end" "$profile: end"
    # Whole days left at the moment tscns looked, which lies between $before and $after.
    days=$(json_get "$T/status.json" certificate.days_left)
    if [ "$days" != $(( (end - before) / 86400 )) ] && [ "$days" != $(( (end - after) / 86400 )) ]; then
        fail "$profile: days left: got $days, expected $(( (end - before) / 86400 ))"
    fi
    assert_eq "$(json_get "$T/status.json" certificate.size)" "$(stat -c %s "$img/cert.der")" \
        "$profile: certificate size"
    capacity=$(json_get "$T/status.json" file_capacity)
    if [ "$profile" = ace2025 ]; then
        assert_eq "$capacity" None "$profile: capacity (not in the FCI)"
    else
        assert_eq "$capacity" "$(stat -c %s "$img/ef_cert.bin")" "$profile: capacity"
    fi
    if [ "$expired" = 1 ]; then
        assert_eq "$(json_get "$T/status.json" renewal_possible)" False "$profile: possible"
        assert_contains "$(json_get "$T/status.json" reason)" "expired" "$profile: reason"
    else
        assert_eq "$(json_get "$T/status.json" renewal_possible)" True "$profile: possible"
    fi

    text=$(tscns extend status)
    assert_contains "$text" "RSA $bits bits" "$profile: text key"
    if [ "$expired" = 1 ]; then
        assert_contains "$text" "Renewal possible:  no" "$profile: text verdict"
        # "1 day", "N days"; the text ran later than the JSON: one more day may have passed.
        ago=$(sed -n 's/^Days left: *none (expired \(.*\) ago)$/\1/p' <<<"$text")
        case "$ago" in
        "$((-days)) days" | "$((1 - days)) days") [ "$ago" != "1 days" ] || fail "$profile: $ago" ;;
        "1 day") [ "$days" = -1 ] || [ "$days" = 0 ] || fail "$profile: '1 day' for $days" ;;
        *) fail "$profile: text days: got '$ago', JSON said $days" ;;
        esac
    else
        text_days=$(sed -n 's/^Days left: *\([0-9]*\)$/\1/p' <<<"$text")
        # The text ran later than the JSON: the count may have dropped by one in between.
        [ "$text_days" = "$days" ] || [ "$text_days" = $((days - 1)) ] ||
            fail "$profile: text days: got '$text_days', JSON said $days"
        assert_contains "$text" "Renewal possible:  yes" "$profile: text verdict"
    fi
    # The global options work before the subcommand as after it, as for every tscns command.
    serial=$(image_field "$img" serial)
    tscns extend --reader "$TSCNS_READER_0" --serial "$serial" status --json >"$T/global.json"
    assert_eq "$(json_get "$T/global.json" serial)" "$serial" "$profile: --reader before status"
    expect_fail tscns extend --reader "no such reader" status
    assert_eq "$RC" 2 "$profile: --reader naming no reader, before status"
    assert_contains "$OUT" "no such reader" "$profile: the reader named in the message"
    assert_eq "$(apdu_count "$log" VERIFY)" 0 "$profile: VERIFY sent by status"
    assert_eq "$(apdu_count "$log" UPDATE_BINARY)" 0 "$profile: UPDATE BINARY sent by status"
    note "extend-status: $profile ok"
    exit 0
fi

for p in st2021 idemia2021 ace2025 athena; do
    sandbox --card "$p" -- bash "$0" --inside "$p" 0
done
mkimage oberthur "$T/expired" --not-after -3
sandbox --card oberthur:"$T/expired" -- bash "$0" --inside oberthur 1
# Expired one day ago: the text says "1 day" (singular).
mkimage oberthur "$T/expired1" --not-after -1
sandbox --card oberthur:"$T/expired1" -- bash "$0" --inside oberthur 1
