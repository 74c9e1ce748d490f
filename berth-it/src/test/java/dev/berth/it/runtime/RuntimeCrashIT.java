package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A runtime killed in the middle of create leaves nothing that `delete --force` cannot clean. */
class RuntimeCrashIT {
  private static final String ID = "crash-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private Process create;

  @AfterEach
  void cleanUp() {
    if (create != null) {
      create.destroyForcibly();
    }
    OciRuntime.berth(tmp.resolve("state")).forceDelete(ID);
  }

  @Test
  void createKilledWhileTheContainerIsHalfSetUp() throws Exception {
    OciRuntime berth = OciRuntime.berth(tmp.resolve("state"));
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"), "true");
    Path marker = tmp.resolve("hook-ran");
    // The prestart hook runs while berth-init waits before pivot_root: kill the runtime right there.
    bundle.edit(c -> ((ObjectNode) c.putObject("hooks")).putArray("prestart").addObject()
        .put("path", "/bin/sh").putArray("args").add("sh").add("-c").add("touch " + marker + "; sleep 60"));
    List<String> mountsBefore = HostState.mountPoints();
    List<String> cmd = new ArrayList<>(berth.prefix());
    cmd.addAll(List.of("--root", berth.root().toString(), "create", "--bundle", bundle.dir().toString(), ID));
    create = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("create.log").toFile()).start();
    for (int i = 0; i < 200 && !Files.exists(marker); i++) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(marker), "the prestart hook never ran");
    List<ProcessHandle> descendants = create.descendants().toList();
    create.toHandle().destroyForcibly();
    create.waitFor(10, TimeUnit.SECONDS);
    descendants.forEach(ProcessHandle::destroyForcibly);

    assertTrue(berth.hasState(ID), "the killed create left no state: the test did not kill it half-way");
    assertFalse(HostState.cgroupsNamed(ID).isEmpty(), "the killed create had not made its cgroup yet");
    berth.run("delete", "--force", ID).ok();
    assertFalse(berth.hasState(ID), "delete --force left the state directory");
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "delete --force left the cgroup");
    assertEquals(mountsBefore, HostState.mountPoints(), "a mount was left behind");
  }
}
