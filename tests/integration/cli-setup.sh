#!/usr/bin/env bash
# `tscns setup` as a new user meets it, on a copy of Debian 12's stock /etc/ssl/openssl.cnf
# (debian12-openssl.cnf: providers commented out, an empty [openssl_init]) and on a customised
# copy (providers, legacy and ssl_conf already active): with only the printed export line, the
# printed curl and Python commands log in to the demo portal with the card. `--system` on a
# copy of each: a program with OPENSSL_CONF=that file uses the card, ordinary TLS and
# `openssl genrsa` still work, a second run changes nothing, `--undo` restores the file byte for
# byte; a module OpenSSL cannot load is refused and leaves the file as it was.
set -euo pipefail

if [ "${1:-}" = --inside ]; then
    . "$(dirname "$0")/lib.sh"
    profile=$2
    image=$TSCNS_IMAGE_0
    log=$TSCNS_LOG_0
    pin=$(image_field "$image" pin)
    cf=$(image_field "$image" personal.codice_fiscale)
    name="$(image_field "$image" personal.given_name) $(image_field "$image" personal.surname)"
    level=()
    [ "$(image_field "$image" key_bits)" -ge 2048 ] || level=(--seclevel1)
    example=https://www.example.it/
    server_cert
    start_portal "$image/ca.pem"
    url=https://127.0.0.1:$PORTAL_PORT/

    stock=$TSCNS_SRC/tests/integration/debian12-openssl.cnf
    grep -q '^# providers = provider_sect' "$stock" || fail "the stock file changed shape"
    # What an administrator may have done already: providers (with legacy) and TLS defaults on.
    # legacy by its full path: the tests' OPENSSL_MODULES points at the build tree.
    moddir=$(openssl version -m | sed 's/^MODULESDIR: "\(.*\)"$/\1/')
    sed -e 's/^# providers = provider_sect/providers = provider_sect\nssl_conf = ssl_sect/' \
        -e 's/^# \[provider_sect\]/[provider_sect]/' \
        -e 's/^# default = default_sect/default = default_sect\nlegacy = legacy_sect/' \
        -e 's/^# \[default_sect\]/[default_sect]/' \
        -e 's|^# activate = 1|activate = 1\n[legacy_sect]\nmodule = '"$moddir"'/legacy.so\nactivate = 1\n[ssl_sect]\nsystem_default = system_default_sect\n[system_default_sect]\nMinProtocol = TLSv1.2\nCipherString = DEFAULT@SECLEVEL=2|' \
        "$stock" >"$T/customised.cnf"
    assert_contains "$(OPENSSL_CONF=$T/customised.cnf openssl list -providers)" legacy \
        "the customised file loads legacy"

    check_answer() { # FILE WHAT
        assert_contains "$(cat "$1")" "Benvenuto, $name" "$2: holder name"
        assert_contains "$(cat "$1")" "codice fiscale: $cf" "$2: codice fiscale"
    }
    # A command setup printed (the line after its two spaces), with the portal in place of the
    # example address, run as the user would after the export line: no terminal, so OpenSSL's
    # PIN prompt reads the PIN from standard input. The portal's CA comes from the environment.
    run_printed() { # SETUP-OUTPUT PREFIX OUT
        local export_line cmd
        export_line=$(sed -n 's/^  \(export OPENSSL_CONF=.*\)$/\1/p' "$1")
        cmd=$(sed -n "s/^  \\($2 .*\\)\$/\\1/p" "$1")
        [ -n "$export_line" ] && [ -n "$cmd" ] || fail "setup printed no '$2' command: $(cat "$1")"
        cmd=${cmd/$example/$url}
        cmd=${cmd/#python3 /$PY }
        (
            unset OPENSSL_CONF
            eval "$export_line"
            printf '%s\n' "$pin" |
                CURL_CA_BUNDLE=$T/server.pem SSL_CERT_FILE=$T/server.pem setsid -w bash -c "$cmd"
        ) >"$3" 2>"$3.err"
    }

    for variant in stock custom; do
        if [ "$variant" = stock ]; then src=$stock; else src=$T/customised.cnf; fi
        home=$T/home-$variant
        cp "$src" "$T/$variant.cnf"
        note "$profile, $variant file: tscns setup ${level[*]}"
        XDG_CONFIG_HOME=$home tscns setup --config "$T/$variant.cnf" "${level[@]}" \
            >"$T/setup.out" 2>"$T/setup.err" || fail "setup: $(cat "$T/setup.err")"
        cat "$T/setup.out" >&2
        assert_files_equal "$T/$variant.cnf" "$src" "the system file after a per-user setup"
        assert_eq "$(stat -c %a "$home/tscns")" 700 "mode of the per-user folder"
        assert_contains "$(cat "$home/tscns/key.pem")" "BEGIN TSCNS KEY REFERENCE" "key.pem"
        assert_files_equal "$home/tscns/cert.pem" "$image/cert.pem" "cert.pem"

        mark_log "$log"
        run_printed "$T/setup.out" curl "$T/answer" || fail "printed curl: $(cat "$T/answer.err")"
        check_answer "$T/answer" "printed curl, $variant"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent by the printed curl"
        run_printed "$T/setup.out" python3 "$T/answer" ||
            fail "printed python: $(cat "$T/answer.err")"
        check_answer "$T/answer" "printed python, $variant"

        providers=$(OPENSSL_CONF=$home/tscns/openssl.cnf openssl list -providers |
            sed -n 's/^  \([a-z]*\)$/\1/p' | tr '\n' ' ')
        if [ "$variant" = stock ]; then
            assert_eq "$providers" "default tscns " "providers under the per-user file"
        else
            assert_eq "$providers" "default legacy tscns " "providers under the per-user file"
            [ ${#level[@]} -eq 0 ] || grep -q '^MinProtocol = TLSv1.2$' "$home/tscns/openssl.cnf" ||
                fail "the customised TLS settings are lost with --seclevel1"
        fi
        OPENSSL_CONF=$home/tscns/openssl.cnf openssl genrsa 2048 >/dev/null 2>"$T/err" ||
            fail "genrsa under the per-user file: $(cat "$T/err")"
    done

    if [ ${#level[@]} -gt 0 ]; then
        note "$profile: RSA-1024 without --seclevel1: setup says what to do, curl cannot log in"
        XDG_CONFIG_HOME=$T/home-level2 tscns setup --config "$T/stock.cnf" >"$T/level2.out"
        assert_contains "$(cat "$T/level2.out")" "Run \`tscns setup --seclevel1\` instead" \
            "advice for an RSA-1024 card"
        if run_printed "$T/level2.out" curl "$T/answer"; then
            fail "curl logged in at security level 2 with an RSA-1024 key"
        fi
        assert_contains "$(cat "$T/answer.err")" "ee key too small" "curl at level 2"

        if run_printed "$T/level2.out" python3 "$T/answer"; then
            fail "python logged in at security level 2 with an RSA-1024 key"
        fi
        assert_contains "$(cat "$T/answer.err")" "EE_KEY_TOO_SMALL" "python at level 2"

        # Debian's Python is built with --with-ssl-default-suites=openssl: its
        # create_default_context() keeps the level the file sets. Upstream builds (pyenv) set
        # their own cipher string with level 2 over it: hence set_ciphers in the printed line.
        note "$profile: Debian's Python takes level 1 from the file; the printed line sets it too"
        assert_eq "$(OPENSSL_CONF=$T/home-stock/tscns/openssl.cnf "$PY" -c \
            'import ssl; print(ssl.create_default_context().security_level)')" 1 \
            "security level of Debian's Python under the per-user file"
        assert_contains "$(cat "$T/setup.out")" 'c.set_ciphers("DEFAULT@SECLEVEL=1"); ' \
            "set_ciphers in the printed Python line"
    fi

    note "$profile: tscns setup --undo removes the per-user files"
    XDG_CONFIG_HOME=$T/home-stock tscns setup --undo >/dev/null
    [ ! -e "$T/home-stock/tscns" ] || fail "the per-user folder is still there after --undo"

    for variant in stock custom; do
        if [ "$variant" = stock ]; then src=$stock; else src=$T/customised.cnf; fi
        sys=$T/system-$variant.cnf
        cp "$src" "$sys"
        note "$profile, $variant file: tscns setup --system ${level[*]}"
        tscns setup --system --config "$sys" "${level[@]}" >"$T/system.out" 2>"$T/system.err" ||
            fail "setup --system: $(cat "$T/system.err")"
        cat "$T/system.out" >&2
        assert_files_equal "$sys.tscns-backup" "$src" "the backup"
        grep -q "^# BEGIN tscns setup" "$sys" || fail "no marked block in $sys"
        cp "$sys" "$T/after-setup.cnf"
        tscns setup --system --config "$sys" "${level[@]}" >"$T/again.out"
        assert_contains "$(cat "$T/again.out")" "nothing changed" "second --system run"
        assert_files_equal "$sys" "$T/after-setup.cnf" "the file after a second run"

        mark_log "$log"
        OPENSSL_CONF=$sys curl -sS --cacert "$T/server.pem" --cert "$T/home-custom/tscns/cert.pem" \
            --key "$T/home-custom/tscns/key.pem" --pass "$pin" -o "$T/answer" "$url" \
            2>"$T/err" || fail "curl under the system file: $(cat "$T/err")"
        check_answer "$T/answer" "curl under the system file, $variant"
        assert_eq "$(new_count "$log" VERIFY)" 1 "VERIFY sent by curl under the system file"

        mark_log "$log"
        OPENSSL_CONF=$sys openssl genrsa 2048 >/dev/null 2>"$T/err" ||
            fail "genrsa under the system file: $(cat "$T/err")"
        SERVER_PORT=$(free_port)
        SERVER_OUT=$T/s_server-$variant.out
        openssl s_server -accept "$SERVER_PORT" -cert "$T/server.pem" -key "$T/server.key" \
            -www -naccept 1 </dev/null >"$SERVER_OUT" 2>&1 &
        _prov_pids+=($!)
        await_text "$SERVER_OUT" ACCEPT s_server
        printf 'GET / HTTP/1.0\r\n\r\n' |
            OPENSSL_CONF=$sys openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
                -CAfile "$T/server.pem" -verify_return_error -ign_eof >"$T/client.out" 2>&1 ||
            fail "s_client under the system file: $(tail -n 20 "$T/client.out")"
        grep -q "Verify return code: 0 (ok)" "$T/client.out" || fail "s_client did not verify"
        assert_eq "$(new_total "$log")" 0 "APDUs of genrsa and s_client"

        tscns setup --system --config "$sys" --undo >/dev/null
        assert_files_equal "$sys" "$src" "the file after --undo"
        [ ! -e "$sys.tscns-backup" ] || fail "the backup is still there after --undo"
    done

    note "$profile: --undo refuses a file changed after setup, --force restores it anyway"
    sys=$T/system-stock.cnf
    tscns setup --system --config "$sys" >/dev/null
    echo "# an administrator's later line" >>"$sys"
    cp "$sys" "$T/changed.cnf"
    expect_fail tscns setup --system --config "$sys" --undo
    assert_contains "$OUT" "not the file tscns setup wrote" "--undo over a changed file"
    assert_files_equal "$sys" "$T/changed.cnf" "the changed file after a refused --undo"
    tscns setup --system --config "$sys" --undo --force >/dev/null
    assert_files_equal "$sys" "$stock" "the file after --undo --force"

    note "$profile: a file changed above the block: setup refuses, --force keeps the change"
    tscns setup --system --config "$sys" >/dev/null
    sed -i 's/^\[openssl_init\]$/# an administrator'"'"'s later line\n[openssl_init]/' "$sys"
    cp "$sys" "$T/changed.cnf"
    expect_fail tscns setup --system --config "$sys"
    assert_contains "$OUT" "was changed above setup's block" "--system over a changed file"
    assert_files_equal "$sys" "$T/changed.cnf" "the changed file after a refused --system"
    tscns setup --system --config "$sys" --force >/dev/null
    sed '/^# BEGIN tscns setup/,$d' "$T/changed.cnf" >"$T/changed-base.cnf"
    assert_files_equal "$sys.tscns-backup" "$T/changed-base.cnf" "the backup after --force"
    assert_contains "$(tscns setup --system --config "$sys")" "nothing changed" \
        "a run after --force"
    tscns setup --system --config "$sys" --undo >/dev/null
    assert_files_equal "$sys" "$T/changed-base.cnf" "--undo after --force"
    cp "$stock" "$sys"

    note "$profile: a module OpenSSL cannot load is refused, the file stays as it was"
    mkdir "$T/broken-modules"
    echo "not a library" >"$T/broken-modules/tscns.so"
    expect_fail env OPENSSL_MODULES="$T/broken-modules" tscns setup --system --config "$sys"
    assert_eq "$RC" 6 "exit code of a refused setup"
    assert_contains "$OUT" "OpenSSL does not load both default and tscns" "the failed check"
    assert_contains "$OUT" "refused: $sys is left as it was" "the refusal"
    assert_files_equal "$sys" "$stock" "the file after a refused setup"
    [ ! -e "$sys.tscns-backup" ] && [ ! -e "$sys.tscns-new" ] ||
        fail "a refused setup left a backup or a candidate file behind"

    # An engine that does not load is fatal at OpenSSL's start-up: the copied init section
    # keeps it, so `openssl version` fails under the result.
    note "$profile: a file OpenSSL cannot start with is refused, per user and with --system"
    sed 's|^\[openssl_init\]|[openssl_init]\nengines = engine_sect\n[engine_sect]\nbroken = broken_engine\n[broken_engine]\ndynamic_path = /nonexistent/engine.so\ninit = 1\n[openssl_init]|' \
        "$stock" >"$T/engine.cnf"
    cp "$T/engine.cnf" "$T/engine-orig.cnf"
    expect_fail tscns setup --system --config "$T/engine.cnf"
    assert_contains "$OUT" "\`openssl version\` fails under the new configuration" \
        "--system with a broken engine"
    assert_files_equal "$T/engine.cnf" "$T/engine-orig.cnf" "the file after a refused --system"
    expect_fail env XDG_CONFIG_HOME="$T/home-engine" tscns setup --config "$T/engine.cnf"
    assert_contains "$OUT" "refused: $T/home-engine/tscns/openssl.cnf is left as it was" \
        "per-user setup over a broken system file"
    [ ! -e "$T/home-engine/tscns/openssl.cnf" ] || fail "a refused per-user config was written"
    exit 0
fi

. "$(dirname "$0")/lib.sh"
mkimage athena "$T/athena"
mkimage st2021 "$T/st2021" --ca "$T/athena"
for profile in athena st2021; do
    sandbox --card "$profile:$T/$profile" -- bash "$0" --inside "$profile"
done
