#!/usr/bin/env bash
# The per-user certificate cache (include/tscns/cert_store.h, cardio/README.md "The certificate
# cache on disk"), through `tscns` and the provider, on a short-APDU card (athena) and an
# extended one (st2021):
# - an empty cache reads the whole certificate and writes the file (0600, folder 0700); a warm
#   one reads only the head and the last 16 bytes, and serves the same certificate;
# - a certificate renewed by `tscns extend install` in another process, and one written into the
#   card image while the card was out (another machine), both with the old certificate's serial
#   number and length, are never presented stale;
# - a cache file that is group-writable, another user's, or in a folder others can write is
#   ignored (said in the trace) and the card read; a tampered file (right head and tail, another
#   body) makes the provider's signature self-check fail, drop the file, and the next run reads
#   the card;
# - --no-cert-cache, the provider's `cert-cache = no`, TSCNS_CERT_CACHE=no, `tscns cache list`
#   and `tscns cache clear`;
# - two cards with other serials in two readers get one file each.
. "$(dirname "$0")/lib.sh"

# Bytes asked by the READ BINARY commands since mark_log (Le: short 00 = 256, or extended).
read_bytes() { # LOG
    local name cmd le sum=0 _
    while read -r _ name cmd _; do
        [ "$name" = READ_BINARY ] || continue
        if [ ${#cmd} -eq 10 ]; then
            le=$((16#${cmd:8:2}))
            [ "$le" -ne 0 ] || le=256
        else
            le=$((16#${cmd: -4}))
        fi
        sum=$((sum + le))
    done < <(new_log "$1")
    echo "$sum"
}
mode_of() { stat -c %a "$1"; }

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    serial=$(image_field "$img" serial)
    certs=$XDG_CACHE_HOME/tscns/certs
    entry=$certs/$serial-$profile.der
    len=$(stat -c %s "$img/cert.der")
    export TSCNS_TRACE=$T/trace

    note "$profile: empty cache: the whole certificate is read and cached"
    mark_log "$log"
    tscns cert --der -o "$T/c1.der"
    assert_files_equal "$T/c1.der" "$img/cert.der" "$profile: cold tscns cert"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: cold read $(read_bytes "$log") bytes"
    cold_apdus=$(new_total "$log")
    assert_files_equal "$entry" "$img/cert.der" "$profile: the cache file"
    assert_eq "$(mode_of "$entry")" 600 "$profile: cache file mode"
    assert_eq "$(mode_of "$certs")" 700 "$profile: cache folder mode"

    note "$profile: warm cache: the head and the last 16 bytes prove it current"
    : >"$T/trace"
    mark_log "$log"
    tscns cert --der -o "$T/c2.der"
    assert_files_equal "$T/c2.der" "$img/cert.der" "$profile: warm tscns cert"
    warm=$(read_bytes "$log")
    # EF_IDCarta (16) + the head through the certificate's serial number + 16.
    [ "$warm" -le 80 ] || fail "$profile: a warm start read $warm bytes"
    assert_eq "$(new_count "$log" READ_BINARY)" 3 "$profile: warm READ BINARY count"
    assert_contains "$(cat "$T/trace")" "the card holds the cached certificate" "$profile: trace"
    note "$profile: tscns cert APDUs cold $cold_apdus, warm $(new_total "$log"); bytes read warm $warm"

    note "$profile: --no-cert-cache and cert-cache = no read the card and leave the file"
    touch -d @1000000000 "$entry"
    mark_log "$log"
    tscns --no-cert-cache cert --der -o "$T/c3.der"
    assert_files_equal "$T/c3.der" "$img/cert.der" "$profile: tscns --no-cert-cache"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: --no-cert-cache read too little"
    pin=$(image_field "$img" pin)
    printf '%s\n' "$pin" >"$T/pin"
    prov_conf "$T/nocache.cnf" "file:$T/pin" "cert-cache = no"
    mark_log "$log"
    OPENSSL_CONF=$T/nocache.cnf openssl storeutl -certs -out "$T/c4.pem" cns: >/dev/null
    openssl x509 -in "$T/c4.pem" -outform DER -out "$T/c4.der"
    assert_files_equal "$T/c4.der" "$img/cert.der" "$profile: provider with cert-cache = no"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: cert-cache = no read too little"
    mark_log "$log"
    TSCNS_CERT_CACHE=no tscns cert --der -o "$T/c4b.der"
    assert_files_equal "$T/c4b.der" "$img/cert.der" "$profile: TSCNS_CERT_CACHE=no"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: TSCNS_CERT_CACHE=no read too little"
    assert_eq "$(stat -c %Y "$entry")" 1000000000 "$profile: the file untouched while off"

    note "$profile: a group-writable, a foreign and an unfit folder's file are ignored"
    chmod 0620 "$entry"
    : >"$T/trace"
    mark_log "$log"
    tscns cert --der -o "$T/c5.der"
    assert_files_equal "$T/c5.der" "$img/cert.der" "$profile: with a group-writable file"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: a group-writable file was used"
    assert_contains "$(cat "$T/trace")" "can be written by others: ignored" "$profile: trace"
    assert_eq "$(mode_of "$entry")" 600 "$profile: the file replaced"
    chown nobody "$entry"
    assert_contains "$(tscns cache list)" "ignored" "$profile: cache list marks another user's file"
    : >"$T/trace"
    mark_log "$log"
    tscns cert --der -o "$T/c6.der"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: another user's file was used"
    assert_contains "$(cat "$T/trace")" "belongs to another user: ignored" "$profile: trace"
    assert_eq "$(stat -c %u "$entry")" "$(id -u)" "$profile: the file replaced by the user's own"
    chmod 0770 "$certs"
    : >"$T/trace"
    mark_log "$log"
    tscns cert --der -o "$T/c7.der"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: a file in an open folder was used"
    assert_contains "$(cat "$T/trace")" "writable by others: not used" "$profile: trace"
    chmod 0700 "$certs"

    note "$profile: a tampered file (right head and tail) fails the signature check, then heals"
    # One bit in the middle of the certificate: inside the public key's modulus.
    "$PY" -c 'import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[len(b) // 2] ^= 1
open(sys.argv[2], "wb").write(b)' "$img/cert.der" "$T/tampered.der"
    cmp -s "$T/tampered.der" "$img/cert.der" && fail "$profile: the tampered copy is the same"
    cp "$T/tampered.der" "$entry"
    chmod 0600 "$entry"
    echo "signed through the cache" >"$T/msg"
    openssl dgst -sha256 -binary -out "$T/dgst" "$T/msg"
    prov_conf "$T/cache.cnf" "file:$T/pin"
    expect_fail env OPENSSL_CONF="$T/cache.cnf" openssl pkeyutl -sign -inkey cns:type=private \
        -in "$T/dgst" -out "$T/sig" -pkeyopt digest:sha256
    assert_contains "$OUT" "does not verify with its certificate's public key" \
        "$profile: a tampered cache file"
    [ ! -e "$entry" ] || fail "$profile: the tampered file was not dropped"
    mark_log "$log"
    OPENSSL_CONF=$T/cache.cnf openssl pkeyutl -sign -inkey cns:type=private -in "$T/dgst" \
        -out "$T/sig" -pkeyopt digest:sha256 || fail "$profile: the signature after the drop"
    openssl x509 -in "$img/cert.pem" -pubkey -noout >"$T/pub.pem"
    openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -in "$T/dgst" -sigfile "$T/sig" \
        -pkeyopt digest:sha256 >/dev/null || fail "$profile: the signature does not verify"
    [ "$(read_bytes "$log")" -ge "$len" ] || fail "$profile: the card was not read after the drop"
    assert_files_equal "$entry" "$img/cert.der" "$profile: the file written again from the card"

    note "$profile: renewed by tscns extend in another process"
    image_field "$img" puk >"$T/puk"
    # renewal CERT DAYS LIKE: a renewal of LIKE with LIKE's serial number, into $T/CERT.der
    renewal() {
        tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$3" \
            --serial-from "$3" --days "$2" --der --out "$T/$1.der"
        openssl x509 -inform DER -in "$T/$1.der" -out "$T/$1.pem"
    }
    install() { # CERT
        tscns extend install "$T/$1.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes \
            >"$T/extend.out" 2>&1 || fail "$profile: extend install: $(cat "$T/extend.out")"
    }
    renewal first 3000 "$img/cert.pem"
    install first
    assert_files_equal "$entry" "$T/first.der" "$profile: extend replaced the cache file"
    tscns cert --der -o "$T/c8.der"
    assert_files_equal "$T/c8.der" "$T/first.der" "$profile: after tscns extend"

    # The hard case: the next renewal keeps the serial number and the length, and our cache file
    # is not told (another machine's extend, or a file restored from a backup).
    renewal second 3100 "$T/first.pem"
    assert_eq "$(stat -c %s "$T/second.der")" "$(stat -c %s "$T/first.der")" \
        "$profile: the second renewal's length"
    assert_eq "$(openssl x509 -in "$T/second.pem" -noout -serial)" \
        "$(openssl x509 -in "$T/first.pem" -noout -serial)" "$profile: the serial number"
    install second
    cp "$T/first.der" "$entry"
    : >"$T/trace"
    tscns cert --der -o "$T/c9.der"
    assert_files_equal "$T/c9.der" "$T/second.der" "$profile: a renewal with the same serial"
    assert_contains "$(cat "$T/trace")" "the card holds another certificate" "$profile: trace"
    assert_files_equal "$entry" "$T/second.der" "$profile: the file replaced"

    note "$profile: renewed on another machine: the card image rewritten while the card was out"
    renewal third 3200 "$T/second.pem"
    assert_eq "$(stat -c %s "$T/third.der")" "$(stat -c %s "$T/second.der")" \
        "$profile: the third renewal's length"
    sandbox-card remove 0
    cap=$(stat -c %s "$img/ef_cert.bin")
    { cat "$T/third.der"; head -c $((cap - $(stat -c %s "$T/third.der"))) /dev/zero; } >"$T/ef"
    mv "$T/ef" "$img/ef_cert.bin"
    sandbox-card insert 0 "$img"
    tscns cert --der -o "$T/c10.der"
    assert_files_equal "$T/c10.der" "$T/third.der" "$profile: after the card changed elsewhere"
    assert_files_equal "$entry" "$T/third.der" "$profile: the file replaced"

    note "$profile: tscns cache list and clear"
    out=$(tscns cache list)
    assert_contains "$out" "$serial-$profile.der" "$profile: cache list"
    assert_contains "$out" "1 certificate" "$profile: cache list count"
    out=$(tscns cache clear)
    assert_contains "$out" "removed 1 certificate" "$profile: cache clear"
    [ ! -e "$entry" ] || fail "$profile: the file is still there after clear"
    note "cardio-cert-cache: $profile ok"
    exit 0
fi

if [ "${1:-}" = --two ]; then
    export TSCNS_TRACE=$T/trace
    for i in 0 1; do
        img_var=TSCNS_IMAGE_$i reader_var=TSCNS_READER_$i
        img=${!img_var}
        tscns --reader "${!reader_var}" cert --der -o "$T/cold$i.der"
        assert_files_equal "$T/cold$i.der" "$img/cert.der" "reader $i cold"
    done
    assert_eq "$(find "$XDG_CACHE_HOME/tscns/certs" -name '*.der' | wc -l)" 2 "one file per card"
    for i in 0 1; do
        img_var=TSCNS_IMAGE_$i reader_var=TSCNS_READER_$i log_var=TSCNS_LOG_$i
        img=${!img_var}
        mark_log "${!log_var}"
        tscns --reader "${!reader_var}" cert --der -o "$T/warm$i.der"
        assert_files_equal "$T/warm$i.der" "$img/cert.der" "reader $i warm"
        [ "$(read_bytes "${!log_var}")" -le 80 ] || fail "reader $i: the warm start read the card"
    done
    note "cardio-cert-cache: two cards in two readers ok"
    exit 0
fi

mkimage athena "$T/athena"
mkimage st2021 "$T/st2021" --ca "$T/athena"
for p in athena st2021; do
    sandbox --card "$p:$T/$p" -- bash "$0" --inside "$p"
done
# Fresh cards: the ones above hold renewed certificates their cert.der does not show.
mkimage athena "$T/one"
mkimage athena "$T/two" --ca "$T/one"
[ "$(image_field "$T/one" serial)" != "$(image_field "$T/two" serial)" ] ||
    fail "the two cards have the same serial"
sandbox --card "athena:$T/one" --card "athena:$T/two" -- bash "$0" --two
