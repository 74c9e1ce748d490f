package dev.berth.images.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.store.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveRoundTripTest {
  @TempDir Path dir;

  static byte[] tar(String... nameContent) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (int i = 0; i < nameContent.length; i += 2) {
        TarMembers.add(t, nameContent[i], nameContent[i + 1].getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  /** A docker-archive with one image of one layer, as `docker save` lays it out. */
  static byte[] dockerSave(byte[] layer, String tag) throws Exception {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(layer) + "\"]}}";
    String configName = Digest.sha256(config.getBytes(StandardCharsets.UTF_8)).hex() + ".json";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (String[] f : new String[][] {{configName, config},
          {"manifest.json", "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"" + tag + "\"],\"Layers\":[\"abc/layer.tar\"]}]"}}) {
        TarMembers.add(t, f[0], f[1].getBytes(StandardCharsets.UTF_8));
      }
      TarMembers.add(t, "abc/layer.tar", layer);
    }
    return out.toByteArray();
  }

  @Test
  void loadSaveLoadKeepsTheSameImage() throws Exception {
    byte[] layer = tar("hello.txt", "hello\n");
    ImageStore first = new ImageStore(dir.resolve("one"));
    assertEquals(List.of("busybox:latest"),
        new ArchiveLoader(first).load(new ByteArrayInputStream(dockerSave(layer, "busybox:latest"))));
    ImageRecord loaded = first.resolve("busybox");
    assertEquals(Digest.sha256(layer).toString(), loaded.layers().get(0).digest());

    ByteArrayOutputStream saved = new ByteArrayOutputStream();
    ArchiveWriter writer = new ArchiveWriter(first);
    writer.dockerArchive(List.of(writer.select("busybox:latest")), saved);
    ImageStore second = new ImageStore(dir.resolve("two"));
    new ArchiveLoader(second).load(new ByteArrayInputStream(saved.toByteArray()));
    assertEquals(loaded.id(), second.resolve("docker.io/library/busybox:latest").id());
    assertArrayEquals(layer, second.content().read(Digest.parse(second.resolve("busybox").layers().get(0).digest())));

    ByteArrayOutputStream again = new ByteArrayOutputStream();
    writer.dockerArchive(List.of(writer.select("busybox:latest")), again);
    assertArrayEquals(saved.toByteArray(), again.toByteArray(), "saving twice gave different archives");
  }

  @Test
  void anOciLayoutLoadsAndSavesBackByteForByte() throws Exception {
    byte[] layer = tar("hello.txt", "hello\n");
    ImageStore first = new ImageStore(dir.resolve("one"));
    new ArchiveLoader(first).load(new ByteArrayInputStream(dockerSave(layer, "busybox:latest")));
    ArchiveWriter writer = new ArchiveWriter(first);
    ByteArrayOutputStream layout = new ByteArrayOutputStream();
    writer.ociLayout(List.of(writer.select("busybox:latest")), layout);

    ImageStore second = new ImageStore(dir.resolve("two"));
    assertEquals(List.of("busybox:latest"), new ArchiveLoader(second).load(new ByteArrayInputStream(layout.toByteArray())));
    ImageRecord loaded = second.resolve("busybox:latest");
    assertEquals(first.resolve("busybox").id(), loaded.id());
    assertArrayEquals(layer, second.content().read(Digest.parse(loaded.layers().get(0).digest())));
    // The manifest is kept as it came: saving from the second store writes the same layout.
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    ArchiveWriter secondWriter = new ArchiveWriter(second);
    secondWriter.ociLayout(List.of(secondWriter.select("busybox:latest")), again);
    assertArrayEquals(layout.toByteArray(), again.toByteArray());
  }

  @Test
  void anOciBlobWhoseContentIsNotItsNameIsRefused() throws Exception {
    byte[] config = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
    String configHex = Digest.sha256(config).hex();
    String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configHex
        + "\",\"size\":" + config.length + "},\"layers\":[]}";
    String wrongName = "0".repeat(64);
    String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        + "\"digest\":\"sha256:" + wrongName + "\",\"size\":" + manifest.length() + "}]}";
    byte[] archive = tar("oci-layout", "{}", "index.json", index, "blobs/sha256/" + wrongName, manifest,
        "blobs/sha256/" + configHex, new String(config, StandardCharsets.UTF_8));
    ImageStore store = new ImageStore(dir.resolve("o"));
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new ArchiveLoader(store).load(new ByteArrayInputStream(archive)));
    assertTrue(e.getMessage().contains("digest mismatch: blobs/sha256/" + wrongName), e.getMessage());
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), store.content().list());
    InvalidArgument neither = assertThrows(InvalidArgument.class,
        () -> new ArchiveLoader(store).load(new ByteArrayInputStream(tar("x", "y"))));
    assertTrue(neither.getMessage().contains("neither manifest.json"), neither.getMessage());
  }

  @Test
  void aLayerThatDoesNotMatchItsDiffIdIsRefusedAndNothingIsLoaded() throws Exception {
    byte[] layer = tar("a", "1");
    byte[] archive = dockerSave(layer, "x:1");
    // Change the layer's content after the config recorded its digest.
    byte[] tampered = archive.clone();
    int at = indexOf(tampered, layer); // the same bytes: a second tar() could carry another mtime
    tampered[at + 512] = '2';
    ImageStore store = new ImageStore(dir.resolve("s"));
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new ArchiveLoader(store).load(new ByteArrayInputStream(tampered)));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), store.content().list());
  }

  @Test
  void refusesEntriesEscapingTheArchive() throws Exception {
    byte[] evil = tar("../../etc/evil", "x", "manifest.json", "[]");
    ImageStore store = new ImageStore(dir.resolve("e"));
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new ArchiveLoader(store).load(new ByteArrayInputStream(evil)));
    assertTrue(e.getMessage().contains("unsafe name"), e.getMessage());
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < 600; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("layer not found in the archive");
  }
}
