#!/usr/bin/env bash
# tests/package/clean-root.sh DEB — the package on a clean Debian 12 machine: a minimal root
# (tests/package/debian12-root.sh, cached), where `apt install ./tscns_*.deb` resolves the
# dependencies from Debian's archive; then `tscns --version`, the bash completion, the provider
# configured with `tscns setup --system` and listed by `openssl list -providers`, `tscns doctor`
# with no PC/SC service (exit 2, as documented), `setup --system --undo`; and `apt purge tscns`
# leaves none of the files `dpkg -L tscns` listed (directories other packages own excepted).
# Needs root. The root is unpacked into /var/tmp and removed on exit; its mounts live in a
# private mount namespace, so they end with this script whatever happens.
set -euo pipefail

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

if [ "${1:-}" = --inside ]; then
    root=$2
    # The mounts apt, dpkg and OpenSSL need; unmounted on exit (the namespace would drop them
    # anyway when this process ends).
    trap 'umount "$root/sys" "$root/dev" "$root/proc" 2>/dev/null; true' EXIT
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    mount -t sysfs sysfs "$root/sys"
    # A clean login environment: nothing from the caller's (OPENSSL_CONF, PATH to a build).
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/bash /tmp/steps.sh
fi

[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 tscns_VERSION_ARCH.deb" >&2; exit 2; }
deb=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
version=$(dpkg-deb --field "$deb" Version)

# The package never edits a configuration file: it has no maintainer script and no conffile.
control=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | sed 's|^\./||' | grep . | sort | tr '\n' ' ')
[ "$control" = "control md5sums " ] || fail "control files beyond control and md5sums: $control"
if dpkg-deb --contents "$deb" | awk '{ print $6 }' | grep -q '^\./etc/'; then
    fail "the package ships files in /etc"
fi

tar=$("$here/debian12-root.sh")
start=$(date +%s)
root=$(mktemp -d /var/tmp/tscns-clean-root.XXXXXX)
trap 'rm -rf --one-file-system "$root"' EXIT
tar -C "$root" -xf "$tar"
cp "$deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
echo "== root unpacked in $(($(date +%s) - start)) s" >&2

cat >"$root/tmp/steps.sh" <<STEPS
set -euo pipefail
deb=/tmp/$(basename "$deb")
version=$version
$(declare -f fail)
STEPS
cat >>"$root/tmp/steps.sh" <<'STEPS'
show() { echo "\$ $*" >&2; "$@"; }

apt-get update -q >/tmp/apt.log 2>&1 || { cat /tmp/apt.log >&2; fail "apt-get update"; }
echo "== apt install $deb" >&2
apt install -y "$deb" >/tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "apt install"; }
sed -n '/^The following NEW packages/,/^[0-9]* upgraded/p' /tmp/install.log >&2
for p in tscns libssl3 libpcsclite1 pcscd openssl; do
    dpkg-query -W -f='${Status}' "$p" | grep -q 'install ok installed' || fail "$p is not installed"
done
cp /etc/ssl/openssl.cnf /tmp/openssl.cnf.before

out=$(show tscns --version)
echo "$out" >&2
[ "$out" = "tscns $version" ] || fail "tscns --version: $out"
modules=$(openssl version -m | sed 's/^MODULESDIR: "\(.*\)"$/\1/')
[ -f "$modules/tscns.so" ] || fail "tscns.so is not in OpenSSL's modules directory $modules"
for page in /usr/share/man/man1/tscns.1.gz /usr/share/man/man7/tscns-provider.7.gz \
    /usr/share/doc/tscns/examples/openssl.cnf; do
    [ -s "$page" ] || fail "$page missing"
done
words=$(bash -c '. /usr/share/bash-completion/completions/tscns
COMP_WORDS=(tscns pin ""); COMP_CWORD=2; _tscns; echo "${COMPREPLY[*]}"')
case $words in "verify change unblock "*) ;; *) fail "completion of tscns pin: $words" ;; esac

echo "== the provider, configured for every program" >&2
show tscns setup --system
show openssl list -providers | tee /tmp/providers >&2
grep -q '^  tscns$' /tmp/providers || fail "openssl list -providers shows no tscns"
grep -q 'name: tscns: TS-CNS smart card provider' /tmp/providers || fail "the provider's name"
grep -A3 '^  tscns$' /tmp/providers | grep -q 'status: active' || fail "tscns is not active"

echo "== tscns doctor, with no PC/SC service running" >&2
set +e
show tscns doctor >/tmp/doctor 2>&1
rc=$?
tscns doctor --json >/tmp/doctor.json 2>/dev/null
set -e
cat /tmp/doctor >&2
[ "$rc" -eq 2 ] || fail "tscns doctor exited $rc, expected 2 (no PC/SC service)"
status() { sed -n "/\"check\": \"$1\"/{n;s/.*\"status\": \"\([a-z]*\)\".*/\1/p}" /tmp/doctor.json; }
for c in pcscd:problem readers:skipped card:skipped provider_module:ok provider_load:ok \
    openssl_config:ok; do
    [ "$(status "${c%%:*}")" = "${c#*:}" ] || fail "doctor: ${c%%:*} is '$(status "${c%%:*}")', expected ${c#*:}"
done
grep -q "provider_module.*$modules/tscns.so" /tmp/doctor || fail "doctor names another module"
grep -q 'systemctl start pcscd' /tmp/doctor || fail "doctor does not say how to start pcscd"

show tscns setup --system --undo
cmp /etc/ssl/openssl.cnf /tmp/openssl.cnf.before || fail "openssl.cnf differs after --undo"
[ ! -e /etc/ssl/openssl.cnf.tscns-backup ] || fail "setup's backup left after --undo"

echo "== apt purge tscns" >&2
dpkg -L tscns >/tmp/files
apt purge -y tscns >/tmp/purge.log 2>&1 || { cat /tmp/purge.log >&2; fail "apt purge"; }
grep -E '^(Removing|Purging)' /tmp/purge.log >&2
! dpkg-query -W -f='${Status}' tscns 2>/dev/null | grep -q installed || fail "tscns still known to dpkg"
left=0
while IFS= read -r f; do
    [ -e "$f" ] && [ "$f" != /. ] || continue
    # A directory stays when another installed package has files in it (/usr/bin, ...).
    if [ -d "$f" ] && dpkg -S "$f" >/dev/null 2>&1; then continue; fi
    echo "left behind: $f" >&2
    left=$((left + 1))
done </tmp/files
[ "$left" -eq 0 ] || fail "$left files of the package left after purge"
if compgen -G "/var/lib/dpkg/info/tscns.*" >/dev/null; then fail "dpkg's records of tscns left"; fi
cmp /etc/ssl/openssl.cnf /tmp/openssl.cnf.before || fail "openssl.cnf changed"
echo "purge: none of the $(wc -l </tmp/files) paths dpkg -L listed is left (shared directories excepted)" >&2
STEPS

unshare --mount --propagation private "$0" --inside "$root"
echo "clean-root: install, use and purge passed in $(($(date +%s) - start)) s" >&2
