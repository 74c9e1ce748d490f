package dev.berth.images.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.model.Platform;
import dev.berth.images.service.Garbage;
import dev.berth.images.service.ImageUsers;
import dev.berth.images.service.Images;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Indexes and manifest lists as images of their own: loaded for this platform, kept, saved back as they came. */
class MultiPlatformLoadTest {
  @TempDir Path dir;

  private static List<String> load(ImageStore store, byte[] archive) {
    return new ArchiveLoader(store).load(new ByteArrayInputStream(archive));
  }

  private static byte[] saveOci(ImageStore store, String name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter writer = new ArchiveWriter(store);
    writer.ociLayout(List.of(writer.select(name)), out);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void thisPlatformRunsAndTheIndexIsKeptAndNamesIt(boolean docker) throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(docker);
    ImageStore store = new ImageStore(dir.resolve("s"));
    assertEquals(List.of("multi:1"), load(store, layout.layout("multi:1")));
    ImageRecord image = store.resolve("multi:1");
    assertEquals(layout.hostConfig.toString(), image.id(), "the image is this platform's");
    assertEquals(layout.indexDigest.toString(), image.index());
    assertEquals(layout.hostManifestDescriptor.path("digest").asText(), image.manifest());
    assertArrayEquals(layout.index, store.content().read(layout.indexDigest), "the index bytes as received");
    assertEquals(image.id(), store.resolve("multi@" + layout.indexDigest).id(), "name@sha256:<index> resolves");
    var details = new Images(store, ImageUsers.NONE, Garbage.NONE).inspect("multi:1");
    assertEquals(List.of("multi@" + layout.indexDigest), details.repoDigests());
    assertEquals(List.of("multi:1"), details.repoTags());
    for (String hex : layout.blobs.keySet()) {
      assertTrue(store.content().exists(new Digest("sha256", hex)), "the other platform's blob " + hex + " was dropped");
    }
    assertEquals(1, store.list().size(), "the other platform became an image");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anOciSaveWritesTheIndexBackByteIdentical(boolean docker) throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(docker);
    ImageStore store = new ImageStore(dir.resolve("s"));
    load(store, layout.layout("multi:1"));
    Map<String, byte[]> saved = MultiPlatformLayout.members(saveOci(store, "multi:1"));
    JsonNode entry = MultiPlatformLayout.JSON.readTree(saved.get("index.json")).path("manifests").path(0);
    assertEquals(layout.indexDigest.toString(), entry.path("digest").asText());
    assertEquals(docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX, entry.path("mediaType").asText());
    assertEquals(layout.index.length, entry.path("size").asLong());
    for (var blob : layout.blobs.entrySet()) {
      assertArrayEquals(blob.getValue(), saved.get("blobs/sha256/" + blob.getKey()), "blob " + blob.getKey());
    }
    assertEquals(layout.blobs.size() + 2, saved.size(), "only the blobs, oci-layout and index.json: " + saved.keySet());

    ImageStore second = new ImageStore(dir.resolve("second"));
    byte[] again = saveOci(store, "multi:1");
    assertEquals(List.of("multi:1"), load(second, again));
    assertEquals(store.resolve("multi:1"), second.resolve("multi:1"), "a round trip kept the same record");
  }

  @Test
  void withAnotherPlatformsLayerMissingOnlyThisPlatformIsSaved() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false);
    ImageStore store = new ImageStore(dir.resolve("s"));
    load(store, layout.layout("multi:1", layout.otherLayer));
    ImageRecord image = store.resolve("multi:1");
    assertEquals(layout.indexDigest.toString(), image.index(), "the index is kept even so");
    Map<String, byte[]> saved = MultiPlatformLayout.members(saveOci(store, "multi:1"));
    JsonNode entry = MultiPlatformLayout.JSON.readTree(saved.get("index.json")).path("manifests").path(0);
    assertEquals(image.manifest(), entry.path("digest").asText(), "the index was written with a blob missing");
    assertEquals(MediaTypes.OCI_MANIFEST, entry.path("mediaType").asText());
    assertFalse(saved.containsKey("blobs/sha256/" + layout.indexDigest.hex()));
    assertFalse(saved.containsKey("blobs/sha256/" + layout.otherConfig.hex()));
    assertEquals(5, saved.size(), "oci-layout, index.json, manifest, config, layer: " + saved.keySet());
  }

  @Test
  void garbageCollectionCountsTheIndexAsTheImagesAndTakesItWithIt() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false);
    ImageStore store = new ImageStore(dir.resolve("s"));
    load(store, layout.layout("multi:1"));
    GarbageCollector gc = new GarbageCollector(store, new Snapshots(dir.resolve("snapshots")));
    assertEquals(List.of(), gc.collect(Set.of()), "garbage collection took part of a loaded index");
    assertEquals(layout.blobs.size(), store.content().list().size());
    Images images = new Images(store, ImageUsers.NONE, released -> gc.collect(Set.of(), released));
    images.remove("multi:1", false);
    assertEquals(List.of(), store.content().list(), "the index and other platforms' blobs outlived the image");
    assertEquals(List.of(), store.tags().keySet().stream().toList(), "the digest name outlived the image");
  }

  @Test
  void aDockerArchiveWithAnOciLayoutBesideItKeepsTheIndex() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false);
    ImageStore store = new ImageStore(dir.resolve("s"));
    assertEquals(List.of("multi:2"), load(store, layout.dockerSave("multi:2")));
    ImageRecord image = store.resolve("multi:2");
    assertEquals(layout.hostConfig.toString(), image.id());
    assertEquals(layout.indexDigest.toString(), image.index());
    assertEquals(image.id(), store.resolve("multi@" + layout.indexDigest).id());
  }

  @Test
  void anIndexJsonListingEachPlatformLoadsOnlyThisOne() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false);
    ImageStore store = new ImageStore(dir.resolve("s"));
    assertEquals(List.of("flat:1"), load(store, layout.flatLayout("flat:1")));
    assertEquals(1, store.list().size());
    assertEquals(layout.hostConfig.toString(), store.resolve("flat:1").id());
    assertNull(store.resolve("flat:1").index());
    assertFalse(store.content().exists(layout.otherConfig), "an image not loaded left its config");
  }

  @Test
  void anIndexWithoutThisPlatformIsRefusedAndLeavesNothing() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false, "mips64le");
    ImageStore store = new ImageStore(dir.resolve("s"));
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> load(store, layout.layout("multi:1")));
    assertEquals("blobs/sha256/" + layout.indexDigest.hex() + ": the image index has no " + Platform.host()
        + " image (it has linux/" + MultiPlatformLayout.OTHER_ARCH + ", linux/mips64le)", e.getMessage());
    assertEquals(List.of(), store.list());
    assertEquals(List.of(), store.content().list(), "a refused load left blobs");
  }

  @Test
  void aBlobOfAnotherPlatformThatIsNotItsNameIsRefused() throws Exception {
    MultiPlatformLayout layout = new MultiPlatformLayout(false);
    layout.blobs.put(layout.otherConfig.hex(), "{\"not\":\"it\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    ImageStore store = new ImageStore(dir.resolve("s"));
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> load(store, layout.layout("multi:1")));
    assertTrue(e.getMessage().contains("digest mismatch: blobs/sha256/" + layout.otherConfig.hex()), e.getMessage());
    assertEquals(List.of(), store.content().list());
  }
}
