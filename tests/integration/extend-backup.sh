#!/usr/bin/env bash
# Where `tscns extend` keeps its backups, and restoring one onto a card whose certificate a
# pulled card left unreadable:
# - a backup folder that group or others can write to, a symbolic link as the backup folder, or
#   a tscns folder that others can write to: refused before anything reaches the card (no
#   VERIFY, no UPDATE BINARY), with a message that says how to fix it;
# - with the card's certificate unreadable, a restore without --ca-cert, or of a certificate
#   for another key from another CA, is refused before anything reaches the card;
# - the backup folder's path holds a ' and a space: the restore command printed after the pull,
#   run by bash as printed, puts the old certificate back.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    serial=$(image_field "$img" serial)
    image_field "$img" puk >"$T/puk"
    tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" \
        --out "$T/new.pem"
    install() { tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes; }
    nothing_sent() { # what
        assert_eq "$(apdu_count "$log" VERIFY)" 0 "$1: VERIFY sent"
        assert_eq "$(apdu_count "$log" UPDATE_BINARY)" 0 "$1: UPDATE BINARY sent"
    }

    # A backup folder others can write to.
    export XDG_STATE_HOME=$T/open
    mkdir -p "$XDG_STATE_HOME/tscns/backup"
    chmod 0777 "$XDG_STATE_HOME/tscns/backup"
    : >"$log"
    expect_fail install
    assert_eq "$RC" 6 "world-writable backup folder: exit code"
    assert_contains "$OUT" "$XDG_STATE_HOME/tscns/backup can be written by other users" \
        "world-writable backup folder: message"
    assert_contains "$OUT" "chmod go-w" "world-writable backup folder: the fix"
    assert_contains "$OUT" "nothing was written to the card" "world-writable backup folder"
    nothing_sent "world-writable backup folder"
    assert_eq "$(find "$XDG_STATE_HOME" -type f | wc -l)" 0 "files in the world-writable folder"

    # The tscns folder above it, group-writable, with a sound backup folder inside.
    export XDG_STATE_HOME=$T/group
    mkdir -p -m 0700 "$XDG_STATE_HOME/tscns/backup"
    chmod 0770 "$XDG_STATE_HOME/tscns"
    : >"$log"
    expect_fail install
    assert_contains "$OUT" "$XDG_STATE_HOME/tscns can be written by other users" \
        "group-writable tscns folder"
    nothing_sent "group-writable tscns folder"
    assert_eq "$(find "$XDG_STATE_HOME" -type f | wc -l)" 0 "files under the group-writable folder"

    # The backup folder is a symbolic link, even to a sound folder of the user's.
    export XDG_STATE_HOME=$T/link
    mkdir -p -m 0700 "$XDG_STATE_HOME/tscns" "$T/elsewhere"
    ln -s "$T/elsewhere" "$XDG_STATE_HOME/tscns/backup"
    : >"$log"
    expect_fail install
    assert_eq "$RC" 6 "symlinked backup folder: exit code"
    assert_contains "$OUT" "$XDG_STATE_HOME/tscns/backup is a symbolic link" \
        "symlinked backup folder: message"
    nothing_sent "symlinked backup folder"
    assert_eq "$(find "$T/elsewhere" -type f | wc -l)" 0 "files behind the link"
    note "extend-backup: unsafe backup folders refused before any card write"

    # A ' and a space in the backup folder's path.
    export XDG_STATE_HOME="$T/it's state"
    # A dress rehearsal: how many APDUs come before the first UPDATE BINARY.
    : >"$log"
    install 2>/dev/null
    first=$(grep -n " UPDATE_BINARY " "$log" | head -1 | cut -d: -f1)
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/*.der)
    tscns extend restore "$backup" --puk-file "$T/puk" --yes 2>/dev/null
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "card after the rehearsal"
    rm -r "$XDG_STATE_HOME"

    # The card answers the first two UPDATE BINARY and is then pulled; put back, its
    # certificate file holds the start of the new certificate only.
    sandbox-card remove 0
    sandbox-card insert 0 "$img" --remove-after $((first + 1))
    expect_fail install
    assert_contains "$OUT" "the card is no longer in the reader" "the pull"
    restore=$(grep -o "tscns extend restore .*" <<<"$OUT") || fail "no restore command in: $OUT"
    sandbox-card wait-absent 0
    sandbox-card insert 0 "$img"
    tscns cert --der -o "$T/broken.der"
    expect_fail openssl x509 -inform DER -in "$T/broken.der" -noout
    note "extend-backup: the card's certificate does not parse after the pull"

    # A certificate for another key, from another CA, named as a backup of this card.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other.key" -subj "/CN=other" \
        -days 30 -outform DER -out "$T/other-ca.der" 2>/dev/null
    openssl x509 -inform DER -in "$T/other-ca.der" -out "$T/other-ca.pem"
    openssl x509 -in "$T/other-ca.pem" -outform DER -out "$T/$serial-20990101T000000Z.der"
    : >"$log"
    expect_fail tscns extend restore "$T/$serial-20990101T000000Z.der" --puk-file "$T/puk" --yes
    assert_contains "$OUT" "give --ca-cert" "restore of an unreadable card without --ca-cert"
    assert_contains "$OUT" "nothing was written to the card" "restore without --ca-cert"
    nothing_sent "restore of an unreadable card without --ca-cert"
    expect_fail tscns extend restore "$T/$serial-20990101T000000Z.der" --ca-cert "$img/ca.pem" \
        --puk-file "$T/puk" --yes
    assert_contains "$OUT" "does not verify against" "a certificate for another key"
    nothing_sent "a certificate for another key"
    note "extend-backup: restores without proof refused on an unreadable card"

    # The command as printed, run by a shell, restores the card.
    assert_contains "$restore" "'$T/it'\\''s state/tscns/backup/$serial-" "the quoted path"
    bash -c "$restore --puk-file '$T/puk' --yes"
    tscns cert --der -o "$T/now.der"
    assert_files_equal "$T/now.der" "$img/cert.der" "the card after the printed restore command"
    note "extend-backup: the printed restore command, quotes and all, restored the card"
    exit 0
fi

sandbox --card athena -- bash "$0" --inside
