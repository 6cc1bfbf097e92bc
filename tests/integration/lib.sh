# Shared helpers for the integration tests (sourced, not run).
#
# A test script sources this, then runs its steps inside a private PC/SC stack:
#   . "$(dirname "$0")/lib.sh"
#   sandbox --card athena:"$T/athena" -- "$T/steps.sh"     # or: -- bash -c '...'
# Inside, TSCNS_READER_0, TSCNS_IMAGE_0, TSCNS_LOG_0 ... describe the readers and cards, and
# `sandbox-card` inserts and pulls cards (tests/harness/pcsc-sandbox --help).
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
_lib_cleanup() {
    local rc=$?
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

# A sanitizer build of the provider module can only be loaded by programs that start with the
# ASan runtime; the system's openssl, curl and python do not. SANITIZER_PRELOAD is what they
# need in LD_PRELOAD (empty in a normal build), with the shim that keeps curl from hanging at
# start-up (provider/tests/asan_preload_fix.c).
SANITIZER_PRELOAD=
if [ "${TSCNS_SANITIZE:-0}" = 1 ]; then
    SANITIZER_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)
    SANITIZER_PRELOAD+=:$TSCNS_BUILD/lib/tscns-asan-preload-fix.so
fi
# Prefix for a system program that loads the module: OPENSSL_CONF=... "${SYSPROG[@]}" openssl ...
# (an array, not a function, so that `... &` still gives the program's own pid in $!; leak
# reports are off for it: they would be about that program, not about the module)
SYSPROG=()
if [ -n "$SANITIZER_PRELOAD" ]; then
    SYSPROG=(env "LD_PRELOAD=$SANITIZER_PRELOAD" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1)
fi
