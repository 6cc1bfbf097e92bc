#!/usr/bin/env bash
# Signatures by the card key through the provider, checked by OpenSSL's default provider alone:
# `openssl pkeyutl -sign` (PKCS#1 v1.5 with each supported digest, PSS with several salt
# lengths), `openssl req -new` (PKCS#1 and PSS CSRs that `openssl req -verify` accepts), CMS;
# `openssl storeutl` lists the card's objects without asking for the PIN. For a standard-layout
# card the PKCS#1 v1.5 signature is byte-identical to OpenSC's pkcs11-tool on the same card.
set -euo pipefail

PKCS11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    key="cns:type=private"
    prov=(-provider default -provider tscns)
    openssl x509 -in "$image/cert.pem" -pubkey -noout >"$T/pub.pem"
    echo "a message signed by the $profile card through tscns.so" >"$T/msg"

    note "$profile: storeutl lists certificate, private key and public key, with no VERIFY"
    mark_log "$log"
    openssl storeutl "${prov[@]}" cns: >"$T/store.out" 2>&1 || fail "storeutl: $(cat "$T/store.out")"
    grep -q "^0: Certificate" "$T/store.out" || fail "storeutl: no certificate"
    grep -q "^1: Pkey" "$T/store.out" || fail "storeutl: no private key"
    grep -q "^2: Public key" "$T/store.out" || fail "storeutl: no public key"
    grep -q "^Total found: 3" "$T/store.out" || fail "storeutl: not 3 objects"
    [ "$(new_count "$log" VERIFY)" -eq 0 ] || fail "storeutl sent a VERIFY"
    openssl storeutl "${prov[@]}" -certs -out "$T/store-cert.pem" cns: >/dev/null 2>&1
    openssl x509 -in "$T/store-cert.pem" -outform DER -out "$T/store-cert.der"
    assert_files_equal "$T/store-cert.der" "$image/cert.der" "certificate from storeutl"

    if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
        # The openssl command frees all it allocates, so LeakSanitizer can speak for the module
        # here: the certificates read from the card must be freed when the provider is unloaded.
        note "$profile: no leak once openssl has unloaded the provider (LeakSanitizer)"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 openssl storeutl "${prov[@]}" cns: \
            >"$T/leak.out" 2>&1 || fail "storeutl under LeakSanitizer: $(cat "$T/leak.out")"
        openssl dgst -sha256 -binary -out "$T/dgst" "$T/msg"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 openssl pkeyutl "${prov[@]}" -sign \
            -inkey "$key" -passin "pass:$pin" -in "$T/dgst" -out "$T/sig.leak" \
            -pkeyopt digest:sha256 >"$T/leak.out" 2>&1 ||
            fail "pkeyutl under LeakSanitizer: $(cat "$T/leak.out")"
    fi

    for md in sha1 sha224 sha256 sha384 sha512; do
        note "$profile: pkeyutl PKCS#1 v1.5 with $md, verified by the default provider"
        openssl dgst "-$md" -binary -out "$T/dgst" "$T/msg"
        openssl pkeyutl "${prov[@]}" -sign -inkey "$key" -passin "pass:$pin" -in "$T/dgst" \
            -out "$T/sig.$md" -pkeyopt "digest:$md" 2>"$T/err" || fail "pkeyutl $md: $(cat "$T/err")"
        openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/dgst" -sigfile "$T/sig.$md" \
            -pkeyopt "digest:$md" >/dev/null || fail "PKCS#1 $md signature does not verify"
    done

    for salt in digest max 20; do
        note "$profile: pkeyutl PSS SHA-256, salt length $salt"
        openssl dgst -sha256 -binary -out "$T/dgst" "$T/msg"
        openssl pkeyutl "${prov[@]}" -sign -inkey "$key" -passin "pass:$pin" -in "$T/dgst" \
            -out "$T/sig.pss" -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss \
            -pkeyopt "rsa_pss_saltlen:$salt" 2>"$T/err" || fail "pkeyutl PSS: $(cat "$T/err")"
        openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/dgst" -sigfile "$T/sig.pss" \
            -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss \
            -pkeyopt "rsa_pss_saltlen:$salt" >/dev/null || fail "PSS ($salt) does not verify"
    done

    note "$profile: dgst -sign (digest-sign in the provider) with PSS and MGF1-SHA-1"
    openssl dgst "${prov[@]}" -sha384 -sign "$key" -passin "pass:$pin" -sigopt \
        rsa_padding_mode:pss -sigopt rsa_mgf1_md:sha1 -sigopt rsa_pss_saltlen:digest \
        -out "$T/sig.dgst" "$T/msg" 2>"$T/err" || fail "dgst -sign: $(cat "$T/err")"
    openssl dgst -sha384 -verify "$T/pub.pem" -sigopt rsa_padding_mode:pss -sigopt \
        rsa_mgf1_md:sha1 -sigopt rsa_pss_saltlen:digest -signature "$T/sig.dgst" "$T/msg" \
        >/dev/null || fail "dgst PSS/MGF1-SHA1 signature does not verify"

    note "$profile: req -new makes CSRs (PKCS#1 and PSS) that req -verify accepts"
    openssl req "${prov[@]}" -new -key "$key" -passin "pass:$pin" -subj "/CN=tscns test" \
        -out "$T/csr.pem" 2>"$T/err" || fail "req -new: $(cat "$T/err")"
    assert_contains "$(openssl req -verify -in "$T/csr.pem" -noout 2>&1)" "verify OK" "CSR"
    openssl req -in "$T/csr.pem" -pubkey -noout >"$T/csr-pub.pem"
    assert_files_equal "$T/csr-pub.pem" "$T/pub.pem" "public key in the CSR"
    openssl req "${prov[@]}" -new -key "$key" -passin "pass:$pin" -subj "/CN=tscns test" \
        -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -out "$T/csr-pss.pem" \
        2>"$T/err" || fail "req -new PSS: $(cat "$T/err")"
    assert_contains "$(openssl req -in "$T/csr-pss.pem" -noout -text)" \
        "Signature Algorithm: rsassaPss" "algorithm of the PSS CSR"
    assert_contains "$(openssl req -verify -in "$T/csr-pss.pem" -noout 2>&1)" "verify OK" \
        "PSS CSR"

    note "$profile: CMS signature that openssl cms -verify accepts against the card's CA"
    openssl cms "${prov[@]}" -sign -binary -nodetach -signer "$image/cert.pem" -inkey "$key" \
        -passin "pass:$pin" -in "$T/msg" -outform DER -out "$T/msg.p7" 2>"$T/err" ||
        fail "cms -sign: $(cat "$T/err")"
    openssl cms -verify -binary -inform DER -in "$T/msg.p7" -CAfile "$image/ca.pem" \
        -purpose any -out "$T/msg.out" 2>/dev/null || fail "the CMS signature does not verify"
    assert_files_equal "$T/msg.out" "$T/msg" "CMS content"

    if [ "$profile" = athena ]; then
        note "$profile: PKCS#1 v1.5 is byte-identical to OpenSC's pkcs11-tool"
        pkcs11-tool --module "$PKCS11" --slot-index 0 --login --pin "$pin" --sign \
            --mechanism SHA256-RSA-PKCS --input-file "$T/msg" --output-file "$T/sig.opensc" \
            >"$T/p11.out" 2>&1 || fail "pkcs11-tool: $(cat "$T/p11.out")"
        openssl dgst -sha256 -binary -out "$T/dgst" "$T/msg"
        openssl pkeyutl "${prov[@]}" -sign -inkey "$key" -passin "pass:$pin" -in "$T/dgst" \
            -out "$T/sig.tscns" -pkeyopt digest:sha256
        assert_files_equal "$T/sig.tscns" "$T/sig.opensc" "tscns and OpenSC signatures"
    fi
    exit 0
fi

. "$(dirname "$0")/lib.sh"
each_profile athena st2021
