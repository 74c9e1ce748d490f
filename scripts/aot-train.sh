#!/usr/bin/env bash
# Writes what the launchers in bin/ read from lib/ (the JDK to use, each launcher's classpath) and
# records a JDK 25 AOT cache per launcher (JEP 483/514) from a short training run, so that at run time
# classes come pre-loaded and pre-linked. An AOT cache is only used with the exact classpath it was
# trained with, which is why the classpath files are written here too. Run by berth-dist at package time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
lib="$berth_root/lib"
echo "$JAVA_HOME" > "$lib/java-home"

classpath_of() { # main jar first, then every other jar in lib/
  local main="$lib/$1.jar" cp="$lib/$1.jar" j
  for j in "$lib"/*.jar; do [ "$j" = "$main" ] || cp="$cp:$j"; done
  echo "$cp"
}

# The launchers' JVM flags, so that training takes the paths the commands take (bin/berth-runtime's
# native reflection accessors, for one, make classes the default accessors would need unnecessary).
flags_berthd=(-XX:+UseSerialGC -Xss512k -XX:-UsePerfData -Dio.netty.allocator.type=unpooled)
flags_berth_runtime=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=50 -Xmx512m -XX:+UnlockDiagnosticVMOptions
  -XX:ArchiveRelocationMode=0 -Xss512k -XX:-UsePerfData -Djdk.reflect.useNativeAccessorOnly=true)

train() { # cache launcher main-class training-args...: lib/CACHE.aot, with the launcher's classpath and flags
  local cache="$1" name="$2" main="$3"; shift 3
  local -n flags="flags_${name//-/_}"
  rm -f "$lib/$cache.aot"
  "$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$lib/$cache.aot" -Xlog:disable "${flags[@]}" \
    --enable-native-access=ALL-UNNAMED -Dberth.home="$berth_root" -cp "$(cat "$lib/$name.classpath")" "$main" "$@" \
    >/dev/null 2>&1 || true
  [ -s "$lib/$cache.aot" ] || echo "aot-train: no cache $cache (the launcher runs without it)" >&2
}

classpath_of berth-runtime > "$lib/berth-runtime.classpath"
classpath_of berthd > "$lib/berthd.classpath"
# berthd trains on a daemon's first minute of work (scripts/aot-train-berthd.sh) where this machine can
# run containers, else on its --help.
if [ "$(id -u)" = 0 ] && [ -x /bin/busybox ] && [ -x "$lib/berth-init" ] && command -v curl >/dev/null; then
  rm -f "$lib/berthd.aot"
  "$berth_root/scripts/aot-train-berthd.sh" "$lib/berthd.aot" "${flags_berthd[@]}" \
    || echo "aot-train: berthd's workload training failed; its cache comes from --help" >&2
fi
[ -s "$lib/berthd.aot" ] || train berthd berthd dev.berth.daemon.Main --help
# With the workload's training data in the cache, JDK 25 can compile the trained methods as berthd starts
# (AOTCompileEagerly, experimental): `docker run --rm` after 10 runs of a fresh berthd went from 0.56-0.72x
# dockerd's time to 0.41-0.46x (docs/benchmarks.md). bin/berthd adds it only where this JDK knows it.
rm -f "$lib/berthd.aot-flags"
if [ -s "$lib/berthd.aot" ] && "$JAVA_HOME/bin/java" -XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly \
  -version >/dev/null 2>&1; then
  echo "-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly" > "$lib/berthd.aot-flags"
fi

# bin/berth-runtime has two caches. berth-runtime.aot holds what the commands engines run per container
# load (create, start, run, kill, delete, exec, which the CLI reads without picocli); the other commands
# (state, list, ps, pause, update, events, help...) load picocli's model of the command line too,
# berth-runtime-picocli.aot: one cache with both made every `run` load ~1,100 classes more at start
# (2,800 instead of 1,700), ~5 ms.
# Each trains on real containers of busybox bundles when this machine can run them (root,
# busybox-static), in one JVM (cli/AotTraining.java).
if [ "$(id -u)" = 0 ] && [ -x /bin/busybox ] && [ -x "$lib/berth-init" ]; then
  work="$(mktemp -d /tmp/berth-aot.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  "$berth_root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
  "$berth_root/scripts/make-busybox-bundle.sh" "$work/sleeper" sleep 60 >/dev/null
  train berth-runtime berth-runtime dev.berth.runtime.cli.Main --aot-training "$work/state" "$work/bundle" "$work/sleeper"
  train berth-runtime-picocli berth-runtime dev.berth.runtime.cli.Main --aot-training --picocli "$work/state" \
    "$work/sleeper"
  for c in "$work/state"/*/; do # whatever a failed training left
    [ -d "$c" ] && "$berth_root/bin/berth-runtime-jvm" --root "$work/state" delete --force "$(basename "$c")" >/dev/null 2>&1 || true
  done
else
  train berth-runtime berth-runtime dev.berth.runtime.cli.Main --aot-training
  train berth-runtime-picocli berth-runtime dev.berth.runtime.cli.Main --aot-training
fi
