package dev.berth.supervisor.shim;

import java.time.Instant;

/**
 * One record of a container's json-file log.
 *
 * @param stream "stdout" or "stderr"
 * @param text the output, with its "\n" when it ends a line; without one it is a partial line that the
 *     next record of the same stream continues (a line longer than 16 KiB, or output cut by the exit)
 */
public record LogRecord(Instant time, String stream, String text) {
  public boolean partial() {
    return !text.endsWith("\n");
  }
}
