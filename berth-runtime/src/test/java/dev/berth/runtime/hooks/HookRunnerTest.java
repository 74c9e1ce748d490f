package dev.berth.runtime.hooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.spec.Hook;
import dev.berth.runtime.sys.RecordingSyscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a runtime-namespace hook is started, against a recording fake kernel, and the state it reads. */
class HookRunnerTest {
  @Test
  void aHookGetsItsArgvEnvDirectoryAProcessGroupAndTheStateOnStdin() {
    RecordingSyscalls sys = new RecordingSyscalls();
    Hook hook = new Hook("/usr/bin/setkey", List.of("libnetwork-setkey", "-exec-root=/run"), List.of("A=1"), 5);
    HookRunner.runOne(sys, "prestart", hook, "{\"id\":\"c\"}".getBytes(StandardCharsets.UTF_8), Path.of("/b"));
    assertEquals(List.of("spawn /usr/bin/setkey [libnetwork-setkey, -exec-root=/run]"),
        sys.calls.stream().filter(c -> c.startsWith("spawn")).toList());
    assertEquals("/b", sys.lastSpawnCwd);
    assertTrue(sys.lastSpawnNewGroup, "a group of its own, so a timeout kills what it started too");
    assertEquals("{\"id\":\"c\"}", sys.writtenTo(sys.lastSpawnFds.get(0) + 1), "the state down its stdin pipe");
    assertEquals(Set.of(), sys.open);
  }

  @Test
  void withoutADirectoryItRunsInTheCallers() {
    RecordingSyscalls sys = new RecordingSyscalls();
    HookRunner.runOne(sys, "poststop", new Hook("/h", null, null, null), new byte[0], null);
    assertEquals(null, sys.lastSpawnCwd);
    assertEquals(Map.of(0, 10, 1, 13, 2, 13), sys.lastSpawnFds);
  }

  @Test
  void theStateIsRuncsOneLineWithoutWhatIsNotKnown() {
    Map<String, String> annotations = Map.of("a", "b");
    assertEquals("{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/b\","
        + "\"annotations\":{\"a\":\"b\"}}",
        new String(new HookState("1.3.0", "c", "creating", 42, "/b", annotations).json(), StandardCharsets.UTF_8));
    assertEquals("{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"status\":\"stopped\",\"bundle\":\"/b\"}",
        new String(new HookState("1.3.0", "c", "stopped", 0, "/b", Map.of()).json(), StandardCharsets.UTF_8));
    assertEquals("{\"ociVersion\":\"1.3.0\",\"id\":\"c\",\"bundle\":\"/b\"}",
        new String(new HookState("1.3.0", "c", null, 0, "/b", null).json(), StandardCharsets.UTF_8),
        "what berth-init completes with its own pid and the status");
  }
}
