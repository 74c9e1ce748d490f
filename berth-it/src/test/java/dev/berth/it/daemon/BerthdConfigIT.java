package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.PrivateDockerd;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How berthd is run: one daemon per data root and per socket, settings from a configuration file,
 * containers stopped with the daemon when live restore is off, and TCP only with client certificates.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BerthdConfigIT {
  private static Path images;
  private final List<AutoCloseable> cleanups = new ArrayList<>();

  @BeforeAll
  static void makeImages() throws Exception {
    images = Files.createDirectories(Path.of("/tmp/bc-img" + ProcessHandle.current().pid()));
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), images.toString()), Map.of(),
        null, 300).ok();
  }

  @AfterAll
  static void removeImages() {
    if (images != null) PrivateDockerd.deleteTree(images);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanups.size() - 1; i >= 0; i--) cleanups.get(i).close();
  }

  private Path dir(String name) throws Exception {
    // Short: shim sockets live under the data root.
    Path dir = Files.createDirectories(Path.of("/tmp/bc" + name + ProcessHandle.current().pid()));
    cleanups.add(() -> PrivateDockerd.deleteTree(dir));
    return dir;
  }

  private Berthd berthd(Path dir, String... extra) throws Exception {
    Berthd b = Berthd.start(dir, List.of(extra));
    cleanups.add(b);
    return b;
  }

  private static Cmd.Result berthdOnce(String... args) {
    List<String> command = new ArrayList<>(List.of(BerthHome.root().resolve("bin/berthd").toString()));
    command.addAll(List.of(args));
    return Cmd.run(command, Map.of(), null, 60);
  }

  @Test
  void aSecondDaemonOnTheSameDataRootOrSocketIsRefused() throws Exception {
    Path dir = dir("lock");
    Berthd first = berthd(dir);
    Cmd.Result sameRoot = berthdOnce("-H", "unix://" + dir.resolve("other.sock"), "--data-root",
        first.dataRoot().toString(), "--exec-root", dir.resolve("run2").toString());
    assertEquals(1, sameRoot.exit());
    assertTrue(sameRoot.err().contains("another berthd (pid " + first.pid() + ") is running with data root"),
        sameRoot.err());
    Cmd.Result sameSocket = berthdOnce("-H", "unix://" + first.socket(), "--data-root", dir.resolve("data2").toString(),
        "--exec-root", dir.resolve("run2").toString());
    assertEquals(1, sameSocket.exit());
    assertTrue(sameSocket.err().contains("another daemon is listening on " + first.socket()), sameSocket.err());
    // The refused daemons took nothing away from the first.
    assertTrue(first.docker("version").ok().out().contains("Berth Engine"));
    assertTrue(Files.exists(dir.resolve("run/berthd.pid")));
  }

  @Test
  void settingsComeFromTheConfigurationFileAndConflictsAreRefused() throws Exception {
    Path dir = dir("cfg");
    Path config = dir.resolve("daemon.json");
    Files.writeString(config, "{\"default-runtime\": \"runc\", \"live-restore\": true, \"log-level\": \"warn\"}");
    Berthd b = berthd(dir, "--config-file", config.toString());
    b.docker("load", "-i", images.resolve("busybox.tar").toString()).ok();
    b.docker("run", "--name", "ran", "busybox", "true").ok();
    assertEquals("runc", b.docker("inspect", "-f", "{{.HostConfig.Runtime}}", "ran").ok().out().strip());

    Files.writeString(config, "{\"data-root\": \"/elsewhere\"}");
    Cmd.Result twice = berthdOnce("--config-file", config.toString(), "--data-root", dir.resolve("d").toString());
    assertEquals(1, twice.exit());
    assertTrue(twice.err().contains("specified both as a flag and in the configuration file"), twice.err());
    Files.writeString(config, "{\"live_restore\": true}");
    Cmd.Result unknown = berthdOnce("--config-file", config.toString());
    assertEquals(1, unknown.exit());
    assertTrue(unknown.err().contains("unknown directive \"live_restore\""), unknown.err());
    assertTrue(Files.notExists(Path.of("/elsewhere")), "a refused configuration created nothing");
  }

  @Test
  void withoutLiveRestoreContainersStopWithTheDaemonAndRestartPoliciesHoldAtItsStart() throws Exception {
    Path dir = dir("nolr");
    Berthd b = berthd(dir, "--live-restore=false");
    b.docker("load", "-i", images.resolve("busybox.tar").toString()).ok();
    // sleep as PID 1 ignores SIGTERM: the stop timeout ends it with SIGKILL, as with Docker.
    b.docker("run", "-d", "--name", "plain", "--stop-timeout", "1", "busybox", "sleep", "1000").ok();
    b.docker("run", "-d", "--name", "always", "--stop-timeout", "1", "--restart", "always", "busybox", "sleep", "1000")
        .ok();
    long plainPid = Long.parseLong(b.docker("inspect", "-f", "{{.State.Pid}}", "plain").ok().out().strip());
    b.stop();
    assertTrue(ProcessHandle.of(plainPid).map(p -> !p.isAlive()).orElse(true), "the container outlived its daemon");

    b.launch();
    assertEquals("exited 137", b.docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "plain").ok().out()
        .strip());
    String always = "";
    for (int i = 0; i < 100 && !always.equals("running"); i++) {
      always = b.docker("inspect", "-f", "{{.State.Status}}", "always").ok().out().strip();
      Thread.sleep(100);
    }
    assertEquals("running", always, "a container with --restart always is started with the daemon");
  }

  @Test
  void tcpServesOnlyClientsWithACertificateSignedByTheCa() throws Exception {
    Path dir = dir("tls");
    Path pki = Files.createDirectories(dir.resolve("pki"));
    makeCertificates(pki);
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Berthd b = berthd(dir, "-H", "tcp://127.0.0.1:" + port, "--tlsverify", "--tlscacert", pki.resolve("ca.pem").toString(),
        "--tlscert", pki.resolve("server.pem").toString(), "--tlskey", pki.resolve("server-key.pem").toString());
    String host = "tcp://127.0.0.1:" + port;
    Cmd.Result withCert = Cmd.run(List.of("docker", "-H", host, "--tlsverify", "--tlscacert", pki.resolve("ca.pem")
        .toString(), "--tlscert", pki.resolve("client.pem").toString(), "--tlskey", pki.resolve("client-key.pem")
        .toString(), "version", "--format", "{{.Server.Version}}"), Map.of(), null, 60);
    assertEquals("28.2.0+berth.0.1.0", withCert.ok().out().strip());
    Cmd.Result withoutCert = Cmd.run(List.of("docker", "-H", host, "--tlsverify", "--tlscacert",
        pki.resolve("ca.pem").toString(), "version"), Map.of("DOCKER_CERT_PATH", dir.toString()), null, 60);
    assertNotEquals(0, withoutCert.exit(), "a client without a certificate got in");
    assertTrue(b.docker("version").ok().out().contains("Berth Engine"), "the unix socket still serves");

    Cmd.Result plain = berthdOnce("-H", "tcp://127.0.0.1:" + port, "--data-root", dir.resolve("d2").toString());
    assertEquals(1, plain.exit());
    assertTrue(plain.err().contains("without TLS"), plain.err());
  }

  /** A CA, a server certificate for 127.0.0.1 and a client certificate, as Docker's TLS guide makes them. */
  private static void makeCertificates(Path pki) {
    String sh = String.join(" && ",
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj /CN=berth-test-ca",
        "openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1",
        "printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server.pem -days 2"
            + " -extfile server.ext",
        "openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr -subj /CN=client",
        "printf 'extendedKeyUsage=clientAuth\\n' > client.ext",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client.pem -days 2"
            + " -extfile client.ext");
    Cmd.run(List.of("sh", "-c", sh), Map.of(), pki, 120).ok();
  }
}
