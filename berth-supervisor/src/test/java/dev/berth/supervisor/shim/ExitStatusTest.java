package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitStatusTest {
  @TempDir Path dir;

  @Test
  void parsesTheShimsExitFile() throws IOException {
    Path file = dir.resolve("exit.json");
    Files.writeString(file, "{\"pid\":4242,\"exit_code\":137,\"signal\":9,\"exited_at\":\"2026-11-22T11:00:00.123456789Z\"}\n");
    ExitStatus status = ExitStatus.read(file).orElseThrow();
    assertEquals(new ExitStatus(4242, 137, 9, Instant.parse("2026-11-22T11:00:00.123456789Z")), status);
  }

  @Test
  void absentFileMeansNotExited() {
    assertTrue(ExitStatus.read(dir.resolve("exit.json")).isEmpty());
  }

  @Test
  void refusesMalformedStatus() {
    assertThrows(Internal.class, () -> ExitStatus.parse("{\"pid\":1}"));
    assertThrows(Internal.class, () -> ExitStatus.parse("{\"exit_code\":1,\"exited_at\":\"yesterday\"}"));
    assertThrows(Internal.class, () -> ExitStatus.parse("not json"));
  }

  @Test
  void parsesWaitReplies() {
    assertEquals(new ExitStatus(-1, 3, 0, Instant.parse("2026-11-22T11:00:00.5Z")),
        ExitStatus.fromWaitReply("exit 3 2026-11-22T11:00:00.500000000Z"));
    assertEquals(9, ExitStatus.fromWaitReply("exit 137 2026-11-22T11:00:00Z").signal());
    assertThrows(Internal.class, () -> ExitStatus.fromWaitReply("error no"));
  }

  @Test
  void parsesStateReplies() {
    ShimState running = ShimState.parse("{\"id\":\"c1\",\"pid\":10,\"status\":\"running\"}");
    assertEquals("running", running.status());
    assertTrue(running.exit().isEmpty());
    ShimState stopped = ShimState.parse(
        "{\"id\":\"c1\",\"pid\":10,\"status\":\"stopped\",\"exit_code\":3,\"signal\":0,\"exited_at\":\"2026-11-22T11:00:00Z\"}");
    assertTrue(stopped.stopped());
    assertEquals(3, stopped.exit().orElseThrow().exitCode());
  }
}
