#!/usr/bin/env bash
# The card is pulled in the middle of `tscns extend install`'s write: the command fails, names
# the backup and the exact restore command; after the card is put back, that command brings
# back a card whose certificate equals the old one.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    serial=$(image_field "$img" serial)
    image_field "$img" puk >"$T/puk"
    tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" \
        --out "$T/new.pem"

    # A dress rehearsal on the same card: how many APDUs come before the first UPDATE BINARY,
    # how many UPDATE BINARY the write takes (short APDUs: several), and how many in all.
    : >"$log"
    tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes 2>/dev/null
    all=$(apdu_total "$log")
    first=$(grep -n " UPDATE_BINARY " "$log" | head -1 | cut -d: -f1)
    writes=$(apdu_count "$log" UPDATE_BINARY)
    [ "$writes" -ge 3 ] || fail "the write takes $writes UPDATE BINARY; the test needs several"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/*.der)
    tscns extend restore "$backup" --puk-file "$T/puk" --yes 2>/dev/null
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "card after the rehearsal"
    # The real run starts as the rehearsal did: no backup, an empty certificate cache.
    rm -r "$XDG_STATE_HOME" "$XDG_CACHE_HOME"

    # The real run: the card answers the first two UPDATE BINARY and is then pulled.
    sandbox-card remove 0
    : >"$log"
    sandbox-card insert 0 "$img" --remove-after $((first + 1))
    expect_fail tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes
    assert_eq "$(apdu_count "$log" UPDATE_BINARY)" 2 "UPDATE BINARY answered before the pull"
    assert_contains "$OUT" "the card is no longer in the reader" "the message"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/"$serial"-*.der)
    assert_files_equal "$backup" "$img/cert.der" "the backup"
    assert_contains "$OUT" "saved in $backup" "the message names the backup"
    restore=$(grep -o "tscns extend restore .*" <<<"$OUT") || fail "no restore command in: $OUT"
    assert_contains "$restore" "--serial $serial" "the restore command names the card"

    # The user puts the card back and types the command shown.
    sandbox-card wait-absent 0
    sandbox-card insert 0 "$img"
    eval "$restore --puk-file '$T/puk' --yes"
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "the card's certificate after restore"
    note "extend-remove: restored after a pull in the middle of the write"

    # Pulled after the read-back, the last APDU, before the reset that closes the PUK state:
    # the certificate is written and verified, so the install succeeds, and says that the card
    # forgot the PUK by leaving the reader. Put back, the card presents the new certificate.
    # (pcscd 1.9.9 marks the reader empty at the failed reset before its event thread sees the
    # removal; sandbox-card's wait-absent therefore waits for that thread's event count, or a
    # card inserted before its next poll would never be reported: docs/extend.md.)
    rm -r "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
    sandbox-card remove 0
    : >"$log"
    sandbox-card insert 0 "$img" --remove-after "$all"
    out=$(tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes 2>&1)
    assert_eq "$(apdu_total "$log")" "$all" "APDUs of the install pulled before its reset"
    assert_contains "$out" "read-back matches byte for byte" "the write before the pull"
    assert_contains "$out" "the card left the reader before the reset" "the pull before the reset"
    openssl x509 -in "$T/new.pem" -outform DER -out "$T/new.der"
    cmp -s -n "$(stat -c %s "$T/new.der")" "$T/new.der" "$img/ef_cert.bin" ||
        fail "the card image does not hold the new certificate after the pull"
    sandbox-card wait-absent 0
    sandbox-card insert 0 "$img"
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$T/new.der" "the card's certificate after it is put back"
    note "extend-remove: pulled between the read-back and the reset, then put back"
    exit 0
fi

sandbox --card athena -- bash "$0" --inside
