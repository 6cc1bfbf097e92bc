#!/usr/bin/env bash
# A long-running program with the tscns provider sees a renewed certificate: it loads the
# card's certificate through OSSL_STORE (cns:) and signs, `tscns extend install` renews the
# certificate from another process (and resets the card at the end), then the same program
# loads the certificate again and gets the new one, and its next signature verifies the PIN
# again (the reset took the PIN state away) and still works. The PUK state is gone too: a write
# without the PUK afterwards is refused by the card.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --inside ]; then
    profile=$2
    img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0
    export XDG_STATE_HOME=$T/state
    image_field "$img" pin >"$T/pin"
    image_field "$img" puk >"$T/puk"
    tscns-test-mkcert --ca-cert "$img/ca.pem" --ca-key "$img/ca.key" --like "$img/cert.pem" \
        --out "$T/new.pem"
    old_fp=$(openssl x509 -in "$img/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2 |
        tr -d : | tr 'A-F' 'a-f')
    new_fp=$(openssl x509 -in "$T/new.pem" -noout -fingerprint -sha256 | cut -d= -f2 |
        tr -d : | tr 'A-F' 'a-f')
    [ "$old_fp" != "$new_fp" ] || fail "$profile: the renewed certificate equals the old one"

    prov_conf "$T/openssl.cnf" "file:$T/pin"
    mkfifo "$T/go"
    # Read-write: opening does not wait for the program, whatever happens to it.
    exec 3<>"$T/go"
    OPENSSL_CONF=$T/openssl.cnf tscns-test-store-reload "cns:type=cert" "cns:type=private" \
        <"$T/go" >"$T/reload.out" 2>"$T/reload.err" &
    reload_pid=$!
    # shellcheck disable=SC2154  # rc is set inside the trap
    trap 'rc=$?; set +e; exec 3>&-; [ -z "$reload_pid" ] || kill "$reload_pid"
          (exit $rc); _lib_cleanup' EXIT
    for _ in $(seq 500); do # no event for "printed ready": bounded poll, 10 s
        grep -q '^ready$' "$T/reload.out" && break
        kill -0 "$reload_pid" 2>/dev/null || break
        sleep 0.02
    done
    grep -q '^ready$' "$T/reload.out" ||
        fail "$profile: the program did not get ready: $(cat "$T/reload.out" "$T/reload.err")"
    assert_contains "$(cat "$T/reload.out")" "cert1: $old_fp" "$profile: first load"
    assert_contains "$(cat "$T/reload.out")" "sign1: ok" "$profile: first signature"

    out=$(tscns extend install "$T/new.pem" --ca-cert "$img/ca.pem" --puk-file "$T/puk" --yes 2>&1) ||
        fail "$profile: extend install: $out"
    assert_contains "$out" "read-back matches byte for byte" "$profile: install"
    assert_contains "$out" "card reset" "$profile: the install ends with a card reset"

    verify_before=$(apdu_count "$log" VERIFY)
    sign_before=$(apdu_count "$log" PSO_DECIPHER)
    reads_before=$(apdu_count "$log" READ_BINARY)
    echo go >&3
    exec 3>&-
    wait "$reload_pid" || fail "$profile: second load: $(cat "$T/reload.out" "$T/reload.err")"
    reload_pid=
    assert_contains "$(cat "$T/reload.out")" "cert2: $new_fp" "$profile: certificate after renewal"
    assert_contains "$(cat "$T/reload.out")" "sign2: ok" "$profile: signature after renewal"
    # The PIN once more (the reset took it away), one signature, the certificate read again.
    assert_eq "$(apdu_count "$log" VERIFY)" $((verify_before + 1)) "$profile: VERIFY after reset"
    assert_eq "$(apdu_count "$log" PSO_DECIPHER)" $((sign_before + 1)) "$profile: signatures"
    [ "$(apdu_count "$log" READ_BINARY)" -gt "$reads_before" ] ||
        fail "$profile: the certificate was not read again"

    # The PUK verified for the install did not outlive it: a write without the PUK now is
    # refused by the card (the card stays powered between programs, only the reset closed it).
    backup=$(ls "$XDG_STATE_HOME"/tscns/backup/*.der)
    expect_fail tscns extend restore "$backup" --no-puk --yes
    assert_contains "$OUT" "security status not satisfied (6982)" "$profile: write after the reset"
    assert_contains "$OUT" "card reset" "$profile: a refused write ends with a reset too"
    tscns cert --der -o "$T/now.der"
    openssl x509 -in "$T/new.pem" -outform DER -out "$T/new.der"
    assert_files_equal "$T/now.der" "$T/new.der" "$profile: the card keeps the renewed certificate"
    note "extend-reload: $profile ok"
    exit 0
fi

for p in st2021 athena; do
    sandbox --card "$p" -- bash "$0" --inside "$p"
done
