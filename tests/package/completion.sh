#!/usr/bin/env bash
# The bash completion (contrib/bash-completion/tscns) offers exactly what `--help` lists: the
# commands and subcommands, and for each of them the options of its option lines (lines that
# start with spaces and a dash), global ones included. A new command or option added to the
# program but not to the completion, or one the completion invents, fails here.
#   completion.sh TSCNS COMPLETION-FILE
set -euo pipefail
tscns=$1
# shellcheck source=/dev/null
. "$2"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

complete_words() { # words typed so far, the last one being completed
    COMP_WORDS=(tscns "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _tscns
    printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

help_options() { # the options defined in `tscns WORDS --help`
    "$tscns" "$@" --help | sed -n 's/^ \{2,\}\(-[a-zA-Z]\), \(--[a-z0-9-]*\).*/\1\n\2/p
s/^ \{2,\}\(--[a-z0-9-]*\).*/\1/p' | sort -u
}

same() { # actual expected what
    [ "$1" = "$2" ] || fail "$3: completion offers
$1
but --help lists
$2"
}

commands=$("$tscns" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\{1,\}\) .*/\1/p' | sort)
[ -n "$commands" ] || fail "no command found in tscns --help"
same "$(complete_words "")" "$(printf '%s\n' "$commands" "$(help_options)" | sort -u)" "tscns"

checked=0
for cmd in $commands; do
    case $cmd in
    pin) subs=$("$tscns" pin --help | sed -n 's/^\(Usage:\)\{0,1\} *tscns pin \([a-z]*\) .*/\2/p') ;;
    extend) subs=$("$tscns" extend --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z]\{1,\}\) .*/\1/p') ;;
    *) subs= ;;
    esac
    if [ -z "$subs" ]; then
        same "$(complete_words "$cmd" -)" "$(help_options "$cmd")" "tscns $cmd"
        checked=$((checked + 1))
        continue
    fi
    same "$(complete_words "$cmd" "")" "$(printf '%s\n' "$subs" "$(help_options "$cmd")" | sort -u)" \
        "tscns $cmd"
    for sub in $subs; do
        same "$(complete_words "$cmd" "$sub" -)" "$(help_options "$cmd" "$sub")" "tscns $cmd $sub"
        checked=$((checked + 1))
    done
done
# Files where a file is expected: after -o, and as extend install's FILE.
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
touch renewed.pem
same "$(complete_words cert -o re)" renewed.pem "tscns cert -o re"
same "$(complete_words extend install re)" renewed.pem "tscns extend install re"
echo "completion matches --help for every command ($checked option lists)"
