#!/usr/bin/env bash
# Trains berthd's AOT cache on what a daemon does in its first minute: a private berthd (its own socket,
# data and exec roots) is driven through the Engine API with curl: import, save, remove and load an
# image, create, start, wait, logs, inspect, list and remove a container, then `docker run --rm` as
# the docker CLI makes it 60 times (BERTH_AOT_RUNS), then stopped with SIGTERM, at which the JVM writes
# the cache. Usage: aot-train-berthd.sh CACHE JAVA-FLAGS... (from aot-train.sh,
# root only). Whatever the run made is removed, whether it worked or not.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cache="$1"; shift
lib="$berth_root/lib"
work="$(mktemp -d /tmp/berth-aotd.XXXXXX)" # short: sockets live under it
pid=""
new_cgroups=()
for h in /sys/fs/cgroup/*/; do [ -d "$h/berth" ] || new_cgroups+=("$h/berth"); done
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  grep -o " $work[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$work"
  for c in "${new_cgroups[@]}"; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  return 0
}
trap cleanup EXIT
api() { curl -sf --max-time 30 --unix-socket "$work/s" "$@"; }

"$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$cache" -Xlog:disable "$@" --enable-native-access=ALL-UNNAMED \
  -Dberth.home="$berth_root" -cp "$(cat "$lib/berthd.classpath")" dev.berth.daemon.Main \
  -H "unix://$work/s" --data-root "$work/data" --exec-root "$work/run" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 150); do api http://b/_ping >/dev/null && break; sleep 0.2; done
"$berth_root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
tar -C "$work/bundle/rootfs" -cf "$work/rootfs.tar" .
api -X POST --data-binary @"$work/rootfs.tar" "http://b/v1.50/images/create?fromSrc=-&repo=train&tag=1" >/dev/null
api "http://b/v1.50/images/get?names=train:1" -o "$work/image.tar"
api -X DELETE "http://b/v1.50/images/train:1" >/dev/null
api -X POST --data-binary @"$work/image.tar" "http://b/v1.50/images/load?quiet=1" >/dev/null
api http://b/v1.50/images/json >/dev/null
for round in 1 2 3; do
  id=$(api -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"train:1","Cmd":["echo","trained"],"HostConfig":{"NetworkMode":"none"}}' \
    http://b/v1.50/containers/create | sed -n 's/.*"Id" *: *"\([0-9a-f]*\)".*/\1/p')
  [ -n "$id" ] || break
  api -X POST "http://b/v1.50/containers/$id/start" >/dev/null
  api -X POST "http://b/v1.50/containers/$id/wait" >/dev/null
  api "http://b/v1.50/containers/$id/logs?stdout=1&stderr=1" >/dev/null
  api "http://b/v1.50/containers/$id/json" >/dev/null
  api "http://b/v1.50/containers/json?all=1" >/dev/null
  api -X DELETE "http://b/v1.50/containers/$id?force=1" >/dev/null
done
# `docker run --rm` as the CLI makes it, many times: the cache keeps the methods' profiles (JDK 25),
# with which the daemon compiles its hot path after far fewer runs.
for round in $(seq "${BERTH_AOT_RUNS:-60}"); do
  id=$(api -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"train:1","Cmd":["true"],"AttachStdout":true,"AttachStderr":true,"HostConfig":{"NetworkMode":"none","AutoRemove":true}}' \
    http://b/v1.50/containers/create | sed -n 's/.*"Id" *: *"\([0-9a-f]*\)".*/\1/p')
  [ -n "$id" ] || break
  api -X POST "http://b/v1.50/containers/$id/wait?condition=removed" >/dev/null &
  waiter=$!
  api -X POST "http://b/v1.50/containers/$id/start" >/dev/null
  wait "$waiter"
done
api -X POST "http://b/v1.50/images/prune" >/dev/null
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" 2>/dev/null
pid=""
[ -s "$cache" ]
