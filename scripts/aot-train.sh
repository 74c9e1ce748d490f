#!/usr/bin/env bash
# Records an AOT cache (JDK 25, JEP 483/514) for each launcher by running a short training workload,
# so that at run time classes come pre-loaded and pre-linked. Classpath files written here are what
# the launchers read: an AOT cache is only used with the exact classpath it was trained with.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
lib="$berth_root/lib"
echo "$JAVA_HOME" > "$lib/java-home"

classpath_of() { # main jar first, then every other jar in lib/
  local main="$lib/$1.jar" cp="$lib/$1.jar" j
  for j in "$lib"/*.jar; do [ "$j" = "$main" ] || cp="$cp:$j"; done
  echo "$cp"
}

train() { # name main-class training-args...
  local name="$1" main="$2"; shift 2
  local cp; cp="$(classpath_of "$name")"
  echo "$cp" > "$lib/$name.classpath"
  rm -f "$lib/$name.aot"
  "$JAVA_HOME/bin/java" -XX:AOTCacheOutput="$lib/$name.aot" -Xlog:disable -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    --enable-native-access=ALL-UNNAMED -Dberth.home="$berth_root" -cp "$cp" "$main" "$@" >/dev/null 2>&1 || true
  [ -s "$lib/$name.aot" ] || echo "aot-train: no cache for $name (launcher runs without it)" >&2
}

# The runtime trains on a real `run` of a busybox bundle when this machine can run one (root,
# busybox-static), so the classes of the whole create/start/wait/delete path are in the cache.
if [ "$(id -u)" = 0 ] && [ -x /bin/busybox ] && [ -x "$lib/berth-init" ]; then
  work="$(mktemp -d /tmp/berth-aot.XXXXXX)"
  "$berth_root/scripts/make-busybox-bundle.sh" "$work/bundle" true >/dev/null
  train berth-runtime dev.berth.runtime.cli.Main --root "$work/state" run --bundle "$work/bundle" "aot-training-$$"
  "$berth_root/bin/berth-runtime" --root "$work/state" delete --force "aot-training-$$" >/dev/null 2>&1 || true
  rm -rf "$work"
else
  train berth-runtime dev.berth.runtime.cli.Main --aot-training
fi
