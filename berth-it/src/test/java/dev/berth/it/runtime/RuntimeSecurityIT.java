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

  @Test
  void containerProcessInheritsOnlyItsStdio() {
    BusyboxBundle bundle = BusyboxBundle.create(tmp.resolve("bundle"), "ls", "/proc/self/fd");
    String fds = berth.run("run", "--bundle", bundle.dir().toString(), ID).ok().out();
    // 0, 1, 2 and the fd ls itself opens to read the directory.
    assertFalse(fds.contains("4\n") || fds.contains("5\n"), "the container inherited fds: " + fds);
  }
}
