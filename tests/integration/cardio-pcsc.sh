#!/usr/bin/env bash
# cardio's PC/SC transport against a real pcscd with virtual cards (tscns-cardio-probe): one
# handle survives a card pulled in the middle of an operation and works again once it is back;
# a reset by another program takes the PIN state away; a fork()ed child signs through its own
# context; no pcscd, no reader and an empty reader fail fast with their own errors; a card is
# chosen by reader substring, by serial, or as the first card cardio recognises; a pcscd
# restarted under an open handle is survived (new context on the next call).
. "$(dirname "$0")/lib.sh"

probe() { "$BIN/tscns-cardio-probe" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
field() { # OUTPUT KEY -> value of the first "KEY: value" line
    printf '%s\n' "$1" | sed -n "s/^$2: //p" | head -n 1
}
# An error's detail adds facts (reader, ATR, SW, PC/SC call) and repeats no three consecutive
# words of its headline; the detail must match the extended regex PATTERN.
check_pair() { # OUTPUT PATTERN WHAT
    local head det
    head=$(field "$1" headline) det=$(field "$1" detail)
    [ -n "$head" ] || fail "$3: no headline in: $1"
    printf '%s\n' "$det" | grep -qE -- "$2" || fail "$3: detail '$det' does not match /$2/"
    "$PY" - "$head" "$det" <<'PY' || fail "$3: the detail '$det' repeats the headline '$head'"
import re, sys
words = lambda s: re.findall(r"[a-z0-9]+", s.lower())
h, d = words(sys.argv[1]), " ".join(words(sys.argv[2]))
sys.exit(any(" ".join(h[i:i + 3]) in d for i in range(len(h) - 2)))
PY
}

inside_removal() {
    local img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 out n before
    export TSCNS_PROBE_PIN
    TSCNS_PROBE_PIN=$(image_field "$img" pin)
    # Each open reads the whole certificate: the count below must hold for the next probe too.
    export TSCNS_CERT_CACHE=no

    # How many APDUs opening the card costs here, so the pull lands inside the next read.
    out=$(probe info)
    n=$(field "$out" apdus)
    if [ -z "$n" ] || [ "$n" -le 0 ]; then fail "no APDU count from: $out"; fi
    # Open, then SELECT EF_DatiPersonali; its READ BINARY (one: the data fit in 255 bytes) fails.
    n=$((n + 1))
    note "pulling the card after $n APDUs, between SELECT and READ BINARY of EF_DatiPersonali"
    sandbox-card remove 0
    sandbox-card insert 0 "$img" --remove-after "$n"
    before=$(apdu_total "$log")
    "$BIN/tscns-cardio-probe" personal-until-ok >"$T/personal.out" 2>&1 &
    probe_pid=$!
    # The probe says when it has seen the removal (bounded wait: 10 s).
    for _ in $(seq 500); do
        grep -q "personal: TSCNS_E_CARD_REMOVED" "$T/personal.out" && break
        kill -0 "$probe_pid" 2>/dev/null || break
        sleep 0.02
    done
    assert_contains "$(cat "$T/personal.out")" "personal: TSCNS_E_CARD_REMOVED" "error while pulled"
    check_pair "$(cat "$T/personal.out")" \
        "^reading EF_DatiPersonali: SCardTransmit (returned 0x[0-9A-F]{8}|answered nothing), reader $TSCNS_READER_0$" \
        "card pulled during a read"
    assert_eq "$(tail -n 1 "$log" | awk '{print $2}')" SELECT "last APDU before the pull"
    assert_eq "$(($(apdu_total "$log") - before))" "$n" "APDUs the card answered"
    sandbox-card wait-absent 0
    before=$(apdu_total "$log")
    sandbox-card insert 0 "$img"
    wait "$probe_pid" || fail "the same handle did not recover: $(cat "$T/personal.out")"
    probe_pid=
    out=$(cat "$T/personal.out")
    assert_contains "$out" "personal: ok" "read after reinsertion"
    assert_eq "$(field "$out" surname)" "$(image_field "$img" personal.surname)" "surname"
    # The handle checked it is the same card (EF_IDCarta) before reading on (P2 0C or 00).
    tail -n +"$((before + 1))" "$log" | head -n 1 | grep -qE ' SELECT 00A4080[C0]0410001003' ||
        fail "first APDU after reconnecting is not SELECT EF_IDCarta: $(tail -n +"$((before + 1))" "$log" | head -n 1)"
}

inside_pin_state() {
    local img=$TSCNS_IMAGE_0 log=$TSCNS_LOG_0 out before
    export TSCNS_PROBE_PIN
    TSCNS_PROBE_PIN=$(image_field "$img" pin)

    out=$(probe reset-then-sign)
    assert_contains "$out" "before-reset-signature: valid" "signature before the reset"
    assert_eq "$(field "$out" after-reset)" TSCNS_E_CARD_RESET "signature right after the reset"
    assert_eq "$(field "$out" pin-verified)" 0 "PIN state after the reset"
    assert_contains "$out" "after-verify-signature: valid" "signature after a new VERIFY"

    before=$(apdu_count "$log" VERIFY)
    out=$(probe fork-sign)
    assert_contains "$out" "parent-signature: valid" "parent signs"
    assert_contains "$out" "child-signature: valid" "forked child signs"
    assert_contains "$out" "child: ok" "child exit"
    assert_contains "$out" "parent-after-signature: valid" "parent signs after the child"
    # The child used the PIN state of the card; nobody verified twice.
    assert_eq "$(($(apdu_count "$log" VERIFY) - before))" 1 "VERIFY commands for fork-sign"
}

inside_choice() {
    local serial1 out
    serial1=$(image_field "$TSCNS_IMAGE_1" serial)

    # Reader 0 holds a card that is not a TS-CNS: the first recognised card is in reader 1.
    out=$(probe info)
    assert_eq "$(field "$out" reader)" "$TSCNS_READER_1" "first recognised card"
    out=$(probe --serial "$serial1" info)
    assert_eq "$(field "$out" serial)" "$serial1" "card chosen by serial"
    expect_fail probe --serial 5000000000000009 info
    assert_contains "$OUT" "TSCNS_E_NO_CARD" "unknown serial"
    check_pair "$OUT" "^no card with serial 5000000000000009$" "unknown serial"
    expect_fail probe --reader "${TSCNS_READER_0: -5}" info
    assert_contains "$OUT" "TSCNS_E_UNKNOWN_CARD" "the non-CNS card by reader name"
    check_pair "$OUT" "^ATR 3B F8 13 00 .*, reader $TSCNS_READER_0$" "the non-CNS card"
    expect_fail probe --reader "no such reader" info
    assert_contains "$OUT" "TSCNS_E_NO_READER" "reader substring matching nothing"
    check_pair "$OUT" '^no reader name contains "no such reader"$' "reader matching nothing"
    out=$(probe readers)
    assert_contains "$out" "$TSCNS_READER_1 | card | $(image_field "$TSCNS_IMAGE_1" profile)" \
        "family from the ATR in the reader list"
}

# Started with --no-pcscd: this phase runs its own pcscd in the sandbox, so it can restart it.
inside_restart() {
    start_pcscd() {
        pcscd -f -c "$TSCNS_SANDBOX/conf" >>"$TSCNS_SANDBOX/pcscd-own.log" 2>&1 &
        pcscd_pid=$!
        for _ in $(seq 250); do # no event for "socket created": bounded poll, 5 s
            [ -S "$PCSCLITE_CSOCK_NAME" ] && break
            sleep 0.02
        done
        [ -S "$PCSCLITE_CSOCK_NAME" ] || fail "pcscd did not start"
        tscns-pcsc-wait readers 1 10 || fail "no reader after starting pcscd"
    }
    stop_pcscd() {
        kill -TERM "$pcscd_pid"
        wait "$pcscd_pid" || true # pcscd's own exit status on TERM is not under test
        pcscd_pid=
    }
    start_pcscd
    mkimage athena "$T/restart-card"
    # The card process stays up across the restart and finds the new vpcd by itself.
    sandbox-card insert 0 "$T/restart-card" --reconnect

    TSCNS_PROBE_GO=$T/go "$BIN/tscns-cardio-probe" personal-across-restart >"$T/restart.out" 2>&1 &
    probe_pid=$!
    for _ in $(seq 500); do # the probe prints "ready" (bounded wait, 10 s)
        grep -q '^ready$' "$T/restart.out" && break
        kill -0 "$probe_pid" 2>/dev/null || break
        sleep 0.02
    done
    assert_contains "$(cat "$T/restart.out")" "first: ok" "read before the restart"
    note "restarting pcscd under an open card handle"
    vcard_pid=$(cat "$TSCNS_SANDBOX/slot0.pid")
    stop_pcscd
    start_pcscd
    sandbox-card wait-present 0 || fail "the card did not reconnect to the new pcscd"
    kill -0 "$vcard_pid" || fail "the card process did not survive the pcscd restart"
    touch "$T/go"
    wait "$probe_pid" || fail "no read after the pcscd restart: $(cat "$T/restart.out")"
    probe_pid=
    assert_contains "$(cat "$T/restart.out")" "second: TSCNS_OK" "read after the restart"
    sandbox-card remove 0
    stop_pcscd
}

inside_contactless() {
    expect_fail probe info
    assert_contains "$OUT" "TSCNS_E_CONTACTLESS" "contactless ATR"
    assert_contains "$OUT" "contact slot" "what to do"
    check_pair "$OUT" "^ATR 3B 80 80 01 01, reader $TSCNS_READER_0$" "contactless"
}

inside_empty() {
    expect_fail probe info
    assert_contains "$OUT" "TSCNS_E_NO_CARD" "empty reader"
    check_pair "$OUT" "^(reader $TSCNS_READER_0|[0-9]+ readers, all empty)$" "empty reader"
}

inside_no_reader() {
    expect_fail probe readers
    assert_contains "$OUT" "TSCNS_E_NO_READER" "no reader"
    # pcsc-lite answers an empty reader list with SCARD_E_NO_READERS_AVAILABLE.
    check_pair "$OUT" "^(SCardListReaders returned 0x8010002E)?$" "no reader"
}

inside_no_service() {
    local t0 t1
    t0=$(now_ms)
    expect_fail probe info
    t1=$(now_ms)
    assert_contains "$OUT" "TSCNS_E_NO_SERVICE" "no pcscd"
    check_pair "$OUT" "^SCard[A-Za-z]+ returned 0x8010001D$" "no pcscd"
    [ $((t1 - t0)) -lt 2000 ] || fail "no pcscd took $((t1 - t0)) ms to report"
    note "no pcscd reported in $((t1 - t0)) ms"
}

if [ "${1:-}" = --inside ]; then
    # Whatever happens: stop a probe or pcscd this phase started, then lib.sh's cleanup with
    # the original status.
    probe_pid='' pcscd_pid=''
    # shellcheck disable=SC2154  # rc is set inside the trap
    trap 'rc=$?; set +e; [ -z "$probe_pid" ] || kill "$probe_pid"
          [ -z "$pcscd_pid" ] || { kill -TERM "$pcscd_pid"; wait "$pcscd_pid"; }
          (exit $rc); _lib_cleanup' EXIT
    "inside_$2"
    exit 0
fi

for profile in ${CARDIO_PCSC_PROFILES:-athena st2021 idemia2021}; do
    note "removal and PIN state: $profile"
    mkimage "$profile" "$T/$profile"
    sandbox --card "$profile:$T/$profile" -- bash "$0" --inside removal
    sandbox --card "$profile:$T/$profile" -- bash "$0" --inside pin_state
done
mkimage unknown "$T/unknown"
mkimage oberthur "$T/oberthur"
sandbox --card "unknown:$T/unknown" --card "oberthur:$T/oberthur" -- bash "$0" --inside choice
mkimage contactless "$T/nfc"
sandbox --card "contactless:$T/nfc" -- bash "$0" --inside contactless
sandbox --readers 1 -- bash "$0" --inside empty
sandbox --readers 0 -- bash "$0" --inside no_reader
sandbox --no-pcscd -- bash "$0" --inside no_service
sandbox --no-pcscd --readers 1 -- bash "$0" --inside restart
echo "cardio-pcsc: all passed"
