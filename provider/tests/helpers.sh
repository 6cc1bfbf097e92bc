# Helpers shared by tests/integration/provider-*.sh (sourced after tests/integration/lib.sh).
# Servers started here are stopped by the EXIT trap, before lib.sh removes the temp dir.

PROVIDER_MODULE=$TSCNS_BUILD/lib/tscns.so
# A sanitizer build of the module can only be loaded by programs that start with the ASan
# runtime; the system's openssl, curl and python do not, so preload it, with the fix that
# keeps curl from hanging at start-up (provider/tests/asan_preload_fix.c). Leak reports are
# off: they would be about those programs, not about the module.
if [ -n "$SANITIZER_PRELOAD" ]; then
    _asan_fix=$TSCNS_BUILD/lib/tscns-asan-preload-fix.so
    [ -f "$_asan_fix" ] || fail "no $_asan_fix (build tscns_asan_preload_fix)"
    LD_PRELOAD=$SANITIZER_PRELOAD
    export LD_PRELOAD ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
fi
[ -f "$PROVIDER_MODULE" ] || fail "no provider module at $PROVIDER_MODULE (build tscns_provider)"
export OPENSSL_MODULES=$TSCNS_BUILD/lib

_prov_pids=()
_prov_cleanup() {
    local pid
    # Servers that already finished (-naccept) are gone, and a killed one exits non-zero:
    # neither is a test result, so errexit is off while tearing down.
    set +e
    for pid in "${_prov_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    return 0
}
trap '_prov_rc=$?; _prov_cleanup; (exit $_prov_rc); _lib_cleanup' EXIT

# An OpenSSL config activating default then tscns, as examples/openssl.cnf does:
#   prov_conf FILE [PIN-SOURCE] [extra tscns_sect lines...]
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

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until FILE contains TEXT (bounded; the server prints it once it listens).
await_text() { # FILE TEXT WHAT
    local i
    for i in $(seq 1 200); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "$3: no '$2' in $1 after 10 s: $(cat "$1" 2>/dev/null)"
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
