package dev.berth.images.service;

import static dev.berth.images.service.StoreFixture.digestName;
import static dev.berth.images.service.StoreFixture.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.NotFound;
import dev.berth.images.digest.Digest;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rmi: what it untags and deletes, and every refusal, with Docker's messages. */
class ImagesRemoveTest {
  static final String CONTAINER = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b";
  @TempDir Path dir;
  ImageStore store;
  Images images;
  Map<String, List<ImageUsers.User>> users = new HashMap<>();
  List<Long> collected = new ArrayList<>();

  @BeforeEach
  void store() {
    store = new ImageStore(dir.resolve("images"));
    GarbageCollector gc = new GarbageCollector(store, new Snapshots(dir.resolve("snapshots")));
    images = new Images(store, id -> users.getOrDefault(id, List.of()), () -> {
      long bytes = gc.collect(Set.of()).stream().mapToLong(GarbageCollector.Item::bytes).sum();
      collected.add(bytes);
      return bytes;
    });
  }

  private void usedBy(ImageRecord image, boolean running) {
    users.put(image.id(), List.of(new ImageUsers.User(CONTAINER, running)));
  }

  private static String shortId(ImageRecord image) {
    return Digest.parse(image.id()).shortHex();
  }

  @Test
  void aNameIsUntaggedAndTheImageGoesWithItsLastNameAndBlobs() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "mine:1");
    assertEquals(List.of(new Removal.Untagged(image.id(), "mine:1")), images.remove("mine:1", false));
    assertEquals(List.of(), collected, "nothing was deleted, so nothing is collected");
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Deleted(image.id())),
        images.remove("busybox", false));
    assertThrows(NotFound.class, () -> store.get(image.id()));
    assertEquals(List.of(), store.content().list(), "the config and layer blobs outlived the image");
    assertTrue(collected.getFirst() > 0, "the bytes freed are reported");
  }

  @Test
  void anUntaggedImageIsDeletedById() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z");
    assertEquals(List.of(new Removal.Deleted(image.id())), images.remove(image.id().substring(7, 19), false));
    assertEquals(List.of(), store.list());
  }

  @Test
  void theLastNameOfAnImageAContainerUsesNeedsForce() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, false);
    Conflict e = assertThrows(Conflict.class, () -> images.remove("busybox", false));
    assertEquals("conflict: unable to remove repository reference \"busybox\" (must force) - container 1a2b3c4d5e6f"
        + " is using its referenced image " + shortId(image), e.getMessage());
    usedBy(image, true);
    assertEquals(e.getMessage(), assertThrows(Conflict.class, () -> images.remove("busybox", false)).getMessage());
    assertEquals(List.of("busybox:latest"), images.inspect(image.id()).repoTags(), "a refusal took the name");
  }

  @Test
  void forcedTheLastNameGoesButTheImageStaysForItsContainer() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, false);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest")), images.remove("busybox", true));
    assertEquals(image, store.get(image.id()));
    assertEquals(List.of(), collected);
  }

  @Test
  void aRunningContainersImageKeepsItsLastNameEvenForced() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, true);
    Conflict e = assertThrows(Conflict.class, () -> images.remove("busybox", true));
    assertEquals("conflict: unable to delete " + shortId(image) + " (cannot be forced) - image is being used by running"
        + " container 1a2b3c4d5e6f", e.getMessage());
    assertEquals(List.of("busybox:latest"), images.inspect(image.id()).repoTags());
  }

  @Test
  void aNameThatIsNotTheLastGoesEvenWhileAContainerUsesTheImage() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "mine:1");
    usedBy(image, true);
    assertEquals(List.of(new Removal.Untagged(image.id(), "mine:1")), images.remove("mine:1", false));
  }

  @Test
  void byIdNamesInSeveralRepositoriesNeedForce() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "mine:1");
    Conflict e = assertThrows(Conflict.class, () -> images.remove(image.id(), false));
    assertEquals("conflict: unable to delete " + shortId(image) + " (must be forced) - image is referenced in multiple"
        + " repositories", e.getMessage());
    List<Removal> removed = images.remove(shortId(image), true);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Untagged(image.id(), "mine:1"),
        new Removal.Deleted(image.id())), removed);
  }

  @Test
  void byIdOneTagAndItsDigestsGoWithoutForce() {
    String digest = digestName("busybox", "index");
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", digest);
    List<Removal> removed = images.remove(image.id(), false);
    assertEquals(3, removed.size(), removed.toString());
    assertTrue(removed.contains(new Removal.Untagged(image.id(), digest)), removed.toString());
    assertEquals(new Removal.Deleted(image.id()), removed.getLast());
  }

  @Test
  void byIdAStoppedContainerNeedsForceAndARunningOneCannotBeForced() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, false);
    Conflict stopped = assertThrows(Conflict.class, () -> images.remove(image.id(), false));
    assertEquals("conflict: unable to delete " + shortId(image) + " (must be forced) - image is being used by stopped"
        + " container 1a2b3c4d5e6f", stopped.getMessage());
    usedBy(image, true);
    Conflict running = assertThrows(Conflict.class, () -> images.remove(image.id(), true));
    assertEquals("conflict: unable to delete " + shortId(image) + " (cannot be forced) - image is being used by running"
        + " container 1a2b3c4d5e6f", running.getMessage());
    ImageRecord twoNames = image(store, "2021-01-01T00:00:00Z", "a:1", "b:1");
    usedBy(twoNames, true);
    assertTrue(assertThrows(Conflict.class, () -> images.remove(twoNames.id(), false)).getMessage()
        .contains("(cannot be forced) - image is being used by running container"), "running is checked first");
    usedBy(image, false);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest")), images.remove(image.id(), true),
        "forced, the names go and the image stays for its container");
    assertEquals(image, store.get(image.id()));
  }

  @Test
  void theLastTagOfARepositoryTakesItsDigestNames() {
    String digest = digestName("busybox", "index");
    String otherDigest = digestName("mirror/busybox", "index");
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "busybox:1", digest, otherDigest);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:1")), images.remove("busybox:1", false));
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Untagged(image.id(), digest)),
        images.remove("busybox:latest", false));
    assertEquals(List.of(new Removal.Untagged(image.id(), otherDigest), new Removal.Deleted(image.id())),
        images.remove(otherDigest, false));
  }

  @Test
  void aTagWithDigestsOfItsRepositoryIsStillASingleReference() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", digestName("busybox", "index"));
    usedBy(image, false);
    assertTrue(assertThrows(Conflict.class, () -> images.remove("busybox", false)).getMessage().contains("(must force)"));
  }

  @Test
  void unknownNamesAreNotFound() {
    assertEquals("No such image: nosuch:latest",
        assertThrows(NotFound.class, () -> images.remove("nosuch", false)).getMessage());
    assertThrows(NotFound.class, () -> images.remove("sha256:" + "0".repeat(64), true));
  }
}
