#!/usr/bin/env bash
# Makes a Debian image as a docker-archive, DIR/debian.tar (default out/base-images), tagged
# debian:<suite> and debian:latest: debootstrap --variant=minbase from the apt mirror this machine
# already uses (there is no other internet), imported by Berth's own importer. The suite is this
# machine's (/etc/os-release); DEBIAN_MIRROR and DEBIAN_SUITE override. Needs root and
# scripts/build.sh's lib/. Whatever debootstrap mounted is unmounted and its directory removed, even
# when it fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/lib.sh"
out="${1:-$root/out/base-images}"

die() { echo "make-debian-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"

suite="${DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}"
[ -n "$suite" ] || die "no VERSION_CODENAME in /etc/os-release: set DEBIAN_SUITE"

# The first enabled "deb" source for $suite: one-line sources (sources.list, *.list) and deb822 stanzas
# (*.sources). Prints "URI KEYRING FILE", the keyring "-" when the source names none.
find_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v suite="$suite" -v file="$f" '
      $1 == "deb" {
        i = 2; keyring = ""
        if ($2 ~ /^\[/) {
          for (; i <= NF; i++) {
            if ($i ~ /signed-by=/) { keyring = $i; sub(/.*signed-by=/, "", keyring); sub(/\]$/, "", keyring) }
            if ($i ~ /\]$/) { i++; break }
          }
        }
        if ($(i + 1) == suite) { print $i, (keyring == "" ? "-" : keyring), file; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v suite="$suite" -v file="$f" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " suite " ")) {
          split(uris, u, " "); print u[1], (keyring == "" ? "-" : keyring), file; found = 1; exit
        }
        types = uris = suites = keyring = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { next }
      { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
        if (key == "types") types = $0; else if (key == "uris") uris = $0; else if (key == "suites") suites = $0
        else if (key == "signed-by") keyring = $0; else if (key == "enabled") enabled = tolower($0) }
      END { if (!found) flush() }' "$f"
  done
}

if [ -n "${DEBIAN_MIRROR:-}" ]; then
  mirror="$DEBIAN_MIRROR" keyring="" source_file="DEBIAN_MIRROR"
else
  read -r mirror keyring source_file < <(find_mirror | head -n1) || true
  [ -n "${mirror:-}" ] || die "no apt source for suite $suite in /etc/apt/sources.list or /etc/apt/sources.list.d"
  [ "$keyring" = "-" ] && keyring=""
fi
mirror="${mirror%/}"

# Fail here, naming the mirror, rather than deep in debootstrap.
if ! err="$(curl -fsS --max-time 30 -o /dev/null "$mirror/dists/$suite/Release" 2>&1)"; then
  die "the apt mirror $mirror (from $source_file) is unreachable: $err"
fi

mkdir -p "$out"
work="$(mktemp -d "${TMPDIR:-/tmp}/berth-debian.XXXXXX")"
target="$work/rootfs"
cleanup() {
  # debootstrap mounts proc, sys and more inside the target; a failure leaves them mounted.
  local m
  awk -v t="$target" '$2 == t || index($2, t "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--variant=minbase)
[ -n "$keyring" ] && [ -r "$keyring" ] && args+=("--keyring=$keyring")
echo "make-debian-image: debootstrap $suite from $mirror"
if ! debootstrap "${args[@]}" "$suite" "$target" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -n 30 "$work/debootstrap.log" >&2
  die "debootstrap $suite from $mirror failed (the log's end is above)"
fi

# What a container gets from its engine, and caches an image does not carry, as Docker's debian.
rm -rf "$target"/var/cache/apt/archives/*.deb "$target"/var/lib/apt/lists/* "$target"/var/log/*.log
rm -f "$target/etc/resolv.conf" "$target/etc/hostname"
tar --numeric-owner --xattrs --xattrs-include='*' -C "$target" \
  --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' --exclude='./tmp/*' \
  -cf "$work/rootfs.tar" .
version="$(cat "$target/etc/debian_version")"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$root/lib/*" dev.berth.images.base.RootfsArchiveMain \
  "$out/debian.tar" "$work/rootfs.tar" --tag "debian:$suite" --tag "debian:latest" \
  --change 'CMD ["bash"]' --message "debootstrap --variant=minbase $suite ($version) from $mirror" >/dev/null
echo "$out/debian.tar"
