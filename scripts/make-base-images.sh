#!/usr/bin/env bash
# Makes the local base images as docker-archives in DIR (default out/base-images): busybox (Debian's
# busybox-static) and hello-world (a static program built here). No registry, no internet.
# Load them with `docker load -i DIR/busybox.tar` or Berth's loader. Run after scripts/build.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/lib.sh"
out="${1:-$root/out/base-images}"
mkdir -p "$out"
gcc -static -Os -Wall -Wextra -Werror -o "$out/hello" "$root/berth-images/base/hello-world/hello.c"
strip "$out/hello"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$root/lib/*" dev.berth.images.base.BaseImagesMain "$out" "$out/hello"
rm -f "$out/hello"
