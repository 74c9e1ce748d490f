package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.digest.Digest;
import dev.berth.images.store.ImageStore;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DockerdExtension;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, acceptance 1: an image saved by a real dockerd loads into Berth's store and is saved back
 * with identical config and layer digests; docker loads Berth's archive and skopeo reads both of
 * Berth's formats.
 */
class DockerArchiveRoundTripIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final DockerdExtension DOCKER = new DockerdExtension();

  @BeforeAll
  static void prepare() throws Exception {
    DOCKER.dockerd().importBusybox(BusyboxBundle.create(DOCKER.dir().resolve("bundle")).rootfs());
  }

  @Test
  void roundTripThroughBerthKeepsEveryDigest() throws Exception {
    Path fromDocker = DOCKER.dir().resolve("docker.tar");
    DOCKER.dockerd().docker("save", "-o", fromDocker.toString(), "busybox:latest").ok();
    ImageStore store = new ImageStore(DOCKER.dir().resolve("store"));
    try (InputStream in = Files.newInputStream(fromDocker)) {
      assertEquals(List.of("busybox:latest"), new ArchiveLoader(store).load(in));
    }
    ArchiveWriter writer = new ArchiveWriter(store);
    Path fromBerth = DOCKER.dir().resolve("berth.tar");
    try (OutputStream out = Files.newOutputStream(fromBerth)) {
      writer.dockerArchive(List.of(writer.select("busybox:latest")), out);
    }
    assertEquals(contentDigests(fromDocker), contentDigests(fromBerth));

    String inspected = Cmd.run("skopeo", "inspect", "--raw", "docker-archive:" + fromBerth).ok().out();
    assertTrue(inspected.contains(store.resolve("busybox").id()), inspected);

    Path oci = DOCKER.dir().resolve("oci.tar");
    try (OutputStream out = Files.newOutputStream(oci)) {
      writer.ociLayout(List.of(writer.select("busybox:latest")), out);
    }
    Path layout = DOCKER.dir().resolve("oci");
    Files.createDirectories(layout);
    Cmd.run("tar", "-C", layout.toString(), "-xf", oci.toString()).ok();
    JsonNode ociInspect = JSON.readTree(Cmd.run("skopeo", "inspect", "oci:" + layout + ":latest").ok().out());
    assertEquals(store.resolve("busybox").layers().get(0).digest(), ociInspect.path("Layers").get(0).asText());

    DOCKER.dockerd().docker("rmi", "busybox:latest").ok();
    DOCKER.dockerd().docker("load", "-i", fromBerth.toString()).ok();
    assertEquals("ok\n", DOCKER.dockerd().docker("run", "--rm", "--network", "none", "busybox", "echo", "ok").ok().out());
  }

  /** RepoTags, then the sha256 of the config and of each layer, in order, per image of the archive. */
  private static List<String> contentDigests(Path archive) throws Exception {
    Map<String, String> digests = new LinkedHashMap<>();
    JsonNode manifest = null;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (!e.isFile()) {
          continue;
        }
        byte[] content = tar.readAllBytes();
        String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
        digests.put(name, Digest.sha256(content).toString());
        if (name.equals("manifest.json")) {
          manifest = JSON.readTree(content);
        }
      }
    }
    List<String> result = new ArrayList<>();
    for (JsonNode image : manifest) {
      result.add("tags " + image.path("RepoTags"));
      result.add("config " + digests.get(image.path("Config").asText()));
      image.path("Layers").forEach(l -> result.add("layer " + digests.get(l.asText())));
    }
    return result;
  }
}
