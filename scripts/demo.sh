#!/usr/bin/env bash
# The main job on a fresh machine: installs what Berth needs, builds it, makes a busybox bundle from
# Debian's busybox-static, and runs `echo hello` in it with berth-runtime. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-machine.sh
scripts/build.sh

work="$(mktemp -d /tmp/berth-demo.XXXXXX)"
id="berth-demo-$$"
cleanup() {
  bin/berth-runtime --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

scripts/make-busybox-bundle.sh "$work/bundle" echo hello from a berth container
echo "demo: running 'echo hello from a berth container' in $work/bundle with bin/berth-runtime"
bin/berth-runtime --root "$work/state" run --bundle "$work/bundle" "$id"
