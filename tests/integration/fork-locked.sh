#!/usr/bin/env bash
# fork() while another thread is inside a card operation (cardio/README.md, "fork()"), with the
# virtual card's realistic timing:
# - cardio: a thread holds the card handle (tscns_card_lock, a signature inside) across the
#   fork; the child signs with the same handle once the parent lets the card go
#   (tscns-cardio-probe fork-locked);
# - the provider: one thread of tscns-test-signer signs in a loop while the main thread forks
#   five times, each time 15 ms into a signature of that thread and while it sleeps waiting for
#   the card (it then holds the card's lock, its PC/SC transaction and handle). Each child signs with the card itself and exits 0, the
#   parent keeps signing, nothing deadlocks; three rounds, each under a timeout.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    log=$TSCNS_LOG_0
    pin=$(image_field "$TSCNS_IMAGE_0" pin)
    set +e
    out=$(TSCNS_PROBE_PIN=$pin timeout 60 tscns-cardio-probe fork-locked 2>&1)
    rc=$?
    set -e
    [ "$rc" -ne 124 ] || fail "$profile: cardio child deadlocked on the held card"
    [ "$rc" -eq 0 ] || fail "$profile: fork-locked: $out"
    assert_contains "$out" "holder-signature: valid" "$profile: the holding thread signs"
    assert_contains "$out" "child-signature: valid" "$profile: the child signs on the held handle"
    assert_contains "$out" "parent-after-signature: valid" "$profile: the parent signs after"

    # The provider rounds fork while the other thread waits for the card (tscns-test-signer:
    # 15 ms into its signature and asleep in futex(2), cardio's wait for its PC/SC worker). In
    # the sanitizer build gcc 12's ASan allocator takes no lock around fork(): a child forked
    # while the other thread is inside malloc (cardio allocates every PC/SC job) waits in its
    # first malloc for good. Seen with gdb on a machine at load 9 (cardio/README.md, "fork()"):
    # a child stuck in ASan's SizeClassAllocator64 lock, in 1 of 5 rounds; also a child whose
    # PC/SC context ended at the deadline (pcsc-lite's own lock), and, before the futex(2)
    # condition, a child stuck on a libcrypto rwlock. The normal build runs them; the
    # sanitizer build runs the cardio case above, which forks at a known point.
    if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
        note "$profile: provider fork rounds run in the normal build only"
        exit 0
    fi
    prov_conf "$T/openssl.cnf" env:TSCNS_TEST_PIN
    export OPENSSL_CONF=$T/openssl.cnf TSCNS_TEST_PIN=$pin
    for round in 1 2 3; do
        mark_log "$log"
        t0=$(date +%s%N)
        set +e
        timeout 90 tscns-test-signer cns:type=private --fork 5 >"$T/out" 2>"$T/err"
        rc=$?
        set -e
        [ "$rc" -ne 124 ] || fail "$profile round $round: deadlock (still running after 90 s)"
        [ "$rc" -eq 0 ] || fail "$profile round $round: exit $rc: $(cat "$T/out" "$T/err")"
        out=$(cat "$T/out")
        assert_contains "$out" "forks=5 children_ok=5" "$profile round $round: children"
        assert_contains "$out" "parent_failures=0" "$profile round $round: parent"
        parent=$(echo "$out" | sed -n 's/.*parent_signatures=\([0-9]*\).*/\1/p')
        assert_eq "$(new_count "$log" PSO_DECIPHER)" $((parent + 5)) \
            "$profile round $round: signatures on the card (parent and children)"
        echo "$profile round $round: $out in $((($(date +%s%N) - t0) / 1000000)) ms" >&2
    done
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
mkimage st2021 "$T/st2021" --ca "$T/athena"
for profile in athena st2021; do
    sandbox --card "$profile:$T/$profile" --vcard-opts "--timing realistic" -- \
        bash "$0" --inside "$profile"
done
