package dev.berth.images.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.RecordingFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.layer.RawTar;
import dev.berth.images.model.ChainId;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A loader with an unpacker: layers are unpacked while the archive is read, as `docker load` does. */
class StreamingLoadTest {
  @TempDir Path dir;

  private ImageStore store;
  private Snapshots snapshots;

  private ArchiveLoader loader() {
    store = new ImageStore(dir.resolve("store"));
    snapshots = new Snapshots(dir.resolve("snapshots"));
    return new ArchiveLoader(store, new ImageUnpacker(store, snapshots, new LayerUnpacker(new RecordingFileSystemOps(), false)));
  }

  /** A docker-archive of one image per tag, all on {@code blob} (whose tar hashes to {@code diffId}). */
  private static byte[] dockerSave(byte[] blob, Digest diffId, String... tags) throws Exception {
    String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
        + diffId + "\"]}}";
    String configName = Digest.sha256(config.getBytes(StandardCharsets.UTF_8)).hex() + ".json";
    StringBuilder manifest = new StringBuilder("[");
    for (String tag : tags) {
      manifest.append(manifest.length() > 1 ? "," : "").append("{\"Config\":\"").append(configName)
          .append("\",\"RepoTags\":[\"").append(tag).append("\"],\"Layers\":[\"abc/layer.tar\"]}");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      TarMembers.add(t, "abc/layer.tar", blob);
      TarMembers.add(t, configName, config.getBytes(StandardCharsets.UTF_8));
      TarMembers.add(t, "manifest.json", manifest.append("]").toString().getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  private List<String> leftovers() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("snapshots/layers"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".tmp")).toList();
    }
  }

  @Test
  void aLoadedImageIsUnpackedWithNothingStagedLeftOver() throws Exception {
    byte[] layer = new RawTar().dir("etc/").file("etc/motd", "hello\n").bytes();
    Digest diffId = Digest.sha256(layer);
    loader().load(new ByteArrayInputStream(dockerSave(layer, diffId, "one:latest", "two:latest")));
    Digest chain = ChainId.of(List.of(diffId)).get(0);
    assertTrue(snapshots.exists(chain), "the layer is unpacked once the load returns");
    assertEquals(diffId.toString(), snapshots.diffId(chain.toString()));
    assertEquals("hello\n", Files.readString(snapshots.layerDirsTopFirst(chain).get(0).resolve("etc/motd")));
    assertEquals(store.resolve("one").id(), store.resolve("two").id());
    assertEquals(List.of(), leftovers());
  }

  @Test
  void aCompressedLayersDiffIdIsTheHashOfItsTar() throws Exception {
    byte[] layer = new RawTar().file("a", "x").bytes();
    Digest diffId = Digest.sha256(layer);
    loader().load(new ByteArrayInputStream(dockerSave(gzip(layer), diffId, "gz:latest")));
    assertTrue(snapshots.exists(ChainId.of(List.of(diffId)).get(0)));
    assertEquals(List.of(), leftovers());
  }

  @Test
  void aLayerThatUnpacksToAnotherDiffIdIsNeverUsed() throws Exception {
    byte[] layer = new RawTar().file("a", "x").bytes();
    Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
    ArchiveLoader loader = loader();
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> loader.load(new ByteArrayInputStream(dockerSave(gzip(layer), claimed, "bad:latest"))));
    assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), snapshots.list());
    assertEquals(List.of(), leftovers());
    assertEquals(List.of(), store.content().list());
  }

  @Test
  void aLayerEscapingItsDirectoryFailsTheLoadNamingTheEntry() throws Exception {
    byte[] layer = new RawTar().file("../escape", "x").bytes();
    ArchiveLoader loader = loader();
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> loader.load(new ByteArrayInputStream(dockerSave(layer, Digest.sha256(layer), "evil:latest"))));
    assertTrue(e.getMessage().contains("../escape"), e.getMessage());
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), snapshots.list());
    assertEquals(List.of(), leftovers());
    assertTrue(Files.notExists(dir.resolve("snapshots/escape")) && Files.notExists(dir.resolve("escape")));
  }
}
