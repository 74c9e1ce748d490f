package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A data root deeper than a unix socket path (107 bytes) can reach: shims' control and console
 * sockets are reached through /proc/<shim pid>/cwd, so run, exec, attach, a terminal and live
 * restore work there as anywhere, with Berth's runtime and with runc.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeepDataRootIT {
  @Test
  void containersRunUnderADataRootTooDeepForASocketPath() throws Exception {
    Path dir = Files.createDirectories(Path.of("/tmp/bdeep" + ProcessHandle.current().pid()));
    try (Berthd berthd = Berthd.startDeep(dir)) {
      assertTrue(berthd.dataRoot().resolve("tasks/" + "f".repeat(64) + "/shim.sock").toString().length() > 107);
      Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
          Map.of(), null, 300).ok();
      berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
      for (String runtime : List.of("berth", "runc")) {
        assertEquals("hi " + runtime, berthd.docker("run", "--rm", "--runtime", runtime, "busybox", "echo", "hi", runtime)
            .ok().out().strip());
        String id = berthd.docker("run", "-d", "--runtime", runtime, "busybox", "sleep", "1000").ok().out().strip();
        assertEquals("in", berthd.docker("exec", id, "echo", "in").ok().out().strip());
        // A terminal: the pty master comes over the console socket.
        Cmd.Result tty = Cmd.run(List.of("script", "-qc", "docker exec -it " + id + " tty", "/dev/null"),
            Map.of("DOCKER_HOST", "unix://" + berthd.socket()), null, 60).ok();
        assertTrue(tty.out().contains("/dev/pts/"), tty.toString());
        berthd.kill9();
        berthd.launch();
        assertEquals("again", berthd.docker("exec", id, "echo", "again").ok().out().strip());
        berthd.docker("rm", "-f", id).ok();
      }
    }
  }
}
