package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 4's first slice: the real docker CLIs (28.2 and Debian's 20.10) against bin/berthd for version,
 * info and the image commands.
 */
class BerthdImagesIT {
  private static Berthd berthd;
  private static Path dir;
  private static Path rootfsTar;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createDirectories(Path.of("/tmp/bi" + ProcessHandle.current().pid()));
    berthd = Berthd.start(dir);
    rootfsTar = dir.resolve("rootfs.tar");
    Cmd.run("tar", "-C", BusyboxBundle.create(dir.resolve("bundle")).rootfs().toString(), "-cf", rootfsTar.toString(), ".").ok();
  }

  @AfterAll
  static void stop() throws Exception {
    if (berthd != null) berthd.close();
  }

  private static Cmd.Result docker(String cli, String... args) {
    return berthd.dockerWith(cli, args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/usr/local/bin/docker", "/usr/bin/docker"})
  void versionAndInfo(String cli) {
    assertTrue(docker(cli, "version").ok().out().contains("Berth Engine"));
    String info = docker(cli, "info").ok().out();
    assertTrue(info.contains("Server Version: 28.2.0+berth.0.1.0") && info.contains("Cgroup Driver: cgroupfs"), info);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/usr/local/bin/docker", "/usr/bin/docker"})
  void imageCommands(String cli) throws Exception {
    String name = "bb" + Math.abs(cli.hashCode());
    String id = docker(cli, "import", "--change", "CMD [\"sh\"]", "-m", "from a test", rootfsTar.toString(), name + ":1")
        .ok().out().trim();
    assertTrue(id.startsWith("sha256:"), id);
    assertTrue(docker(cli, "images").ok().out().contains(name), "docker images does not list it");
    assertEquals("[sh] from a test", docker(cli, "image", "inspect", "-f", "{{.Config.Cmd}} {{.Comment}}", name + ":1").ok().out().trim());
    assertTrue(docker(cli, "history", name + ":1").ok().out().contains("from a test"), "docker history lacks the comment");
    long since = System.currentTimeMillis() / 1000 - 1;
    docker(cli, "tag", name + ":1", "other/" + name + ":2").ok();
    String events = docker(cli, "events", "--since", Long.toString(since), "--until",
        Long.toString(System.currentTimeMillis() / 1000 + 1), "--filter", "type=image", "--format",
        "{{.Action}} {{.Actor.Attributes.name}}").ok().out();
    assertTrue(events.contains("tag other/" + name + ":2"), events);
    assertEquals(id, docker(cli, "image", "inspect", "-f", "{{.Id}}", "other/" + name + ":2").ok().out().trim());
    Path saved = dir.resolve(name + ".tar");
    docker(cli, "save", "-o", saved.toString(), name + ":1").ok();
    docker(cli, "rmi", "other/" + name + ":2", name + ":1").ok();
    Cmd.Result missing = docker(cli, "image", "inspect", name + ":1");
    assertNotEquals(0, missing.exit());
    assertTrue(missing.err().contains("No such image"), missing.toString());
    assertTrue(docker(cli, "load", "-i", saved.toString()).ok().out().contains("Loaded image: " + name + ":1"));
    assertEquals(id, docker(cli, "image", "inspect", "-f", "{{.Id}}", name + ":1").ok().out().trim());
    assertTrue(docker(cli, "system", "df").ok().out().contains("Images"), "docker system df");
    docker(cli, "import", rootfsTar.toString()).ok(); // untagged: dangling
    String pruned = docker(cli, "image", "prune", "-f").ok().out();
    assertTrue(pruned.contains("deleted: sha256:"), pruned);
    assertEquals(id, docker(cli, "image", "inspect", "-f", "{{.Id}}", name + ":1").ok().out().trim(), "prune removed a named image");
    Cmd.Result pull = docker(cli, "pull", "alpine");
    assertNotEquals(0, pull.exit());
    assertTrue(pull.err().contains("pulling images is not supported yet"), pull.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/usr/local/bin/docker", "/usr/bin/docker"})
  void listFiltersAndRemovalConflicts(String cli) {
    String name = "flt" + Math.abs(cli.hashCode());
    String first = docker(cli, "import", "--change", "LABEL tier=base", rootfsTar.toString(), name + "/a:1").ok().out().strip();
    String second = docker(cli, "import", "--change", "LABEL tier=app", rootfsTar.toString(), name + "/b:1").ok().out().strip();
    docker(cli, "tag", name + "/b:1", name + "/b:2").ok();
    String dangling = docker(cli, "import", rootfsTar.toString()).ok().out().strip();
    try {
      assertEquals(name + "/a:1", docker(cli, "images", "--filter", "reference=" + name + "/a*", "--format",
          "{{.Repository}}:{{.Tag}}").ok().out().strip());
      assertEquals(List.of(name + "/b:1", name + "/b:2"), docker(cli, "images", "--filter", "label=tier=app",
          "--format", "{{.Repository}}:{{.Tag}}").ok().out().lines().sorted().toList());
      assertTrue(docker(cli, "images", "-q", "--no-trunc", "--filter", "dangling=true").ok().out().contains(dangling));
      assertTrue(docker(cli, "images", "-q", "--no-trunc", "--filter", "since=" + name + "/a:1").ok().out()
          .contains(second));
      assertEquals("", docker(cli, "images", "-q", "--filter", "before=" + name + "/a:1", "--filter",
          "reference=" + name + "/*").ok().out().strip());
      Cmd.Result badFilter = docker(cli, "images", "--filter", "dangling=maybe");
      assertNotEquals(0, badFilter.exit());
      assertTrue(badFilter.err().contains("invalid filter 'dangling=[maybe]'"), badFilter.toString());

      Cmd.Result several = docker(cli, "rmi", second);
      assertNotEquals(0, several.exit());
      assertTrue(several.err().contains("unable to delete " + second.substring(7, 19)
          + " (must be forced) - image is referenced in multiple repositories"), several.toString());
      String container = berthd.dockerWith(cli, "create", name + "/a:1", "true").ok().out().strip();
      Cmd.Result used = docker(cli, "rmi", name + "/a:1");
      assertNotEquals(0, used.exit());
      assertTrue(used.err().contains("conflict: unable to remove repository reference \"" + name + "/a:1\" (must force)"
          + " - container " + container.substring(0, 12) + " is using its referenced image " + first.substring(7, 19)),
          used.toString());
      docker(cli, "rm", container).ok();
    } finally {
      docker(cli, "rmi", "-f", name + "/a:1", name + "/b:1", name + "/b:2", dangling);
    }
  }

  @Test
  void loadsAnOciLayoutSkopeoWrote() throws Exception {
    berthd.docker("import", rootfsTar.toString(), "ocisrc:1").ok();
    Path saved = dir.resolve("ocisrc.tar");
    Path oci = dir.resolve("oci.tar");
    berthd.docker("save", "-o", saved.toString(), "ocisrc:1").ok();
    Cmd.run("skopeo", "copy", "--quiet", "docker-archive:" + saved, "oci-archive:" + oci + ":ocicopy:2").ok();
    String out = berthd.docker("load", "-i", oci.toString()).ok().out();
    assertTrue(out.contains("Loaded image: ocicopy:2"), out);
    // skopeo rewrote the config for OCI: the image is the one its manifest names.
    String manifest = Cmd.run("skopeo", "inspect", "--raw", "oci-archive:" + oci).ok().out();
    String configDigest = new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).path("config")
        .path("digest").asText();
    assertEquals(configDigest, berthd.docker("image", "inspect", "-f", "{{.Id}}", "ocicopy:2").ok().out().strip());
    assertEquals("from-oci", berthd.docker("run", "--rm", "ocicopy:2", "echo", "from-oci").ok().out().strip());
    berthd.docker("rmi", "ocisrc:1", "ocicopy:2").ok();
  }

  /**
   * `docker rmi` lists the layers that went with the image by chain id, top first, as a private Debian
   * dockerd 20.10 did after the same steps (import, a file written in a container, commit, save):
   * the committed image alone takes only its top layer, the imported one under it then the bottom one,
   * and the two-layer image loaded again both, its top one being sha256("<bottom diff id> <top diff id>").
   */
  @Test
  void rmiListsTheLayersThatWentByChainIdAsDockerdDoes() throws Exception {
    berthd.docker("import", "--change", "CMD [\"sh\"]", rootfsTar.toString(), "layered-base:1").ok();
    try {
      berthd.docker("run", "--name", "layered", "layered-base:1", "sh", "-c", "echo hello > /f.txt").ok();
      berthd.docker("commit", "layered", "layered:1").ok();
    } finally {
      berthd.docker("rm", "-f", "layered");
    }
    String image = inspect("layered:1", "{{.Id}}");
    String base = inspect("layered-base:1", "{{.Id}}");
    List<String> diffIds = List.of(inspect("layered:1", "{{range .RootFS.Layers}}{{.}} {{end}}").split(" "));
    assertEquals(2, diffIds.size(), diffIds.toString());
    String bottom = diffIds.get(0);
    String top = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest((bottom + " " + diffIds.get(1)).getBytes(StandardCharsets.US_ASCII)));
    Path saved = dir.resolve("layered.tar");
    berthd.docker("save", "-o", saved.toString(), "layered:1").ok();
    assertEquals(List.of("Untagged: layered:1", "Deleted: " + image, "Deleted: " + top),
        berthd.docker("rmi", "layered:1").ok().out().lines().toList());
    assertEquals(List.of("Untagged: layered-base:1", "Deleted: " + base, "Deleted: " + bottom),
        berthd.docker("rmi", "layered-base:1").ok().out().lines().toList());
    berthd.docker("load", "-i", saved.toString()).ok();
    assertEquals(List.of("Untagged: layered:1", "Deleted: " + image, "Deleted: " + top, "Deleted: " + bottom),
        berthd.docker("rmi", "layered:1").ok().out().lines().toList());
  }

  private static String inspect(String image, String format) {
    return berthd.docker("image", "inspect", "-f", format, image).ok().out().strip();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/usr/local/bin/docker", "/usr/bin/docker"})
  void containerCommandsNotBuiltYetSaySo(String cli) {
    Cmd.Result ps = docker(cli, "network", "ls");
    assertNotEquals(0, ps.exit());
    assertTrue(ps.err().contains("not implemented in berthd yet"), ps.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1.99/version", "/v1.12/version", "/nonexistent"})
  void versionsAndRoutesAreRefusedAsDockerDoes(String path) {
    Cmd.Result r = Cmd.run("curl", "-s", "-w", "\n%{http_code}", "--unix-socket", dir.resolve("berth.sock").toString(),
        "http://localhost" + path);
    String[] lines = r.ok().out().split("\n");
    String status = lines[lines.length - 1];
    if (path.equals("/nonexistent")) {
      assertEquals("404", status);
      assertTrue(r.out().contains("page not found"), r.out());
    } else {
      assertEquals("400", status);
      assertTrue(r.out().contains(path.contains("99") ? "is too new" : "is too old"), r.out());
    }
  }
}
