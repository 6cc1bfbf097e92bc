#!/usr/bin/env bash
# tscns extend install refuses, before any write and without asking for the PUK, every
# certificate that must not replace the card's: another key, another subject, another CA, an
# earlier end, one too large for the file, one that drops the X.509 version, a keyUsage bit or
# an extendedKeyUsage purpose the card's has (a renewal that would fail every login). The card's own log proves no UPDATE BINARY and no
# VERIFY was sent, and the card still holds its certificate. A dry run and a run without a
# terminal and without --yes write nothing either.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    image_field "$img" puk >"$T/puk"
    mk() { tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" "$@"; }
    untouched() { # what
        assert_eq "$(apdu_count "$log" UPDATE_BINARY)" 0 "$1: UPDATE BINARY sent"
        assert_eq "$(apdu_count "$log" VERIFY)" 0 "$1: VERIFY sent"
        tscns cert --der -o "$T/now.der"
        assert_files_equal "$T/now.der" "$img/cert.der" "$1: the card's certificate"
    }
    refused() { # what expected-words cert
        expect_fail tscns extend install "$3" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes
        assert_eq "$RC" 6 "$1: exit status (tscns(1): a certificate refused by its checks)"
        assert_contains "$OUT" "refused: $2" "$1"
        assert_contains "$OUT" "nothing was written" "$1"
        untouched "$1"
        [ ! -e "$XDG_STATE_HOME/tscns/backup" ] || fail "$1: a backup was made for a refused write"
    }

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/other.key" 2>/dev/null
    mk --out "$T/other-key.pem" --pubkey-from "$T/other.key"
    refused "another key" "the certificate is for a different key" "$T/other-key.pem"

    mk --out "$T/other-subject.pem" --cn-suffix X
    refused "another subject" "the subject differs" "$T/other-subject.pem"

    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rogue.key" -out "$T/rogue.pem" \
        -subj "/CN=Rogue CA" -days 30 2>/dev/null
    tscns-test-mkcert --ca-cert "$T/rogue.pem" --ca-key "$T/rogue.key" --like "$img/cert.pem" \
        --out "$T/rogue-issued.pem"
    refused "another CA" "the certificate does not verify against" "$T/rogue-issued.pem"
    # A certificate from the card's own CA, checked against a CA file that does not hold it.
    mk --out "$T/good-ca.pem"
    expect_fail tscns extend install "$T/good-ca.pem" --ca-cert "$T/rogue.pem" \
        --puk-file "$T/puk" --yes
    assert_contains "$OUT" "does not verify against $T/rogue.pem" "the wrong CA file"
    untouched "the wrong CA file"

    mk --out "$T/earlier.pem" --days 30
    refused "an earlier end" "the certificate ends on" "$T/earlier.pem"

    capacity=$(stat -c %s "$img/ef_cert.bin")
    mk --out "$T/large.pem" --pad "$capacity"
    refused "too large" "the certificate is" "$T/large.pem"
    assert_contains "$OUT" "certificate file holds $capacity" "too large: the capacity named"

    # What the card's certificate is used for (v3, keyUsage digitalSignature, extendedKeyUsage
    # clientAuth) must survive the renewal; each loss is named.
    mk --out "$T/v1.pem" --v1
    refused "a v1 certificate" "the certificate is X.509 v1, the card's is v3" "$T/v1.pem"
    assert_contains "$OUT" "refused: the certificate has no keyUsage extension" "v1: keyUsage"
    assert_contains "$OUT" "refused: the certificate has no extendedKeyUsage" "v1: extendedKeyUsage"
    mk --out "$T/no-ku.pem" --key-usage none
    refused "no keyUsage" "the certificate has no keyUsage extension; the card's has one (digitalSignature)" "$T/no-ku.pem"
    mk --out "$T/ku-nr.pem" --key-usage critical,nonRepudiation
    refused "keyUsage without digitalSignature" "the certificate's keyUsage lacks digitalSignature, which the card's certificate has" "$T/ku-nr.pem"
    mk --out "$T/no-eku.pem" --ext-key-usage none
    refused "no extendedKeyUsage" "the certificate has no extendedKeyUsage extension" "$T/no-eku.pem"
    mk --out "$T/eku-mail.pem" --ext-key-usage emailProtection
    refused "extendedKeyUsage without clientAuth" "the certificate's extendedKeyUsage lacks clientAuth" "$T/eku-mail.pem"
    case "$OUT" in *"refused: the certificate's keyUsage"* | *"refused: the certificate is X.509"*) fail "eku only: more refused: $OUT" ;; esac

    # Several faults at once: each is named, so one run shows everything that is wrong.
    mk --out "$T/two.pem" --cn-suffix X --days 30
    expect_fail tscns extend install "$T/two.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes
    assert_contains "$OUT" "the subject differs" "two faults"
    assert_contains "$OUT" "not later than" "two faults"
    untouched "two faults"

    # A good certificate: a dry run checks and backs up, but neither verifies the PUK nor writes.
    mk --out "$T/good.pem"
    out=$(tscns extend install "$T/good.pem" --ca-cert "$img/ca.pem" --dry-run 2>&1)
    assert_contains "$out" "dry run" "dry run"
    untouched "dry run"
    assert_contains "$out" "check: X.509 version v3, as the card's: yes" "dry run: version"
    assert_contains "$out" "check: keyUsage keeps digitalSignature: yes" "dry run: keyUsage"
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/*.der)
    assert_files_equal "$backup" "$img/cert.der" "dry run backup"
    rm -r "$XDG_STATE_HOME"
    # More uses than the card's certificate had take nothing away: accepted.
    mk --out "$T/more.pem" --key-usage critical,digitalSignature,nonRepudiation \
        --ext-key-usage clientAuth,emailProtection
    out=$(tscns extend install "$T/more.pem" --ca-cert "$img/ca.pem" --dry-run 2>&1) ||
        fail "more uses refused: $out"
    assert_contains "$out" "extendedKeyUsage keeps every purpose" "more uses"
    untouched "more uses"
    rm -r "$XDG_STATE_HOME"

    # No terminal and no --yes: nothing is asked on stdin, nothing is written.
    expect_fail setsid tscns extend install "$T/good.pem" --ca-cert "$img/ca.pem" \
        --puk-file "$T/puk" </dev/null
    assert_contains "$OUT" "--yes" "no terminal"
    untouched "no terminal"
    note "extend-refuse: all refusals left the card untouched"
    exit 0
fi

sandbox --card st2021 -- bash "$0" --inside
