package dev.berth.images.snapshot;

import dev.berth.common.io.AtomicFiles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Names of temporary directories, {@code .tmp-<pid>-<start millis>-…}: whoever opens the root can
 * tell a dead writer's leftovers from a live writer's work in progress (a pid alone may be reused).
 */
final class TempNames {
  private static final ProcessHandle SELF = ProcessHandle.current();
  private static final String PREFIX = AtomicFiles.TEMP_PREFIX + SELF.pid() + "-" + startMillis(SELF) + "-";

  private TempNames() {}

  static String prefix() {
    return PREFIX;
  }

  /** Whether the process that made {@code tmp} is gone (or the name carries no owner at all). */
  static boolean ownerIsGone(Path tmp) {
    String[] parts = tmp.getFileName().toString().substring(AtomicFiles.TEMP_PREFIX.length()).split("-", 3);
    if (parts.length < 3) {
      return true;
    }
    try {
      long pid = Long.parseLong(parts[0]);
      long start = Long.parseLong(parts[1]);
      Optional<ProcessHandle> owner = ProcessHandle.of(pid);
      return owner.isEmpty() || !owner.get().isAlive() || startMillis(owner.get()) != start;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }
}
