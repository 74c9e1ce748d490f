#!/usr/bin/env bash
# Builds everything into lib/ (jars, native programs) and the launchers' AOT caches.
# Usage: scripts/build.sh [extra maven args]   (tests are skipped; scripts/test.sh runs them)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$berth_root"
rm -rf lib
# berth-dist lays out lib/ and records the launchers' AOT caches at package time.
mvn -B -q -DskipTests -DskipITs install "$@"
echo "build: lib/ ready; launchers in bin/"
