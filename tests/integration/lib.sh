# The one shell library of the integration tests (sourced, not run).
#
# A test script sources this, then runs its steps inside a private PC/SC stack:
#   . "$(dirname "$0")/lib.sh"
#   sandbox --card athena:"$T/athena" -- "$T/steps.sh"     # or: -- bash "$0" --inside ...
# Inside, TSCNS_READER_0, TSCNS_IMAGE_0, TSCNS_LOG_0 ... describe the readers and cards, and
# `sandbox-card` inserts and pulls cards (tests/harness/pcsc-sandbox --help). The steps source
# this file again: each side gets its own $T.
set -euo pipefail

TSCNS_SRC=${TSCNS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TSCNS_BUILD=${TSCNS_BUILD:-$TSCNS_SRC/build}
export TSCNS_SRC TSCNS_BUILD
BIN=$TSCNS_BUILD/bin
HARNESS=$TSCNS_SRC/tests/harness
PY=/usr/bin/python3 # Debian's Python, linked against the system OpenSSL
export PATH="$BIN:$HARNESS:$PATH"

# Files the tests write are private: PIN and PUK files must be (include/tscns/pin_file.h).
umask 077
T=$(mktemp -d "/tmp/tscns-test.XXXXXX")
export T
# The user's PIN records (include/tscns/pin_state.h) of this test only: tests run in parallel
# on cards with the same serials, and must not touch the real user's.
export XDG_STATE_HOME=$T/state
# The certificate cache (include/tscns/cert_store.h) of this test only, for the same reasons.
export XDG_CACHE_HOME=$T/cache
# Servers started in the background (start_s_server, start_portal, or a script's own
# `_prov_pids+=($!)`) are stopped on exit, before the temp dir goes.
_prov_pids=()
_lib_cleanup() {
    local rc=$? pid
    # A server that already finished (-naccept) is gone, and a killed one exits non-zero:
    # neither is a test result, so errexit is off while tearing down.
    set +e
    for pid in "${_prov_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ "${TSCNS_KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
    exit "$rc"
}
trap _lib_cleanup EXIT

sandbox() { "$HARNESS/pcsc-sandbox" "$@"; }

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
note() { echo "-- $*" >&2; }

assert_eq() { # actual expected what
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}
assert_contains() { # haystack needle what
    case "$1" in *"$2"*) ;; *) fail "$3: '$2' not in: $1" ;; esac
}
assert_files_equal() { # a b what
    cmp -s "$1" "$2" || fail "$3: $1 and $2 differ"
}

# Run a command that must fail; its stderr+stdout land in $OUT, its status in $RC.
expect_fail() {
    set +e
    OUT=$("$@" 2>&1)
    RC=$?
    set -e
    [ "$RC" -ne 0 ] || fail "expected failure, got success from: $* (output: $OUT)"
}

# Count APDUs of one kind in a card log (tests/vcard/vcard.h documents the format).
apdu_count() { # LOG INS-NAME
    local n
    n=$(grep -c -- " $2 " "$1" 2>/dev/null) || n=0
    echo "$n"
}
apdu_total() { # LOG
    local n
    n=$(grep -c . "$1" 2>/dev/null) || n=0
    echo "$n"
}

# The card log lines added since mark_log: mark_log LOG; ... ; new_log LOG
mark_log() { _prov_mark=$(apdu_total "$1"); }
new_log() { tail -n +$((_prov_mark + 1)) "$1"; }
new_count() { # LOG INS-NAME
    local n
    n=$(new_log "$1" | grep -c -- " $2 ") || n=0
    echo "$n"
}
new_total() {
    local n
    n=$(new_log "$1" | grep -c .) || n=0
    echo "$n"
}

# Value from a JSON file by a dotted path: json_get FILE personal.surname
json_get() {
    "$PY" -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v=v[k]
print(v)' "$1" "$2"
}

# A card image made once per test: mkimage PROFILE DIR [tscns-mkcard options]
mkimage() {
    local profile=$1 dir=$2
    shift 2
    "$BIN/tscns-mkcard" --profile "$profile" --out "$dir" "$@" >/dev/null
}

