package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShimOptionsTest {
  private static final Path STATE = Path.of("/run/berth/c1");

  @Test
  void commandLineCarriesEveryOption() {
    ShimOptions options = ShimOptions.of("c1", Path.of("/b"), Path.of("/usr/bin/runc"), STATE)
        .withRuntimeRoot(Path.of("/run/runc"))
        .withTerminal(true)
        .withStdin(true)
        .withLog(true, 1000, 2)
        .withExitGrace(Duration.ofMillis(500));
    assertEquals(List.of("--id", "c1", "--bundle", "/b", "--runtime", "/usr/bin/runc", "--state-dir", "/run/berth/c1",
        "--runtime-root", "/run/runc", "--terminal", "--stdin", "--log-max-size", "1000", "--log-max-files", "2",
        "--exit-grace-ms", "500"), options.arguments());
    List<String> noLog = ShimOptions.of("c1", Path.of("/b"), Path.of("/r"), STATE).withLog(false, 0, 1).arguments();
    assertTrue(noLog.contains("--no-log"));
    assertTrue(ShimOptions.of("c1", Path.of("/b"), Path.of("/r"), STATE).arguments().containsAll(
        List.of("--log-max-size", "10485760", "--log-max-files", "3")));
  }

  @Test
  void refusesWhatTheShimCannotServe() {
    assertThrows(InvalidArgument.class, () -> ShimOptions.of("../x", Path.of("/b"), Path.of("/r"), STATE));
    assertThrows(InvalidArgument.class, () -> ShimOptions.of("c1", Path.of("/b"), Path.of("/r"), STATE).withLog(true, 10, 0));
  }

  @Test
  void aStateDirTooDeepForASocketPathIsReachedThroughTheShimsCwd(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path deep = java.nio.file.Files.createDirectories(tmp.resolve("d".repeat(120)));
    ShimOptions.of("c1", Path.of("/b"), Path.of("/r"), deep); // accepted
    java.nio.file.Files.writeString(deep.resolve(Shim.SHIM_PID_FILE), "4242\n");
    assertEquals(Path.of("/proc/4242/cwd/shim.sock"), new ShimClient(deep).socket());
    assertEquals(Path.of("/tmp/s/shim.sock"), new ShimClient(Path.of("/tmp/s")).socket());
    assertEquals(Path.of("/proc/7/cwd/console.sock"), ShimClient.consoleAddress(7));
  }

  @Test
  void binaryIsFoundByPropertyThenHomeThenSourceTree() {
    assertEquals(List.of(Path.of("/x/shim")),
        ShimBinary.candidates(Map.of("berth.shim", "/x/shim", "berth.home", "/opt/berth")::get));
    assertEquals(List.of(Path.of("/opt/berth/lib/berth-shim"), Path.of("/src/berth-native/target/native/berth-shim")),
        ShimBinary.candidates(Map.of("berth.home", "/opt/berth", "berth.root", "/src")::get));
    assertThrows(Unavailable.class, () -> ShimBinary.locate(Map.of("berth.shim", "/nonexistent/berth-shim")::get));
  }

  @Test
  void launcherReadsTheShimsReport() {
    ShimOptions options = ShimOptions.of("c1", Path.of("/b"), Path.of("/r"), STATE);
    Shim shim = ShimLauncher.outcome(options, 0, "ok 123 45\n", "");
    assertEquals(new Shim("c1", STATE, 123, 45, false), shim);
    Internal failed = assertThrows(Internal.class,
        () -> ShimLauncher.outcome(options, 1, "", "error runtime create failed: exec: \"nope\": not found\n"));
    assertEquals("cannot create container c1: runtime create failed: exec: \"nope\": not found", failed.getMessage());
    assertThrows(InvalidArgument.class, () -> ShimLauncher.outcome(options, 2, "", "error unknown option\nusage: ...\n"));
    assertThrows(Internal.class, () -> ShimLauncher.outcome(options, 0, "garbage", ""));
  }
}
