#!/usr/bin/env bash
# tscns extend install and restore on the card families with different layouts and APDU
# sizes: a wrong PUK is sent once and its tries left are shown, a write without the PUK is
# refused by the card (6982) and reported in words, a good renewal ends on the card with its
# predecessor in the backup, and restore brings the old certificate back, byte for byte.
# Counts come from the virtual card's own APDU log.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    puk=$(image_field "$img" puk)
    serial=$(image_field "$img" serial)
    printf '%s\n' "$puk" >"$T/puk"
    wrong=11223344
    [ "$puk" != "$wrong" ] || wrong=44332211
    printf '%s\n' "$wrong" >"$T/wrong-puk"
    card_cert() { tscns cert --der -o "$1"; }
    updates_ok() {
        local n
        n=$(grep -c " UPDATE_BINARY .* -> 9000 " "$log") || n=0
        echo "$n"
    }
    tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" \
        --out "$T/new.pem"
    openssl x509 -in "$T/new.pem" -outform DER -out "$T/new.der"

    # A PUK that is not 5 to 8 digits never reaches the card.
    printf '12ab\n' >"$T/bad-puk"
    expect_fail tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" \
        --puk-file "$T/bad-puk" --yes
    assert_eq "$RC" 1 "$profile: exit code for a malformed PUK"
    assert_contains "$OUT" "nothing was sent to the card" "$profile: malformed PUK"
    assert_contains "$OUT" "nothing was written" "$profile: malformed PUK"
    assert_eq "$(apdu_count "$log" VERIFY)" 0 "$profile: VERIFY for a malformed PUK"
    rm -r "$XDG_STATE_HOME"

    # A wrong PUK: one VERIFY, tries left in words, exit 4, nothing written.
    expect_fail tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" \
        --puk-file "$T/wrong-puk" --yes
    assert_eq "$RC" 4 "$profile: exit code for a wrong PUK"
    assert_contains "$OUT" "the card rejected the PUK: 2 tries left" "$profile: wrong PUK"
    assert_contains "$OUT" "It is not tried again" "$profile: wrong PUK"
    assert_contains "$OUT" "card reset" "$profile: the attempt ends with a card reset"
    assert_eq "$(apdu_count "$log" VERIFY)" 1 "$profile: VERIFY for one wrong PUK"
    assert_eq "$(apdu_count "$log" UPDATE_BINARY)" 0 "$profile: UPDATE BINARY after a wrong PUK"
    case "$OUT" in *"$wrong"*) fail "$profile: the PUK appears in the output" ;; esac

    # Without the PUK the card itself refuses the write; the user reads why.
    expect_fail tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --no-puk --yes
    assert_eq "$RC" 3 "$profile: exit code for 6982"
    assert_contains "$OUT" "security status not satisfied (6982)" "$profile: 6982 in words"
    assert_contains "$OUT" "was not changed" "$profile: 6982 outcome"
    [ "$(grep -c " UPDATE_BINARY " "$log")" -ge 1 ] || fail "$profile: no write was tried"
    assert_eq "$(updates_ok)" 0 "$profile: UPDATE BINARY accepted without the PUK"
    card_cert "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "$profile: card after 6982"
    rm -r "$XDG_STATE_HOME"

    # The renewal: the PUK once more (the right one this time), write, read back.
    verify_before=$(apdu_count "$log" VERIFY)
    out=$(tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes 2>&1)
    assert_contains "$out" "read-back matches byte for byte" "$profile: install"
    assert_eq "$(apdu_count "$log" VERIFY)" $((verify_before + 1)) "$profile: VERIFY for the install"
    [ "$(updates_ok)" -ge 1 ] || fail "$profile: no UPDATE BINARY accepted"
    card_cert "$T/now.der"
    assert_files_equal "$T/now.der" "$T/new.der" "$profile: the card's certificate after install"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/"$serial"-*.der)
    assert_files_equal "$backup" "$img/cert.der" "$profile: the backup"
    assert_eq "$(stat -c %a "$backup")" 600 "$profile: backup mode"
    # `tscns info` in a new process shows the new certificate's serial number.
    want=$(openssl x509 -in "$T/new.pem" -noout -serial | cut -d= -f2)
    assert_contains "$(tscns info)" "$want" "$profile: tscns info after install"

    # Installing it again writes nothing.
    updates=$(grep -c " UPDATE_BINARY " "$log")
    out=$(tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes 2>&1)
    assert_contains "$out" "already holds exactly this certificate" "$profile: same again"
    assert_eq "$(grep -c " UPDATE_BINARY " "$log")" "$updates" "$profile: write for the same cert"

    # A backup is only restored onto the card it came from.
    other=$T/9999999999999999-20000101T000000Z.der
    cp "$backup" "$other"
    expect_fail tscns extend restore "$other" --puk-file "$T/puk" --yes
    assert_contains "$OUT" "is the backup of card 9999999999999999" "$profile: restore elsewhere"
    assert_eq "$(grep -c " UPDATE_BINARY " "$log")" "$updates" "$profile: write for a foreign backup"

    # Restore: the old certificate comes back (an earlier end is the point here).
    out=$(tscns extend restore "$backup" --puk-file "$T/puk" --yes 2>&1)
    assert_contains "$out" "read-back matches byte for byte" "$profile: restore"
    card_cert "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "$profile: the card's certificate after restore"
    # ...and the certificate it replaced was backed up too.
    n=$(find "$XDG_STATE_HOME/tscns/backup" -name "$serial-*.der" | wc -l)
    assert_eq "$n" 2 "$profile: backups after restore"
    note "extend-install: $profile ok"
    exit 0
fi

for p in st2021 idemia2021 athena; do
    sandbox --card "$p" -- bash "$0" --inside "$p"
done
