package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.OciRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init cannot be overwritten through /proc/<pid>/exe (CVE-2019-5736), and leaks no fds. */
class RuntimeSecurityIT {
  private static final String ID = "sec-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private OciRuntime berth;

  @BeforeEach
  void setUp() {
    berth = OciRuntime.berth(tmp.resolve("state"));
  }

  @AfterEach
  void cleanUp() {
    berth.forceDelete(ID);
  }

  @Test
  void initRunsFromASealedMemfdThatCannotBeWritten() throws Exception {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"), "true");
    berth.run("create", "--bundle", bundle.dir().toString(), ID).ok();
    int pid = new ObjectMapper().readTree(berth.run("state", ID).ok().out()).get("pid").asInt();
    Path exe = Path.of("/proc/" + pid + "/exe");
    String target = Files.readSymbolicLink(exe).toString();
    assertTrue(target.startsWith("/memfd:berth-init"), "the created container runs " + target);
    assertThrows(IOException.class, () -> Files.newOutputStream(exe, StandardOpenOption.WRITE).close(),
        "the init's executable could be opened for writing");
  }

  /**
   * Without a tmpfs on /dev, the rootfs's own /dev holds the nodes (with `-v /dev:/dev`, the host's):
   * what is already there must be left alone, as runc leaves it, never unlinked first.
   */
  @Test
  void anExistingDeviceNameInTheRootfsIsNeverRemoved() throws Exception {
    for (OciRuntime runtime : java.util.List.of(OciRuntime.runc(tmp.resolve("runc-state")), berth)) {
      Path dir = tmp.resolve("bundle-" + runtime.name());
      BusyboxBundle bundle = BusyboxBundle.create(dir, "true").edit(c -> {
        ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("root")).put("readonly", false);
        var mounts = (com.fasterxml.jackson.databind.node.ArrayNode) c.get("mounts");
        for (int i = mounts.size() - 1; i >= 0; i--) {
          if (mounts.get(i).get("destination").asText().equals("/dev")) mounts.remove(i);
        }
      });
      Path devNull = bundle.rootfs().resolve("dev/null");
      Files.createDirectories(devNull.getParent());
      Files.deleteIfExists(devNull);
      Files.writeString(devNull, "keep");
      try {
        runtime.run("run", "--bundle", bundle.dir().toString(), ID).ok();
      } finally {
        runtime.forceDelete(ID);
      }
      assertTrue(Files.isRegularFile(devNull, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && Files.readString(devNull).equals("keep"), runtime.name() + " replaced the rootfs's dev/null");
    }
  }

  @Test
  void containerProcessInheritsOnlyItsStdio() {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"), "ls", "/proc/self/fd");
    String fds = berth.run("run", "--bundle", bundle.dir().toString(), ID).ok().out();
    // 0, 1, 2 and the fd ls itself opens to read the directory.
    assertFalse(fds.contains("4\n") || fds.contains("5\n"), "the container inherited fds: " + fds);
  }
}
