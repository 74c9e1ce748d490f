#!/usr/bin/env bash
# Makes an OCI bundle whose rootfs is Debian's static busybox with its applets, and whose
# config.json (from `berth-runtime spec`) runs the given command. Usage: make-busybox-bundle.sh DIR CMD...
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUNDLE-DIR COMMAND [ARG...]" >&2; exit 2; }
bundle="$1"; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "error: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }

mkdir -p "$bundle/rootfs"/{bin,etc,tmp,proc,sys,dev,root}
chmod 1777 "$bundle/rootfs/tmp"
cp "$busybox" "$bundle/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$bundle/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$bundle/rootfs/etc/group"

rm -f "$bundle/config.json"
"$root/bin/berth-runtime" spec --bundle "$bundle"
args_json="$(printf '%s\n' "$@" | jq -R . | jq -s .)"
jq --argjson args "$args_json" '.process.args = $args | .process.terminal = false' \
  "$bundle/config.json" > "$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"
