#!/usr/bin/env bash
# The main job on a fresh machine: installs what Berth needs, builds it, runs `echo hello` in a busybox
# bundle with berth-runtime, then starts berthd, loads the local busybox and hello-world images and
# runs containers through the Engine API with the docker CLI (curl where no CLI is installed). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-machine.sh
scripts/build.sh

work="$(mktemp -d /tmp/bd.XXXX)" # short: shim sockets live under the data root
id="berth-demo-$$"
berthd_pid=""
cleanup() {
  if [ -n "$berthd_pid" ]; then
    ids="$(DOCKER_HOST="unix://$work/berth.sock" docker ps -aq 2>/dev/null || true)"
    [ -z "$ids" ] || DOCKER_HOST="unix://$work/berth.sock" docker rm -f $ids >/dev/null 2>&1 || true
    kill "$berthd_pid" 2>/dev/null || true
    wait "$berthd_pid" 2>/dev/null || true
  fi
  bin/berth-runtime --root "$work/state" delete --force "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== the runtime alone: bin/berth-runtime runs a bundle"
scripts/make-busybox-bundle.sh "$work/bundle" echo hello from a berth container
bin/berth-runtime --root "$work/state" run --bundle "$work/bundle" "$id"

echo "== the daemon: bin/berthd serves the Engine API on $work/berth.sock"
bin/berthd -H "unix://$work/berth.sock" --data-root "$work/data" --exec-root "$work/run" >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 100); do [ -S "$work/berth.sock" ] && break; sleep 0.1; done
scripts/make-base-images.sh "$work/images" >/dev/null
export DOCKER_HOST="unix://$work/berth.sock"
if command -v docker >/dev/null; then
  docker load -i "$work/images/busybox.tar"
  docker load -i "$work/images/hello-world.tar"
  docker run --rm hello-world
  docker run --rm busybox echo hello from a container berthd started
  docker run -d --name demo busybox sh -c 'echo serving; sleep 300' >/dev/null
  docker ps
  docker logs demo
  docker rm -f demo >/dev/null
else
  api() { curl -sf --unix-socket "$work/berth.sock" "$@"; }
  api -X POST --data-binary @"$work/images/busybox.tar" -H 'Content-Type: application/x-tar' http://berth/images/load
  cid=$(api -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["echo","hello from a container berthd started"]}' \
    http://berth/containers/create | sed 's/.*"Id":"\([0-9a-f]*\)".*/\1/')
  api -X POST "http://berth/containers/$cid/start"
  api -X POST "http://berth/containers/$cid/wait"
  api "http://berth/containers/$cid/logs?stdout=1" | tr -d '\000-\010'
  api -X DELETE "http://berth/containers/$cid"
fi
