package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.model.Platform;
import dev.berth.images.store.ImageStore;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A multi-platform image as `skopeo copy --all` writes it: an OCI index of this host's busybox and an
 * image for another architecture. berthd's docker load runs this platform's image and shows the
 * index's digest in RepoDigests; Berth's OCI save gives skopeo the index back byte for byte.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MultiPlatformIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OTHER_ARCH = Platform.host().architecture().equals("s390x") ? "ppc64le" : "s390x";
  private static Path dir;
  private static Berthd berthd;
  private static Path copied;
  private static byte[] index;

  @BeforeAll
  static void craftAndCopy() throws Exception {
    dir = Files.createDirectories(Path.of("/tmp/mp" + ProcessHandle.current().pid()));
    Path layout = dir.resolve("crafted");
    Files.createDirectories(layout.resolve("blobs/sha256"));
    Path rootfsTar = dir.resolve("rootfs.tar");
    Cmd.run("tar", "-C", BusyboxBundle.create(dir.resolve("bundle")).rootfs().toString(), "-cf", rootfsTar.toString(), ".")
        .ok();
    ObjectNode host = image(layout, Files.readAllBytes(rootfsTar), Platform.host().architecture());
    ObjectNode other = image(layout, "not a tar: never unpacked here".getBytes(StandardCharsets.UTF_8), OTHER_ARCH);
    ObjectNode idx = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
    idx.putArray("manifests").add(other).add(host);
    index = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(idx);
    Digest indexDigest = blob(layout, index);
    ObjectNode top = JSON.createObjectNode().put("schemaVersion", 2);
    top.putArray("manifests").addObject().put("mediaType", MediaTypes.OCI_INDEX).put("digest", indexDigest.toString())
        .put("size", index.length).putObject("annotations").put("org.opencontainers.image.ref.name", "mp:1");
    Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(top));
    Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    copied = dir.resolve("copied.tar");
    // --preserve-digests: skopeo fails rather than rewrite the index.
    Cmd.run("skopeo", "copy", "--quiet", "--all", "--preserve-digests", "oci:" + layout + ":mp:1",
        "oci-archive:" + copied + ":mp:1").ok();
    berthd = Berthd.start(Files.createDirectories(dir.resolve("berthd")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (berthd != null) berthd.close();
    Cmd.run("rm", "-rf", dir.toString());
  }

  /**
   * One platform's image: its layer (gzip, as registries serve them: skopeo copies it as it is), config
   * and manifest as blobs; returns the index entry for it.
   */
  private static ObjectNode image(Path layout, byte[] tar, String arch) throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(tar);
    }
    byte[] layer = gz.toByteArray();
    Digest layerDigest = blob(layout, layer);
    ObjectNode config = JSON.createObjectNode().put("architecture", arch).put("os", "linux");
    config.putObject("config").putArray("Cmd").add("sh");
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(Digest.sha256(tar).toString());
    byte[] configBytes = JSON.writeValueAsBytes(config);
    ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_MANIFEST);
    manifest.putObject("config").put("mediaType", MediaTypes.OCI_CONFIG).put("digest", blob(layout, configBytes).toString())
        .put("size", configBytes.length);
    manifest.putArray("layers").addObject().put("mediaType", MediaTypes.OCI_LAYER_GZIP).put("digest", layerDigest.toString())
        .put("size", layer.length);
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    ObjectNode entry = JSON.createObjectNode().put("mediaType", MediaTypes.OCI_MANIFEST)
        .put("digest", blob(layout, manifestBytes).toString()).put("size", manifestBytes.length);
    entry.putObject("platform").put("architecture", arch).put("os", "linux");
    return entry;
  }

  private static Digest blob(Path layout, byte[] bytes) throws Exception {
    Digest d = Digest.sha256(bytes);
    Files.write(layout.resolve("blobs/sha256/" + d.hex()), bytes);
    return d;
  }

  @Test
  void dockerLoadRunsThisPlatformAndShowsTheIndexDigest() {
    assertArrayEquals(index, Cmd.run("skopeo", "inspect", "--raw", "oci-archive:" + copied).ok().out()
        .getBytes(StandardCharsets.UTF_8), "skopeo changed the index");
    String out = berthd.docker("load", "-i", copied.toString()).ok().out();
    assertTrue(out.contains("Loaded image: mp:1"), out);
    String digest = Digest.sha256(index).toString();
    assertEquals("[mp@" + digest + "]", berthd.docker("image", "inspect", "-f", "{{.RepoDigests}}", "mp:1").ok().out().strip());
    assertEquals(Platform.host().architecture(), berthd.docker("image", "inspect", "-f", "{{.Architecture}}", "mp:1")
        .ok().out().strip());
    assertEquals("here", berthd.docker("run", "--rm", "--network", "none", "mp:1", "echo", "here").ok().out().strip());
    assertEquals("by digest", berthd.docker("run", "--rm", "--network", "none", "mp@" + digest, "echo", "by digest").ok()
        .out().strip());
    String listed = berthd.docker("images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}").ok().out();
    assertTrue(listed.contains("mp 1 " + digest), listed);
    berthd.docker("rmi", "mp:1").ok();
    assertEquals("", berthd.docker("images", "-q").ok().out().strip(), "the digest name outlived the image");
  }

  @Test
  void anOciSaveGivesSkopeoTheIndexBackByteForByte() throws Exception {
    ImageStore store = new ImageStore(dir.resolve("store"));
    try (InputStream in = Files.newInputStream(copied)) {
      assertEquals(List.of("mp:1"), new ArchiveLoader(store).load(in));
    }
    Path saved = dir.resolve("saved.tar");
    ArchiveWriter writer = new ArchiveWriter(store);
    try (OutputStream out = Files.newOutputStream(saved)) {
      writer.ociLayout(List.of(writer.select("mp:1")), out);
    }
    assertArrayEquals(index, Cmd.run("skopeo", "inspect", "--raw", "oci-archive:" + saved).ok().out()
        .getBytes(StandardCharsets.UTF_8));
    // skopeo checks every blob of every platform against its digest on the way.
    Cmd.run("skopeo", "copy", "--quiet", "--all", "--preserve-digests", "oci-archive:" + saved,
        "oci:" + dir.resolve("again") + ":mp:1").ok();
    String other = Cmd.run("skopeo", "inspect", "--override-arch", OTHER_ARCH, "--format", "{{.Architecture}}",
        "oci:" + dir.resolve("again") + ":mp:1").ok().out().strip();
    assertEquals(OTHER_ARCH, other);
  }
}
