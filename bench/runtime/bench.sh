#!/usr/bin/env bash
# berth-runtime against runc and crun on the same busybox bundle running `true`, in one run:
# the CLI's `run` (hyperfine, median) served by the runtime server, the same with a JVM per command
# (BERTH_RUNTIME_SERVER=off), and the in-process library path (create+start+wait+delete in a warm JVM).
# Writes bench/runtime/RESULTS.md and prints it. Run as root after scripts/build.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$root/scripts/lib.sh"
runs="${RUNS:-30}"
# State roots live under /run (tmpfs), where engines keep them (runc's default is /run/runc).
work="$(mktemp -d /run/berth-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

"$root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
# crun 1.8 refuses ociVersion 1.3.0; the bundle uses nothing newer than 1.0.2, which all three accept.
jq '.ociVersion = "1.0.2"' "$work/bundle/config.json" > "$work/config.json" && mv "$work/config.json" "$work/bundle/config.json"
mkdir -p "$work/runc" "$work/berth" "$work/crun"
# Each run gets its own id ($$ of the shell hyperfine starts), and each runtime its own --root.
crun_wrap="unshare --mount --propagation private sh -c 'umount -l /sys/fs/cgroup/unified; exec crun \"\$@\"' crun"
# The first command starts the runtime server (and runs in a JVM of its own meanwhile); the server
# then serves every command. Warm it as a host that runs containers would have: WARM runs first. Its
# state root goes with $work, and the server with it.
for i in $(seq "${WARM:-30}"); do
  "$root/bin/berth-runtime" --root "$work/berth" run --bundle "$work/bundle" "w$i" >/dev/null
  [ "$i" = 1 ] && sleep 2 # the server starting
done
hyperfine --warmup 3 --runs "$runs" --export-json "$work/cli.json" \
  -n runc "runc --root $work/runc run --bundle $work/bundle r\$\$" \
  -n berth-runtime "$root/bin/berth-runtime --root $work/berth run --bundle $work/bundle b\$\$" \
  -n berth-jvm "BERTH_RUNTIME_SERVER=off $root/bin/berth-runtime --root $work/berth run --bundle $work/bundle j\$\$" \
  -n crun "$crun_wrap --root $work/crun run --bundle $work/bundle c\$\$" >/dev/null

inproc="$("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dberth.home="$root" -cp "$root/lib/*" \
  "$here/InProcessBench.java" "$work/bundle" "$runs")"

median() { jq -r --arg n "$1" '.results[] | select(.command==$n) | .median * 1000' "$work/cli.json"; }
runc_ms="$(median runc)"; berth_ms="$(median berth-runtime)"; crun_ms="$(median crun)"
jvm_ms="$(median berth-jvm)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" 'BEGIN { printf "%.1f", a }'; }

{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, kernel $(uname -r); runc $(runc --version | awk 'NR==1{print $3}'), crun $(crun --version | awk 'NR==1{print $3}'), JDK $("$JAVA_HOME/bin/java" -version 2>&1 | awk -F'"' 'NR==1{print $2}'); $runs runs each, medians."
  echo
  echo "| what | runc | crun | berth-runtime | berth / runc | berth / crun | target |"
  echo "|---|---|---|---|---|---|---|"
  echo "| CLI \`run\` of \`true\` (ms), runtime server | $(fmt "$runc_ms") | $(fmt "$crun_ms") | $(fmt "$berth_ms") | $(ratio "$berth_ms" "$runc_ms") | $(ratio "$berth_ms" "$crun_ms") | ≤ 2.0 vs runc |"
  echo "| CLI \`run\` of \`true\` (ms), a JVM per command | $(fmt "$runc_ms") | $(fmt "$crun_ms") | $(fmt "$jvm_ms") | $(ratio "$jvm_ms" "$runc_ms") | $(ratio "$jvm_ms" "$crun_ms") | |"
  echo "| in-process create+start+wait+delete (ms) | | $(fmt "$crun_ms") (CLI) | $(fmt "$inproc") | $(ratio "$inproc" "$runc_ms") | $(ratio "$inproc" "$crun_ms") | ≤ 2.0 vs crun |"
} > "$here/RESULTS.md"
cat "$here/RESULTS.md"
