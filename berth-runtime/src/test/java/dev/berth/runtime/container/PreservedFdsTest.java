package dev.berth.runtime.container;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.sys.LinuxSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The fds a container may keep: open ones its caller passed, never the runtime's own. */
class PreservedFdsTest {
  @Test
  void anFdThatIsNotOpenIsRefused() {
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> PreservedFds.check(List.of(999_999)));
    assertTrue(e.getMessage().contains("cannot preserve fd 999999 (1 of 1): it is not open"), e.getMessage());
  }

  @Test
  void theJvmsOwnModulesImageIsRefused() throws IOException {
    int modules = -1;
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).toString().endsWith("/lib/modules")) {
            modules = Integer.parseInt(fd.getFileName().toString());
          }
        } catch (IOException gone) {
          // the directory's own fd
        }
      }
    }
    assertTrue(modules >= 0, "a JVM keeps its modules image open");
    int fd = modules;
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> PreservedFds.check(List.of(fd)));
    assertTrue(e.getMessage().contains("it is the runtime's own"), e.getMessage());
  }

  @Test
  void anFdThisProcessMadeIsRefused() throws Exception {
    int[] pipe = LinuxSyscalls.get().pipe();
    try {
      InvalidArgument e = assertThrows(InvalidArgument.class, () -> PreservedFds.check(List.of(pipe[0])));
      assertTrue(e.getMessage().contains("it is the runtime's own (pipe:"), e.getMessage());
    } finally {
      LinuxSyscalls.get().close(pipe[0]);
      LinuxSyscalls.get().close(pipe[1]);
    }
  }
}
