#!/usr/bin/env bash
# The module must export OSSL_provider_init and nothing else (its static cardio stays inside).
set -euo pipefail
module=${1:?usage: check-exports.sh tscns.so}
exported=$(nm -D --defined-only "$module" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort)
if [ "$exported" != "OSSL_provider_init" ]; then
    echo "FAIL: $module exports:" >&2
    echo "$exported" >&2
    exit 1
fi
echo "ok: $module exports only OSSL_provider_init"
