package dev.berth.supervisor.task;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.io.AtomicFiles;
import dev.berth.supervisor.runtime.OciRuntime;
import dev.berth.supervisor.shim.ExitStatus;
import dev.berth.supervisor.shim.Shim;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A task whose shim died (killed, say) before recording an exit. Nobody holds the container's stdio
 * or will collect its status any more, so it is stopped through the runtime and its exit recorded
 * here, with the reason, in the shim's place: the container is then a stopped one like any other,
 * whose delete releases its cgroup, mount and bundle.
 */
final class LostShim {
  static final String REASON_FILE = "exit.reason";
  private static final long WAIT_MILLIS = 10_000;

  private LostShim() {}

  /** Stops what the lost shim held and records exit status 137 with the reason. */
  static ExitStatus stop(String id, Path taskDir, OciRuntime runtime) {
    long pid = readPid(taskDir.resolve(Shim.INIT_PID_FILE));
    try {
      runtime.kill(id, 9);
    } catch (BerthException e) {
      // already gone, or never created: the wait below settles it
    }
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    while (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Instant now = Instant.now();
    String json = "{\"pid\":" + pid + ",\"exit_code\":137,\"signal\":9,\"exited_at\":\"" + now + "\"}\n";
    try {
      AtomicFiles.write(taskDir.resolve(REASON_FILE), ("the container's shim died before the container exited; "
          + "berth stopped the container").getBytes(StandardCharsets.UTF_8));
      AtomicFiles.write(taskDir.resolve(Shim.EXIT_FILE), json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new Internal("cannot record the exit of " + id + ": " + e.getMessage(), e);
    }
    return new ExitStatus(pid, 137, 9, now);
  }

  /** Why the task ended, if the supervisor rather than the shim recorded it. */
  static Optional<String> reason(Path taskDir) {
    try {
      return Optional.of(Files.readString(taskDir.resolve(REASON_FILE)).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("unreadable exit reason: " + e.getMessage());
    }
  }

  private static long readPid(Path file) {
    try {
      return Long.parseLong(Files.readString(file).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
