#!/usr/bin/env bash
# berthd against a private dockerd (Debian's docker.io, with its containerd and runc), in one run:
# `docker run --rm busybox true` through the same docker CLI against each daemon (hyperfine, medians),
# for berthd with its own runtime and with runc, and for dockerd with runc and with bin/berth-runtime
# (--add-runtime berth); 50 detached containers (time to start them, resident
# memory per container's shim or containerd-shim, daemons' idle memory); `docker ps` with 100 containers.
# Writes bench/daemon/RESULTS.md and prints it. Run as root after scripts/build.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib.sh"
runs="${RUNS:-20}"
many="${MANY:-50}"
work="$(mktemp -d /tmp/bb.XXXX)" # short: shim sockets live under the data root
dockerd_pid=""; berthd_pid=""
cleanup() {
  for sock in "$work/docker.sock" "$work/berth.sock"; do
    if [ -S "$sock" ]; then
      ids="$(DOCKER_HOST="unix://$sock" docker ps -aq 2>/dev/null || true)"
      [ -z "$ids" ] || DOCKER_HOST="unix://$sock" docker rm -f $ids >/dev/null 2>&1 || true
    fi
  done
  for pid in $dockerd_pid $berthd_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $dockerd_pid $berthd_pid; do while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; done
  grep -o " $work[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/make-base-images.sh" "$work/images" >/dev/null
dockerd --data-root "$work/docker" --exec-root "$work/dexec" --pidfile "$work/docker.pid" \
  -H "unix://$work/docker.sock" --bridge=none --iptables=false --ip-masq=false \
  --add-runtime "berth=$root/bin/berth-runtime" >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
"$root/bin/berthd" -H "unix://$work/berth.sock" --data-root "$work/berth" --exec-root "$work/brun" \
  >"$work/berthd.log" 2>&1 &
berthd_pid=$!
for _ in $(seq 300); do
  DOCKER_HOST="unix://$work/docker.sock" docker version >/dev/null 2>&1 \
    && DOCKER_HOST="unix://$work/berth.sock" docker version >/dev/null 2>&1 && break
  sleep 0.2
done
D="DOCKER_HOST=unix://$work/docker.sock"
B="DOCKER_HOST=unix://$work/berth.sock"
env "$D" docker load -qi "$work/images/busybox.tar" >/dev/null
env "$B" docker load -qi "$work/images/busybox.tar" >/dev/null

# Twice: early (a fresh daemon after WARMUP runs; a JVM daemon compiles its hot paths during its first
# runs, dockerd is compiled ahead of time) and steady (after STEADY more runs each: a daemon's life).
run_bench() { # $1 = warm-up runs, $2 = output json
  hyperfine -N --warmup "$1" --runs "$runs" --export-json "$2" \
    -n dockerd "env $D docker run --rm busybox true" \
    -n berthd "env $B docker run --rm busybox true" \
    -n berthd-runc "env $B docker run --rm --runtime runc busybox true" \
    -n dockerd-berth "env $D docker run --rm --runtime berth busybox true" >/dev/null
}
run_bench "${WARMUP:-10}" "$work/run.json"
run_bench "${STEADY:-100}" "$work/steady.json"
median() { jq -r --arg n "$1" '.results[] | select(.command==$n) | .median * 1000' "${2:-$work/run.json}"; }

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tree_rss_kb() { # a process and everything under it that is not a container (shims and daemons)
  local total=0 p
  for p in "$@"; do total=$((total + $(rss_kb "$p"))); done
  echo "$total"
}
# Idle: both daemons have served the same runs and then nothing for 10 s (each may return memory).
sleep 10
idle_docker_kb=$(tree_rss_kb "$dockerd_pid" $(pgrep -P "$dockerd_pid" containerd || true))
idle_berth_kb=$(rss_kb "$berthd_pid")

start_many() { # $1 = env, prints seconds
  local t0 t1
  t0=$(date +%s.%N)
  for i in $(seq "$many"); do env "$1" docker run -d busybox sleep 1000 >/dev/null; done
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
docker_many_s=$(start_many "$D")
berth_many_s=$(start_many "$B")
shim_avg() { # $1 = process name, average RSS in KB over its processes
  { pgrep -x "$1" || true; } | while read -r p; do rss_kb "$p"; done | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print 0 }'
}
docker_shim_kb=$(shim_avg containerd-shim) # comm is cut to 15 characters
berth_shim_kb=$(shim_avg berth-shim)

more=$((100 - many))
for i in $(seq "$more"); do env "$D" docker create busybox true >/dev/null; env "$B" docker create busybox true >/dev/null; done
hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/ps.json" \
  -n dockerd "env $D docker ps -a" -n berthd "env $B docker ps -a" >/dev/null
psmedian() { jq -r --arg n "$1" '.results[] | select(.command==$n) | .median * 1000' "$work/ps.json"; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.1f", a }'; }
mb() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }
d_run=$(median dockerd); b_run=$(median berthd); r_run=$(median berthd-runc)
d_steady=$(median dockerd "$work/steady.json"); b_steady=$(median berthd "$work/steady.json")
r_steady=$(median berthd-runc "$work/steady.json")
db_steady=$(median dockerd-berth "$work/steady.json")
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r); dockerd $(dockerd --version | awk '{print $3}' | tr -d ,) with containerd and runc $(runc --version | awk 'NR==1{print $3}'); docker CLI $(docker --version | awk '{print $3}' | tr -d ,) for both; $runs runs, medians."
  echo
  echo "| what | dockerd | berthd | berthd / dockerd | target |"
  echo "|---|---|---|---|---|"
  echo "| \`docker run --rm busybox true\` (ms), berth-runtime, steady (after $((${WARMUP:-10} + runs + ${STEADY:-100})) runs) | $(fmt "$d_steady") | $(fmt "$b_steady") | $(ratio "$b_steady" "$d_steady") | ≤ 0.5 |"
  echo "| the same, early (after ${WARMUP:-10} runs) | $(fmt "$d_run") | $(fmt "$b_run") | $(ratio "$b_run" "$d_run") | |"
  echo "| \`docker run --rm busybox true\` (ms), \`--runtime runc\`, steady | $(fmt "$d_steady") | $(fmt "$r_steady") | $(ratio "$r_steady" "$d_steady") | |"
  echo "| the same, early | $(fmt "$d_run") | $(fmt "$r_run") | $(ratio "$r_run" "$d_run") | |"
  echo "| dockerd's \`docker run --rm busybox true\` (ms), steady: runc (dockerd column) against \`--runtime berth\`, bin/berth-runtime (berthd column) | $(fmt "$d_steady") | $(fmt "$db_steady") | $(ratio "$db_steady" "$d_steady") | |"
  echo "| start $many detached containers, one \`docker run -d\` after another (s) | $docker_many_s | $berth_many_s | $(ratio "$berth_many_s" "$docker_many_s") | |"
  echo "| resident memory per container's shim (MB) | $(mb "$docker_shim_kb") | $(mb "$berth_shim_kb") | $(ratio "$berth_shim_kb" "$docker_shim_kb") | < 2 MB |"
  echo "| daemon idle resident memory (MB; dockerd+containerd vs berthd) | $(mb "$idle_docker_kb") | $(mb "$idle_berth_kb") | $(ratio "$idle_berth_kb" "$idle_docker_kb") | < 1.0 |"
  echo "| \`docker ps -a\` with 100 containers (ms) | $(fmt "$(psmedian dockerd)") | $(fmt "$(psmedian berthd)") | $(ratio "$(psmedian berthd)" "$(psmedian dockerd)") | |"
} > "$here/RESULTS.md"
cat "$here/RESULTS.md"
