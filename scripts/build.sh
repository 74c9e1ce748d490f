#!/usr/bin/env bash
# Builds everything into lib/ (jars, native programs) and the launchers' AOT caches.
# Usage: scripts/build.sh [extra maven args]   (tests are skipped; scripts/test.sh runs them)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$berth_root"
rm -rf lib
mvn -B -q -DskipTests -DskipITs install "$@"
"$berth_root/scripts/aot-train.sh"
echo "build: lib/ ready; launchers in bin/"
