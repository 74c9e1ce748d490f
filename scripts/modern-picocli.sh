#!/usr/bin/env bash
# Replaces lib/picocli.jar with picocli compiled from its published sources for this JDK's class-file
# version. Picocli ships Java 5 class files, which the JDK's AOT cache cannot store: they were loaded
# and verified (by the old type-inferring verifier) at every start of a command that uses picocli.
# Usage: modern-picocli.sh SOURCES-JAR OUTPUT-JAR. Run by berth-dist at package time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
sources="$1" out="$2"
work="$(mktemp -d /tmp/berth-picocli.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/classes"
(cd "$work/src" && "$JAVA_HOME/bin/jar" xf "$sources")
# The class path's picocli is the unnamed module's, as the published jar is on a class path.
find "$work/src" -name module-info.java -delete
"$JAVA_HOME/bin/javac" --release 25 -nowarn -XDsuppressNotes -encoding UTF-8 -d "$work/classes" \
  $(find "$work/src" -name '*.java')
"$JAVA_HOME/bin/jar" cf "$out.tmp" -C "$work/classes" .
mv "$out.tmp" "$out"
