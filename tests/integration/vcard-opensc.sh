#!/usr/bin/env bash
# Fidelity check of the virtual card against an independent implementation: OpenSC 0.23's own
# Italian CNS driver (itacns) must recognise each standard-layout family, read the same serial
# and certificate as the image, and sign with the card key. OpenSC 0.23 does not know the
# IDEMIA-2021 layout (added in 0.24) nor the ACe 2025 applet, so idemia2021 and ace2025 are not
# checked here.
set -euo pipefail

PKCS11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    reader=$TSCNS_READER_0
    pin=$(image_field "$image" pin)
    serial=$(image_field "$image" serial)

    note "$profile: OpenSC recognises an Italian CNS"
    assert_contains "$(opensc-tool --reader "$reader" -n)" "CNS card" "opensc-tool -n"
    # the dump also tries optional files this card does not carry (EF_DatiProcessore, DF 1200)
    dump=$(pkcs15-tool --reader "$reader" --dump 2>"$T/dump.err")
    assert_contains "$dump" "Serial number  : $serial" "serial in pkcs15-tool --dump"
    assert_contains "$dump" "Path           : 3f0011001101" "certificate path"
    # OpenSC names the token from EF_DatiPersonali: a check of that file's format
    holder="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"
    assert_contains "$dump" "PKCS#15 Card [$holder]" "holder name parsed by OpenSC"

    note "$profile: the certificate OpenSC reads is the image's"
    pkcs15-tool --reader "$reader" --read-certificate 01 >"$T/cert.pem"
    openssl x509 -in "$T/cert.pem" -outform DER -out "$T/cert.der"
    assert_files_equal "$T/cert.der" "$image/cert.der" "certificate bytes"

    note "$profile: pkcs11-tool signs, openssl verifies with the certificate's key"
    echo "a message signed by the virtual $profile card" >"$T/msg"
    openssl x509 -in "$image/cert.pem" -pubkey -noout >"$T/pub.pem"
    set +e
    pkcs11-tool --module "$PKCS11" --slot-index 0 --login --pin "$pin" --sign \
        --mechanism SHA256-RSA-PKCS --input-file "$T/msg" --output-file "$T/sig" \
        >"$T/p11.out" 2>&1
    rc=$?
    set -e
    if [ "$profile" = st2021 ]; then
        # OpenSC 0.23 sends the 257-byte PSO DECIPHER of a 2048-bit key with command chaining;
        # ST 2021 refuses chaining with 6E00 (docs/card.md, sections 2 and 7: the bug users hit).
        # The card must behave like the real one here, so the signature fails ...
        [ "$rc" -ne 0 ] || fail "OpenSC 0.23 signed on st2021 although the card refuses chaining"
        grep -q ' PSO_DECIPHER 102A8086.* -> 6E00 ' "$TSCNS_LOG_0" ||
            fail "no chained PSO DECIPHER answered 6E00 in the card log"
        # ... and the same operation as one extended APDU succeeds: PKCS#1 v1.5 block built
        # here, raw RSA on the card, the result checked by openssl as a SHA-256 signature.
        digest=$(openssl dgst -sha256 -binary "$T/msg" | to_hex)
        info=3031300d060960864801650304020105000420$digest
        ff=$(printf 'ff%.0s' $(seq $((256 - 3 - ${#info} / 2))))
        block=0001${ff}00$info
        pin_block=$(printf '%s' "$pin" | to_hex)
        while [ ${#pin_block} -lt 16 ]; do pin_block=${pin_block}FF; done
        out=$(tscns-vcard-apdu --reader "$reader" "0020009008$pin_block" 0022F30300 \
            0022F1B803830101 "002A808600010100${block}0000")
        last=$(printf '%s\n' "$out" | tail -n 1)
        assert_eq "${last: -4}" 9000 "extended PSO DECIPHER on st2021"
        assert_eq "$(printf '%s\n' "$out" | head -n 3 | tr '\n' ' ')" "9000 9000 9000 " \
            "VERIFY, MSE RESTORE, MSE SET"
        printf '%s' "${last:0:${#last}-4}" | perl -ne 'print pack("H*", $_)' >"$T/sig"
        openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null ||
            fail "the extended-APDU signature of st2021 does not verify"
        exit 0
    fi
    [ "$rc" -eq 0 ] || fail "pkcs11-tool could not sign: $(cat "$T/p11.out")"
    openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/msg" >/dev/null ||
        fail "the card's signature does not verify"
    for name in VERIFY MSE_RESTORE MSE_SET PSO_DECIPHER; do
        [ "$(apdu_count "$TSCNS_LOG_0" $name)" -ge 1 ] || fail "no $name in the card log"
    done
    exit 0
fi

. "$(dirname "$0")/lib.sh"
each_profile athena oberthur cardos st2021 -- --surname VERDI --given-name GIUSEPPE
