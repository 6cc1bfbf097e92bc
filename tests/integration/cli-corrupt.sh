#!/usr/bin/env bash
# Malformed card answers (tscns-vcard --corrupt): every command that meets one fails with a
# message a person can act on and exit 3, never a crash, a hang or a wrong success; what the
# broken file does not touch keeps working.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    mode=$2 img=$TSCNS_IMAGE_0
    case $mode in
    short-sw | bad-serial)
        # Identification itself meets the bad answer: every command stops there.
        for cmd in info cert; do
            expect_fail tscns "$cmd"
            assert_eq "$RC" 3 "$mode: exit status of tscns $cmd"
            assert_contains "$OUT" "malformed answer" "$mode: tscns $cmd message"
            assert_contains "$OUT" "ATR 3B" "$mode: the message names the card"
        done
        ;;
    bad-cert)
        expect_fail tscns cert -o "$T/cert.pem"
        assert_eq "$RC" 3 "bad-cert: exit status of tscns cert"
        assert_contains "$OUT" "holds no DER certificate" "bad-cert: tscns cert message"
        [ ! -e "$T/cert.pem" ] || fail "bad-cert: tscns cert wrote a file"
        expect_fail tscns info
        assert_eq "$RC" 3 "bad-cert: exit status of tscns info"
        ;;
    bad-personal)
        expect_fail tscns info
        assert_eq "$RC" 3 "bad-personal: exit status of tscns info"
        assert_contains "$OUT" "EF_DatiPersonali" "bad-personal: the message names the file"
        # The certificate is another file: it still reads, byte for byte.
        tscns cert --der -o "$T/cert.der"
        assert_files_equal "$T/cert.der" "$img/cert.der" "bad-personal: the certificate"
        ;;
    esac
    exit 0
fi

mkimage st2021 "$T/st2021"
for mode in short-sw bad-serial bad-cert bad-personal; do
    sandbox --card "st2021:$T/st2021" --vcard-opts "--corrupt $mode" -- bash "$0" --inside "$mode" ||
        fail "corrupt mode $mode"
    note "cli-corrupt: $mode"
done