# This script's steps once per card family, each in its own sandbox (bash "$0" --inside
# PROFILE), on images issued by one test CA, the first profile's:
#   each_profile PROFILE... [-- tscns-mkcard options for the profiles after the first]
each_profile() {
    local first=$1 profile profiles=() opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        profiles+=("$1")
        shift
    done
    [ $# -eq 0 ] || opts=("${@:2}")
    mkimage "$first" "$T/$first"
    for profile in "${profiles[@]}"; do
        [ -d "$T/$profile" ] || mkimage "$profile" "$T/$profile" --ca "$T/$first" "${opts[@]}"
        sandbox --card "$profile:$T/$profile" -- bash "$0" --inside "$profile"
    done
}

# What a card image holds, from its image.json by a dotted path:
#   image_field IMAGE-DIR pin | puk | serial | profile | atr | key_bits | personal.surname ...
# The files are read directly: cert.der and cert.pem (the certificate), ca.pem and ca.key (its
# test CA), ef_cert.bin (the certificate file at its full capacity); tests/vcard/vcard.h
# lists the ones the card engine reads.
image_field() { json_get "$1/image.json" "$2"; }

# Standard input as lowercase hex without separators (APDU data): ... | to_hex
to_hex() { od -An -tx1 | tr -d ' \n'; }

# A string percent-encoded for a cns: URI attribute (every reserved character encoded).
uri_quote() {
    "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until a TCP server listens on PORT (bounded: 10 s). There is no event for "listening"
# from a server that prints nothing then, and a connect probe would be a client of its own:
# /proc/net/tcp shows the listening socket without traffic. With PID, a server that died
# fails at once; LOG (its output) is shown on failure.   await_listen PORT WHAT [PID [LOG]]
await_listen() {
    local hex _
    hex=$(printf '%04X' "$1")
    for _ in $(seq 200); do
        grep -qE ":$hex [0-9A-F]+:0000 0A" /proc/net/tcp /proc/net/tcp6 2>/dev/null && return 0
        if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then
            cat "${4:-/dev/null}" >&2
            fail "$2 died"
        fi
        sleep 0.05
    done
    cat "${4:-/dev/null}" >&2
    fail "$2 did not listen on port $1"
}

# Wait until FILE contains TEXT (bounded; the server prints it once it listens).
await_text() { # FILE TEXT WHAT
    local _
    for _ in $(seq 1 200); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "$3: no '$2' in $1 after 10 s: $(cat "$1" 2>/dev/null)"
}

# --- The provider module ---

PROVIDER_MODULE=$TSCNS_BUILD/lib/tscns.so
[ -f "$PROVIDER_MODULE" ] || fail "no provider module at $PROVIDER_MODULE (build tscns_provider)"
# `-provider tscns` finds the module of this build.
export OPENSSL_MODULES=$TSCNS_BUILD/lib

# A sanitizer build of the module can only be loaded by programs that start with the ASan
# runtime; the system's openssl, curl and python do not. They get it, with the fix that keeps
# curl from hanging at start-up (tests/harness/asan_preload_fix.c), through wrappers put first
# on PATH (and in $PY); in a normal build nothing changes. Wrappers rather than a global
# LD_PRELOAD: our own programs (tscns, tscns-test-*, the vcard) are built with the sanitizer
# and keep its leak reports, which are turned off only for these programs (the reports would
# be about them, not the module); rather than a prefix at each call: a call that forgets it
# would pass in a normal build and fail only in the sanitizer one. Each wrapper `exec`s, so
# `openssl ... &` still gives the program's own pid in $!.
if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
    _preload=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)
    _preload+=:$TSCNS_BUILD/lib/tscns-asan-preload-fix.so
    [ -f "${_preload##*:}" ] || fail "no ${_preload##*:} (build tscns_asan_preload_fix)"
    mkdir "$T/sysprog"
    for _prog in openssl curl python3; do
        {
            echo '#!/bin/sh'
            echo "export LD_PRELOAD='$_preload' ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"
            echo "exec /usr/bin/$_prog \"\$@\""
        } >"$T/sysprog/$_prog"
        chmod +x "$T/sysprog/$_prog"
    done
    PATH=$T/sysprog:$PATH
    PY=$T/sysprog/python3
fi

# An OpenSSL config activating default then tscns, as examples/openssl.cnf does, at security
# level 1 for the RSA-1024 cards:   prov_conf FILE [PIN-SOURCE] [extra tscns_sect lines...]
prov_conf() {
    local file=$1 pin_source=${2:-}
    shift 2 || shift $#
    {
        echo "openssl_conf = openssl_init"
        echo "[openssl_init]"
        echo "providers = provider_sect"
        echo "ssl_conf = ssl_sect"
        echo "[provider_sect]"
        echo "default = default_sect"
        echo "tscns = tscns_sect"
        echo "[default_sect]"
        echo "activate = 1"
        echo "[tscns_sect]"
        echo "module = $PROVIDER_MODULE"
        [ -z "$pin_source" ] || echo "pin-source = $pin_source"
        for line in "$@"; do echo "$line"; done
        echo "activate = 1"
        echo "[ssl_sect]"
        echo "system_default = system_default_sect"
        echo "[system_default_sect]"
        echo "CipherString = DEFAULT@SECLEVEL=1"
    } >"$file"
}

# The shipped examples/openssl.cnf pointing at this build, for tests of that file itself;
# extra sed expressions adapt it:   example_conf OUT [sed expression...]
example_conf() {
    local out=$1 e
    shift
    local args=(-e "s#^module = .*#module = $PROVIDER_MODULE#")
    for e in "$@"; do args+=(-e "$e"); done
    sed "${args[@]}" "$TSCNS_SRC/examples/openssl.cnf" >"$out"
}

# The PEM key-reference file `tscns keyref` writes: keyref FILE URI
keyref() {
    {
        echo "-----BEGIN TSCNS KEY REFERENCE-----"
        printf '%s' "$2" | base64 -w 64
        echo "-----END TSCNS KEY REFERENCE-----"
    } >"$1"
}

# A throw-away server key and self-signed certificate in $T
server_cert() {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/server.key" -out "$T/server.pem" \
        -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 2 2>/dev/null
}

# openssl s_server requiring a client certificate from CA; sets SERVER_PORT and SERVER_OUT.
#   start_s_server CA NACCEPT [s_server options...]
start_s_server() {
    local ca=$1 naccept=$2
    shift 2
    SERVER_PORT=$(free_port)
    SERVER_OUT=$(mktemp "$T/s_server.XXXXXX")
    openssl s_server -provider default -accept "$SERVER_PORT" -Verify 1 -verify_return_error \
        -CAfile "$ca" -cert "$T/server.pem" -key "$T/server.key" -naccept "$naccept" \
        -cipher DEFAULT@SECLEVEL=1 -www "$@" </dev/null >"$SERVER_OUT" 2>&1 &
    _prov_pids+=($!)
    await_text "$SERVER_OUT" ACCEPT "s_server"
}

# tests/harness/portal.py; sets PORTAL_PORT.   start_portal CA [portal options...]
start_portal() {
    local ca=$1 ready=$T/portal.ready
    shift
    rm -f "$ready"
    "$PY" "$HARNESS/portal.py" --port 0 --cert "$T/server.pem" --key "$T/server.key" \
        --ca "$ca" --ready-file "$ready" --seclevel 1 "$@" 2>"$T/portal.log" &
    _prov_pids+=($!)
    await_text "$ready" "[0-9]" "portal.py"
    PORTAL_PORT=$(cat "$ready")
}

# The client certificate a TLS server (s_server -www) received, from its page: compared to
# the expected one.   presented_cert_is EXPECTED.pem PAGE WHAT
presented_cert_is() {
    "$PY" -c 'import re,sys
m = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", open(sys.argv[1]).read(), re.S)
sys.stdout.write(m[-1] + "\n" if m else "")' "$2" >"$T/presented.pem"
    [ -s "$T/presented.pem" ] || fail "$3: no client certificate in the server's page"
    assert_eq "$(openssl x509 -in "$T/presented.pem" -noout -fingerprint -sha256)" \
        "$(openssl x509 -in "$1" -noout -fingerprint -sha256)" "$3: the presented certificate"
}

# The card of reader 0 (the virtual card of folder $image) pulled and put back, with tscns-vcard
# options (a hang point) or without.
card_again() {
    sandbox-card remove 0
    sandbox-card insert 0 "$image" "$@"
}

# The PIN tries the virtual card of folder $image has left.
tries_on_card() { sed -n 's/^pin_tries=//p' "$image/card.state"; }

# SIGSTOP takes effect when the kernel next stops pcscd's threads, after kill returns; no
# event tells a non-parent, so its state is polled (bounded: 5 s).
freeze_pcscd() {
    local i
    kill -STOP "$TSCNS_PCSCD_PID"
    for i in $(seq 500); do
        [ "$(cut -d' ' -f3 "/proc/$TSCNS_PCSCD_PID/stat")" = T ] && return 0
        sleep 0.01
    done
    fail "pcscd did not stop"
}

# Deadline tests: run WHAT COMMAND...; it must fail (not crash) at the stall: not before
# $deadline seconds (a quicker failure has another cause), within $limit seconds, and within
# $limit + 10 s at worst (timeout). $OUT and $RC are the command's, as expect_fail sets them.
must_stall() {
    local what=$1 t0 ms
    shift
    t0=$(date +%s%N)
    expect_fail timeout $((limit + 10)) "$@"
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$RC" -ne 124 ] || fail "$what: still running after $((limit + 10)) s"
    [ "$ms" -le $((limit * 1000)) ] || fail "$what: took $ms ms, over the $limit s limit"
    [ "$ms" -ge $((deadline * 1000)) ] ||
        fail "$what: failed after $ms ms, before the $deadline s deadline, so not at the stall: $OUT"
    # A crash is no clean failure.
    [ "$RC" -lt 128 ] || fail "$what: killed by signal $((RC - 128)): $OUT"
    echo "stall $what: exit $RC after $ms ms" >&2
}

# --- PKCS#11 tokens ---

SOFTHSM=/usr/lib/softhsm/libsofthsm2.so
# The fault-injecting module over a real one (tests/harness/p11shim.c has its variables).
P11SHIM=$TSCNS_BUILD/lib/tscns-p11shim.so

# A SoftHSM2 token directory of this test (SOFTHSM2_CONF exported) holding one token LABEL with
# IMAGE's key and certificate under CKA_ID 01, user PIN the image's:
#   softhsm_token LABEL IMAGE-DIR
softhsm_token() {
    local label=$1 image=$2 pin
    pin=$(image_field "$image" pin)
    export SOFTHSM2_CONF=$T/softhsm2.conf
    mkdir -p "$T/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$T/tokens" >"$SOFTHSM2_CONF"
    softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin 87654321 >/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$image/key.pem" -outform DER -out "$T/token-key.p8"
    local put=(pkcs11-tool --module "$SOFTHSM" --token-label "$label" --login --pin "$pin")
    "${put[@]}" --write-object "$T/token-key.p8" --type privkey --id 01 --label cns \
        >"$T/put.out" 2>&1 || fail "pkcs11-tool, the key: $(cat "$T/put.out")"
    "${put[@]}" --write-object "$image/cert.der" --type cert --id 01 --label cns \
        >"$T/put.out" 2>&1 || fail "pkcs11-tool, the certificate: $(cat "$T/put.out")"
    rm -f "$T/token-key.p8"
}

# A SoftHSM2 token "CNS Token" behind the fault-injecting module, for the provider: the image
# $T/img, $T/p11.cnf (backend = pkcs11, pin-source env:TSCNS_TEST_PIN), the key reference
# $T/key.pem; the module's log is $T/shim.log.
shim_token() {
    mkimage st2021 "$T/img" --bits 2048
    softhsm_token "CNS Token" "$T/img"
    export TSCNS_SHIM_MODULE=$SOFTHSM TSCNS_SHIM_LOG=$T/shim.log
    prov_conf "$T/p11.cnf" env:TSCNS_TEST_PIN "pkcs11-module = $P11SHIM" "backend = pkcs11"
    keyref "$T/key.pem" "cns:type=private"
}
