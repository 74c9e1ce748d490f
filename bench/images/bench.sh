#!/usr/bin/env bash
# Load + unpack of a ~300 MB image with three data layers: Berth (into a fresh store and snapshots)
# against `docker load` into a private dockerd, side by side in one run. Writes RESULTS.md. Root only.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib.sh"
runs="${RUNS:-3}"
work="$(mktemp -d /var/tmp/berth-bench-images.XXXXXX)"
export DOCKER_HOST="unix://$work/docker.sock"
dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/docker.pid" -H "$DOCKER_HOST" \
  --bridge=none --iptables=false --ip-masq=false >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
cleanup() {
  kill "$dockerd_pid" 2>/dev/null || true
  wait "$dockerd_pid" 2>/dev/null || true
  awk '{print $5}' /proc/self/mountinfo | grep "^$work" | sort -r | xargs -r -n1 umount -l
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done

"$root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
tar -C "$work/bundle/rootfs" -cf "$work/base.tar" .
docker import "$work/base.tar" bench:0 >/dev/null
for layer in 1 2 3; do  # ~100 MB of incompressible files per layer
  docker run --name "l$layer" --network none "bench:$((layer - 1))" sh -c \
    "mkdir /data$layer && for i in \$(seq 1 500); do head -c 200000 /dev/urandom > /data$layer/f\$i; done" 
  docker commit "l$layer" "bench:$layer" >/dev/null && docker rm "l$layer" >/dev/null
done
docker save -o "$work/image.tar" bench:3
size_mb=$(( $(stat -c %s "$work/image.tar") / 1024 / 1024 ))

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
docker_ms=$(for _ in $(seq 1 "$runs"); do
  docker rmi -f bench:3 bench:2 bench:1 bench:0 >/dev/null 2>&1 || true
  sync; s=$(date +%s%N); docker load -q -i "$work/image.tar" >/dev/null; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
done | median)
# Compiled once, so that no run pays for compiling the harness.
"$JAVA_HOME/bin/javac" -d "$work/classes" -cp "$root/lib/*" "$here/LoadBench.java"
berth_ms=$(for _ in $(seq 1 "$runs"); do
  sync; "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$work/classes:$root/lib/*" LoadBench \
    "$work/image.tar" "$work" bench:3
  rm -rf "$work"/load*
done | median)

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r); dockerd $(docker version -f '{{.Server.Version}}'); a ${size_mb} MB docker-archive with 4 layers; $runs runs each, medians."
  echo
  echo "| what | docker load | Berth load + unpack | Berth / docker | target |"
  echo "|---|---|---|---|---|"
  echo "| ${size_mb} MB, 4 layers (ms) | $docker_ms | $berth_ms | $(awk -v a="$berth_ms" -v b="$docker_ms" 'BEGIN{printf "%.2f", a/b}') | ≤ 0.5 |"
} > "$here/RESULTS.md"
cat "$here/RESULTS.md"
