#!/usr/bin/env bash
# tests/package/debian12-root.sh — a minimal Debian 12 root for the package's clean-machine test,
# made once with `debootstrap --variant=minbase bookworm` from Debian's archive and kept as a
# tar outside the clone, so later runs only unpack it. Prints the tar's path.
#
#   TSCNS_ROOT_CACHE   the cache folder (default /var/cache/tscns-debootstrap)
#   TSCNS_MIRROR       the Debian mirror (default http://deb.debian.org/debian)
#   --refresh          make the root again even when the tar exists
set -euo pipefail

cache=${TSCNS_ROOT_CACHE:-/var/cache/tscns-debootstrap}
mirror=${TSCNS_MIRROR:-http://deb.debian.org/debian}
tar=$cache/bookworm.tar
case "${1:-}" in
--refresh) rm -f "$tar" ;;
"") ;;
*) echo "usage: $0 [--refresh]" >&2; exit 2 ;;
esac
if [ -s "$tar" ]; then
    echo "$tar"
    exit 0
fi

command -v debootstrap >/dev/null || { echo "$0: debootstrap is not installed" >&2; exit 1; }
mkdir -p "$cache"
root=$(mktemp -d "$cache/root.XXXXXX")
# debootstrap mounts /proc and /sys in the root: in a private mount namespace they go away with
# it whatever happens, and the removal stays on this file system.
trap 'rm -rf --one-file-system "$root" "$tar.part"' EXIT
start=$(date +%s)
echo "== debootstrap --variant=minbase bookworm from $mirror (once; cached in $tar)" >&2
unshare --mount --propagation private \
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
# The archive a Debian 12 machine uses: the release, its updates and the security archive, so
# the package's dependencies resolve against the versions users get.
cat >"$root/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${TSCNS_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
LIST
# A chroot has no init: packages installed in it (pcscd) must not try to start services.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" --numeric-owner -cf "$tar.part" .
mv "$tar.part" "$tar"
echo "== root made and cached in $(($(date +%s) - start)) s ($(du -h "$tar" | cut -f1))" >&2
echo "$tar"
