#!/usr/bin/env bash
# Runs every test: unit tests, native tests, and the integration tests against the real kernel and
# real peers (runc, crun, dockerd). Sets the machine up first. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-machine.sh
source scripts/lib.sh
rm -rf lib
# `install` builds lib/ (berth-dist, package phase) before the integration tests run from it.
mvn -B install "$@"
