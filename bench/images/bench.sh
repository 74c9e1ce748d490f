#!/usr/bin/env bash
# Load + unpack of a ~300 MB docker-archive with three data layers, side by side in one run:
# `docker load` through the same docker CLI against a private dockerd and against bin/berthd (each
# unpacks what it loads), and Berth's library in one JVM (LoadBench: a fresh store and snapshots per
# run, after one untimed load in the same JVM). Runs alternate between the peers so that both see the
# same machine. Writes RESULTS.md. Root only; run after scripts/build.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib.sh"
runs="${RUNS:-5}"
work="$(mktemp -d /var/tmp/berth-bench-images.XXXXXX)"
D="DOCKER_HOST=unix://$work/docker.sock"
B="DOCKER_HOST=unix://$work/berth.sock"
dockerd_pid=""; berthd_pid=""
cleanup() {
  for pid in $dockerd_pid $berthd_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $dockerd_pid $berthd_pid; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  awk '{print $5}' /proc/self/mountinfo | grep "^$work" | sort -r | xargs -r -n1 umount -l || true
  rm -rf "$work"
}
trap cleanup EXIT
dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" -H "unix://$work/docker.sock" \
  --bridge=none --iptables=false --ip-masq=false >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
"$root/bin/berthd" -H "unix://$work/berth.sock" --data-root "$work/berth" --exec-root "$work/brun" \
  >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 300); do
  env "$D" docker version >/dev/null 2>&1 && env "$B" docker version >/dev/null 2>&1 && break
  sleep 0.2
done

"$root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
tar -C "$work/bundle/rootfs" -cf "$work/base.tar" .
env "$D" docker import "$work/base.tar" bench:0 >/dev/null
for layer in 1 2 3; do  # ~100 MB of incompressible files per layer
  env "$D" docker run --name "l$layer" --network none "bench:$((layer - 1))" sh -c \
    "mkdir /data$layer && for i in \$(seq 1 500); do head -c 200000 /dev/urandom > /data$layer/f\$i; done"
  env "$D" docker commit "l$layer" "bench:$layer" >/dev/null && env "$D" docker rm "l$layer" >/dev/null
done
env "$D" docker save -o "$work/image.tar" bench:3
env "$D" docker rmi -f bench:3 bench:2 bench:1 bench:0 >/dev/null
size_mb=$(( $(stat -c %s "$work/image.tar") / 1024 / 1024 ))
# Warm-up, as hyperfine's: each daemon loads (and removes) the image twice before the timed runs, so
# that neither is timed on its first load (berthd's JIT compiles the load path on its first ones).
for _ in 1 2; do
  for h in "$D" "$B"; do
    env "$h" docker load -qi "$work/image.tar" >/dev/null && env "$h" docker rmi -f bench:3 >/dev/null
  done
done
"$JAVA_HOME/bin/javac" -d "$work/classes" -cp "$root/lib/*" "$here/LoadBench.java"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
: >"$work/docker.ms"; : >"$work/berthd.ms"; : >"$work/library.ms"
for _ in $(seq 1 "$runs"); do
  sync; ms env "$D" docker load -qi "$work/image.tar" >>"$work/docker.ms"
  env "$D" docker rmi -f bench:3 >/dev/null
  sync; ms env "$B" docker load -qi "$work/image.tar" >>"$work/berthd.ms"
  env "$B" docker rmi -f bench:3 >/dev/null
  sync; "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$work/classes:$root/lib/*" LoadBench \
    "$work/image.tar" "$work" bench:3 >>"$work/library.ms"
  rm -rf "$work"/load*
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
d=$(median "$work/docker.ms"); b=$(median "$work/berthd.ms"); l=$(median "$work/library.ms")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r); dockerd $(env "$D" docker version -f '{{.Server.Version}}'); a ${size_mb} MB docker-archive with 4 layers; $runs runs each, alternating, medians."
  echo
  echo "| what | docker load (dockerd) | Berth | Berth / dockerd | target |"
  echo "|---|---|---|---|---|"
  echo "| \`docker load\` of ${size_mb} MB, 4 layers, through the docker CLI (ms) | $d | $b (berthd) | $(ratio "$b" "$d") | ≤ 0.5 |"
  echo "| load + unpack in one warm JVM, no HTTP (ms) | $d | $l (library) | $(ratio "$l" "$d") | |"
} > "$here/RESULTS.md"
cat "$here/RESULTS.md"
