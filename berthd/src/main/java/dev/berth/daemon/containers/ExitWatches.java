package dev.berth.daemon.containers;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Each container's {@link ExitWatch}, shared by `wait`, stop, removal and exit handling. */
final class ExitWatches {
  private final Map<String, ExitWatch> watches = new ConcurrentHashMap<>();

  ExitWatch of(String id) {
    return watches.computeIfAbsent(id, k -> new ExitWatch());
  }

  /** The container is gone: a `wait` for its removal answers with its last exit code. */
  void removed(String id, int exitCode) {
    ExitWatch w = watches.remove(id);
    if (w != null) w.removed.complete(exitCode);
  }
}
