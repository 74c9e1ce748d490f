package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DebianImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The local Debian base image: scripts/make-debian-image.sh debootstraps it from this machine's apt
 * mirror (once per version of the script; see {@link DebianImage}), berthd loads it and runs it.
 */
@Timeout(value = 1200, unit = TimeUnit.SECONDS)
class DebianImageIT {
  private static final String SUITE = osRelease("VERSION_CODENAME");

  @Test
  void theDebootstrappedImageRunsInBerthd() throws Exception {
    boolean built = DebianImage.cached() == null;
    Path archive = DebianImage.archive();
    if (built) assertNothingLeftByTheScript();
    Path dir = Files.createDirectories(Path.of("/tmp/dbi" + ProcessHandle.current().pid()));
    try (Berthd berthd = Berthd.start(dir)) {
      String loaded = berthd.docker("load", "-i", archive.toString()).ok().out();
      assertTrue(loaded.contains("Loaded image: debian:" + SUITE), loaded);
      String version = berthd.docker("run", "--rm", "--network", "none", "debian:" + SUITE, "cat", "/etc/debian_version")
          .ok().out().strip();
      assertTrue(version.matches("\\d+\\.\\d+") && version.startsWith(osRelease("VERSION_ID") + "."), version);
      assertEquals(SUITE, berthd.docker("run", "--rm", "--network", "none", "debian:latest", "sh", "-c",
          ". /etc/os-release && echo $VERSION_CODENAME").ok().out().strip());
      assertEquals("[bash]", berthd.docker("image", "inspect", "-f", "{{.Config.Cmd}}", "debian:" + SUITE).ok().out().strip());
      assertTrue(berthd.docker("run", "--rm", "--network", "none", "debian:" + SUITE, "dpkg-query", "-W", "apt").ok().out()
          .startsWith("apt\t"), "apt is not installed in the image");
      berthd.docker("rmi", "debian:" + SUITE, "debian:latest").ok();
    } finally {
      Cmd.run("rm", "-rf", dir.toString());
    }
  }

  @Test
  void anUnreachableMirrorFailsNamingItAndLeavesNothing() throws Exception {
    Path out = Files.createDirectories(Path.of("/tmp/dbu" + ProcessHandle.current().pid()));
    try {
      // Nothing listens on loopback's discard port: the mirror is named and refused before debootstrap.
      Cmd.Result r = Cmd.run(List.of(DebianImage.script().toString(), out.toString()),
          Map.of("DEBIAN_MIRROR", "http://127.0.0.1:9/debian"), null, 120);
      assertNotEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("the apt mirror http://127.0.0.1:9/debian (from DEBIAN_MIRROR) is unreachable"),
          r.toString());
      try (Stream<Path> s = Files.list(out)) {
        assertEquals(List.of(), s.toList(), "a failed run left files");
      }
      assertNothingLeftByTheScript();
    } finally {
      Cmd.run("rm", "-rf", out.toString());
    }
  }

  /** No debootstrap directory and nothing mounted in one. */
  private static void assertNothingLeftByTheScript() throws IOException {
    String tmp = System.getenv().getOrDefault("TMPDIR", "/tmp");
    try (Stream<Path> s = Files.list(Path.of(tmp))) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("berth-debian.")).toList());
    }
    assertTrue(Files.readAllLines(Path.of("/proc/self/mounts")).stream().noneMatch(l -> l.contains("/berth-debian.")),
        "debootstrap's mounts were left");
  }

  private static String osRelease(String key) {
    try {
      return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith(key + "="))
          .map(l -> l.substring(key.length() + 1).replace("\"", "")).findFirst().orElseThrow();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
