#!/usr/bin/env bash
# One process, many handshakes: 8 threads doing TLS client-auth handshakes at once against the
# (multi-threaded) demo portal all succeed, a forked child can sign, and every handshake after
# the first costs only the signature APDUs (MSE RESTORE, MSE SET, PSO DECIPHER). Reports the
# APDUs of the cold handshake and of each later one, per profile.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    server_cert
    start_portal "$image/ca.pem"
    prov_conf "$T/openssl.cnf" env:TSCNS_TEST_PIN
    export OPENSSL_CONF=$T/openssl.cnf TSCNS_TEST_PIN=$pin
    run=(tscns-test-threads --connect "127.0.0.1:$PORTAL_PORT" --CAfile "$T/server.pem"
        --cert "$image/cert.pem" --key cns:type=private --seclevel 1)

    note "$profile: 6 sequential handshakes in one process"
    mark_log "$log"
    "${run[@]}" --count 6 >"$T/seq.out" 2>&1 || fail "sequential handshakes: $(cat "$T/seq.out")"
    assert_contains "$(cat "$T/seq.out")" "handshakes=6 failures=0" "sequential handshakes"
    new_log "$log" >"$T/seq.log"
    first_sig=$(grep -n " PSO_DECIPHER " "$T/seq.log" | head -n 1 | cut -d: -f1)
    total=$(grep -c . "$T/seq.log")
    later=$(((total - first_sig) / 5))
    echo "APDUs $profile: cold handshake $first_sig, each later handshake $later" >&2
    assert_eq "$(grep -c " PSO_DECIPHER " "$T/seq.log")" 6 "signatures for 6 handshakes"
    assert_eq "$(grep -c " VERIFY " "$T/seq.log")" 1 "VERIFY for 6 handshakes"
    assert_eq "$((total - first_sig))" 15 "APDUs of the 5 later handshakes"
    tail -n 15 "$T/seq.log" | awk '{ print $2 }' | sort | uniq -c >"$T/later.txt"
    assert_eq "$(tr -s ' \n' ' ' <"$T/later.txt")" " 5 MSE_RESTORE 5 MSE_SET 5 PSO_DECIPHER " \
        "the later handshakes' APDUs"

    note "$profile: the card pulled and reinserted between handshakes: the PIN is verified again"
    mark_log "$log"
    "${run[@]}" --count 3 --between "sandbox-card remove 0 && sandbox-card insert 0 $image" \
        >"$T/reinsert.out" 2>&1 || fail "handshakes across card removal: $(cat "$T/reinsert.out")"
    assert_contains "$(cat "$T/reinsert.out")" "handshakes=3 failures=0" "handshakes across removal"
    assert_eq "$(new_count "$log" PSO_DECIPHER)" 3 "signatures across removal"
    assert_eq "$(new_count "$log" VERIFY)" 3 "VERIFY after each reinsertion"

    note "$profile: 8 threads x 3 handshakes at once, then a forked child"
    mark_log "$log"
    "${run[@]}" --threads 8 --count 3 --fork >"$T/par.out" 2>&1 ||
        fail "concurrent handshakes: $(cat "$T/par.out")"
    assert_contains "$(cat "$T/par.out")" "handshakes=24 failures=0" "concurrent handshakes"
    assert_contains "$(cat "$T/par.out")" "fork: child ok" "handshake in a forked child"
    # 24 in the parent, 1 in the child
    assert_eq "$(new_count "$log" PSO_DECIPHER)" 25 "signatures"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
each_profile athena st2021 idemia2021
