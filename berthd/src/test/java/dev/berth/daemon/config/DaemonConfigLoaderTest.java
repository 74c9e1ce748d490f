package dev.berth.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonConfigLoaderTest {
  @TempDir Path tmp;

  private static DaemonConfigLoader.Flags none() {
    return new DaemonConfigLoader.Flags(null, null, null, null, null, null, null, null, null, null, null);
  }

  private Path file(String json) throws Exception {
    Path f = tmp.resolve("daemon.json");
    Files.writeString(f, json);
    return f;
  }

  @Test
  void defaultsWhenNeitherFlagsNorAFileSaySomething() {
    DaemonConfig c = DaemonConfigLoader.load(none(), tmp.resolve("absent.json"), false);
    assertEquals(List.of(DaemonConfig.DEFAULT_HOST), c.hosts());
    assertEquals(DaemonConfig.DEFAULT_DATA_ROOT, c.dataRoot());
    assertEquals(DaemonConfig.DEFAULT_EXEC_ROOT, c.execRoot());
    assertEquals("berth", c.defaultRuntime());
    assertTrue(c.liveRestore(), "live restore is on by default");
    assertNull(c.group());
    assertNull(c.tls());
  }

  @Test
  void theFileAndTheFlagsEachSetWhatTheOtherDoesNot() throws Exception {
    Path f = file("{\"data-root\": \"/srv/berth\", \"live-restore\": false, \"hosts\": [\"unix:///tmp/a.sock\"],"
        + " \"default-runtime\": \"runc\", \"group\": \"wheel\", \"log-level\": \"debug\"}");
    DaemonConfigLoader.Flags flags = new DaemonConfigLoader.Flags(null, null, Path.of("/run/b"), null, null, null, null,
        null, null, null, null);
    DaemonConfig c = DaemonConfigLoader.load(flags, f, true);
    assertEquals(Path.of("/srv/berth"), c.dataRoot());
    assertEquals(Path.of("/run/b"), c.execRoot());
    assertFalse(c.liveRestore());
    assertEquals(List.of(Path.of("/tmp/a.sock")), c.unixSockets());
    assertEquals("runc", c.defaultRuntime());
    assertEquals("wheel", c.group());
    assertEquals("debug", c.logLevel());
  }

  @Test
  void aSettingGivenTwiceIsRefusedNamingBoth() throws Exception {
    Path f = file("{\"data-root\": \"/srv/berth\"}");
    DaemonConfigLoader.Flags flags = new DaemonConfigLoader.Flags(null, Path.of("/other"), null, null, null, null,
        null, null, null, null, null);
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(flags, f, true));
    assertTrue(e.getMessage().contains("data-root: (from flag: /other, from file: /srv/berth)"), e.getMessage());
  }

  @Test
  void badFilesAreRefusedWithWhatIsWrong() throws Exception {
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), tmp.resolve("x.json"), true))
        .getMessage().contains("does not exist"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("{\"data-rot\": 1}"),
        true)).getMessage().contains("unknown directive \"data-rot\""));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("{\"live-restore\":"
        + " \"yes\"}"), true)).getMessage().contains("\"live-restore\" must be true or false"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("{\"hosts\": \"x\"}"),
        true)).getMessage().contains("\"hosts\" must be an array"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("{oops"), true))
        .getMessage().contains("not valid JSON"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("[]"), true))
        .getMessage().contains("JSON object"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(none(), file("{\"log-level\":"
        + " \"loud\"}"), true)).getMessage().contains("invalid log level loud"));
  }

  @Test
  void tcpOnlyWithClientCertificates() throws Exception {
    DaemonConfigLoader.Flags plainTcp = new DaemonConfigLoader.Flags(List.of("tcp://0.0.0.0:2375"), null, null, null,
        null, null, null, null, null, null, null);
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(plainTcp, tmp.resolve("n"), false))
        .getMessage().contains("without TLS"));
    DaemonConfigLoader.Flags halfTls = new DaemonConfigLoader.Flags(List.of("tcp://127.0.0.1:2376"), null, null, null,
        null, null, null, true, Path.of("/ca.pem"), null, null);
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(halfTls, tmp.resolve("n"), false))
        .getMessage().contains("needs --tlscacert, --tlscert and --tlskey"));
    DaemonConfigLoader.Flags certsOnly = new DaemonConfigLoader.Flags(null, null, null, null, null, null, null, null,
        Path.of("/ca.pem"), Path.of("/c.pem"), Path.of("/k.pem"));
    assertTrue(assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(certsOnly, tmp.resolve("n"), false))
        .getMessage().contains("--tlsverify is not"));
    DaemonConfigLoader.Flags tls = new DaemonConfigLoader.Flags(List.of("unix:///tmp/b.sock", "tcp://127.0.0.1:2376"),
        null, null, null, null, null, null, true, Path.of("/ca.pem"), Path.of("/c.pem"), Path.of("/k.pem"));
    DaemonConfig c = DaemonConfigLoader.load(tls, tmp.resolve("n"), false);
    assertEquals(List.of("127.0.0.1:2376"), c.tcpHosts());
    assertEquals(new DaemonConfig.Tls(Path.of("/ca.pem"), Path.of("/c.pem"), Path.of("/k.pem")), c.tls());
    assertThrows(InvalidArgument.class, () -> DaemonConfigLoader.load(new DaemonConfigLoader.Flags(
        List.of("http://x"), null, null, null, null, null, null, null, null, null, null), tmp.resolve("n"), false));
  }
}
