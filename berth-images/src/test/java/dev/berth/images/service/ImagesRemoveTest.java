package dev.berth.images.service;

import static dev.berth.images.service.StoreFixture.digestName;
import static dev.berth.images.service.StoreFixture.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.NotFound;
import dev.berth.images.digest.Digest;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.layer.UnpackedLayer;
import dev.berth.images.model.ChainId;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** rmi: what it untags and deletes, and every refusal, with Docker's messages. */
class ImagesRemoveTest {
  static final String CONTAINER = "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1a2b";
  @TempDir Path dir;
  ImageStore store;
  Snapshots snapshots;
  Images images;
  Map<String, List<ImageUsers.User>> users = new HashMap<>();
  /** The containers the daemon knows, whose snapshots are theirs. */
  Set<String> containers = new HashSet<>();
  List<Long> collected = new ArrayList<>();

  @BeforeEach
  void store() {
    store = new ImageStore(dir.resolve("images"));
    snapshots = new Snapshots(dir.resolve("snapshots"));
    GarbageCollector gc = new GarbageCollector(store, snapshots);
    images = new Images(store, id -> users.getOrDefault(id, List.of()), released -> {
      GarbageCollector.Collected c = gc.collect(containers, released);
      collected.add(c.bytes());
      return c;
    });
  }

  private void usedBy(ImageRecord image, boolean running) {
    users.put(image.id(), List.of(new ImageUsers.User(CONTAINER, running)));
  }

  /** A stopped container of the image, as the daemon has one: its snapshot stands on the image's layers. */
  private void stoppedContainerOn(ImageRecord image) {
    snapshots.createContainer(CONTAINER, unpack(image).getLast());
    containers.add(CONTAINER);
    usedBy(image, false);
  }

  /**
   * {@code first}, then the one-layer image deleted and its layer, which nothing else has, listed by
   * its chain id (for a bottom layer its diff id: the fixture's blob is the uncompressed tar).
   */
  private static List<Removal> thenDeleted(ImageRecord image, Removal... first) {
    List<Removal> lines = new ArrayList<>(List.of(first));
    lines.add(new Removal.Deleted(image.id()));
    lines.add(new Removal.LayerDeleted(image.id(), image.layers().getFirst().digest()));
    return lines;
  }

  private static String shortId(ImageRecord image) {
    return Digest.parse(image.id()).shortHex();
  }

  @Test
  void aNameIsUntaggedAndTheImageGoesWithItsLastNameAndBlobs() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "mine:1");
    assertEquals(List.of(new Removal.Untagged(image.id(), "mine:1")), images.remove("mine:1", false));
    assertEquals(List.of(), collected, "nothing was deleted, so nothing is collected");
    assertEquals(thenDeleted(image, new Removal.Untagged(image.id(), "busybox:latest")),
        images.remove("busybox", false));
    assertThrows(NotFound.class, () -> store.get(image.id()));
    assertEquals(List.of(), store.content().list(), "the config and layer blobs outlived the image");
    assertTrue(collected.getFirst() > 0, "the bytes freed are reported");
  }

  @Test
  void anUntaggedImageIsDeletedById() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z");
    assertEquals(thenDeleted(image), images.remove(image.id().substring(7, 19), false));
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
  void forcedTheLastNameOfAStoppedContainersImageTakesTheImage() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    stoppedContainerOn(image);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Deleted(image.id())),
        images.remove("busybox", true));
    assertThrows(NotFound.class, () -> store.get(image.id()));
    assertEquals(1, collected.size());
  }

  @Test
  void forcedTheLastNameOfARunningContainersImageGoesAndTheImageStaysDangling() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, true);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest")), images.remove("busybox", true));
    assertEquals(image, store.get(image.id()));
    assertEquals(List.of(), images.inspect(image.id()).repoTags());
    assertEquals(List.of(image.id()), images.list(Map.of("dangling", List.of("true"))).stream()
        .map(ImageSummary::id).toList());
    assertEquals(List.of(), collected, "nothing was deleted, so nothing is collected");
  }

  @Test
  void forcedTheLastTagTakesItsDigestNamesAndTheImageStaysForItsRunningContainer() {
    String digest = digestName("busybox", "index");
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", digest);
    usedBy(image, true);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Untagged(image.id(), digest)),
        images.remove("busybox:latest", true));
    assertEquals(image, store.get(image.id()));
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
    assertEquals(thenDeleted(image, new Removal.Untagged(image.id(), "busybox:latest"),
        new Removal.Untagged(image.id(), "mine:1")), removed);
  }

  @Test
  void byIdOneTagAndItsDigestsGoWithoutForce() {
    String digest = digestName("busybox", "index");
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", digest);
    List<Removal> removed = images.remove(image.id(), false);
    assertEquals(4, removed.size(), removed.toString());
    assertTrue(removed.contains(new Removal.Untagged(image.id(), digest)), removed.toString());
    assertEquals(thenDeleted(image), removed.subList(2, 4));
  }

  @Test
  void byIdAStoppedContainerNeedsForceAndARunningOneCannotBeForced() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    stoppedContainerOn(image);
    Conflict stopped = assertThrows(Conflict.class, () -> images.remove(image.id(), false));
    assertEquals("conflict: unable to delete " + shortId(image) + " (must be forced) - image is being used by stopped"
        + " container 1a2b3c4d5e6f", stopped.getMessage());
    usedBy(image, true);
    Conflict running = assertThrows(Conflict.class, () -> images.remove(image.id(), true));
    assertEquals("conflict: unable to delete " + shortId(image) + " (cannot be forced) - image is being used by running"
        + " container 1a2b3c4d5e6f", running.getMessage());
    assertEquals(List.of("busybox:latest"), images.inspect(image.id()).repoTags(), "a refusal took the name");
    ImageRecord twoNames = image(store, "2021-01-01T00:00:00Z", "a:1", "b:1");
    usedBy(twoNames, true);
    assertTrue(assertThrows(Conflict.class, () -> images.remove(twoNames.id(), false)).getMessage()
        .contains("(cannot be forced) - image is being used by running container"), "running is checked first");
    assertEquals(List.of("a:1", "b:1"), images.inspect(twoNames.id()).repoTags());
    usedBy(image, false);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Deleted(image.id())),
        images.remove(image.id(), true), "forced, the names go and the image with them, its layer stays");
    assertThrows(NotFound.class, () -> store.get(image.id()));
  }

  @Test
  void byIdADanglingImageARunningContainerUsesCannotGoEvenForced() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    usedBy(image, true);
    images.remove("busybox", true);
    for (boolean force : new boolean[] {false, true}) {
      assertEquals("conflict: unable to delete " + shortId(image) + " (cannot be forced) - image is being used by"
          + " running container 1a2b3c4d5e6f", assertThrows(Conflict.class, () -> images.remove(image.id(), force))
          .getMessage());
    }
    users.clear();
    assertEquals(thenDeleted(image), images.remove(shortId(image), false), "once the container is gone");
  }

  @Test
  void byIdNamesInSeveralRepositoriesAreReportedBeforeAStoppedContainer() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "mine:1");
    stoppedContainerOn(image);
    assertEquals("conflict: unable to delete " + shortId(image) + " (must be forced) - image is referenced in multiple"
        + " repositories", assertThrows(Conflict.class, () -> images.remove(image.id(), false)).getMessage());
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Untagged(image.id(), "mine:1"),
        new Removal.Deleted(image.id())), images.remove(image.id(), true));
  }

  @Test
  void theLastTagOfARepositoryTakesItsDigestNames() {
    String digest = digestName("busybox", "index");
    String otherDigest = digestName("mirror/busybox", "index");
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", "busybox:1", digest, otherDigest);
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:1")), images.remove("busybox:1", false));
    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Untagged(image.id(), digest)),
        images.remove("busybox:latest", false));
    assertEquals(thenDeleted(image, new Removal.Untagged(image.id(), otherDigest)), images.remove(otherDigest, false));
  }

  @Test
  void aTagWithDigestsOfItsRepositoryIsStillASingleReference() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", "busybox:latest", digestName("busybox", "index"));
    usedBy(image, false);
    assertTrue(assertThrows(Conflict.class, () -> images.remove("busybox", false)).getMessage().contains("(must force)"));
  }

  /** The image's layers unpacked as the supervisor does for a container: a snapshot per chain id, bottom up. */
  private List<String> unpack(ImageRecord image) {
    List<Digest> diffIds = ImageConfig.parse(store.content().read(Digest.parse(image.id()))).diffIds().stream()
        .map(Digest::parse).toList();
    List<String> chain = ChainId.of(diffIds).stream().map(Digest::toString).toList();
    for (int i = 0; i < chain.size(); i++) {
      Digest diffId = diffIds.get(i);
      snapshots.prepare(chain.get(i), i == 0 ? null : chain.get(i - 1), target -> {
        try {
          Files.createDirectories(target);
          Files.writeString(target.resolve("file"), diffId.toString());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return new UnpackedLayer(diffId, 71);
      });
    }
    return chain;
  }

  @Test
  void aDeletedImagesLayersStayWhileAContainerSnapshotStandsOnThem() {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", Map.of(), 3, "busybox:latest");
    List<String> layers = unpack(image);
    snapshots.createContainer(CONTAINER, layers.getLast());
    containers.add(CONTAINER);
    usedBy(image, false);
    ImageRecord unused = image(store, "2021-01-01T00:00:00Z", "unused:1");
    List<String> unusedLayers = unpack(unused);

    assertEquals(List.of(new Removal.Untagged(image.id(), "busybox:latest"), new Removal.Deleted(image.id())),
        images.remove(image.id(), true));
    assertEquals(Set.copyOf(concat(layers, unusedLayers)), Set.copyOf(snapshots.list()),
        "the layers of a stopped container went with its image");
    assertFalse(store.content().list().contains(Digest.parse(image.id())), "the deleted image's config stayed");
    assertEquals(layers.getLast(), snapshots.container(CONTAINER).topChainId());

    // A snapshot the daemon does not count (a create in flight) keeps its layers too.
    containers.clear();
    assertEquals(List.of(new Removal.Untagged(unused.id(), "unused:1"), new Removal.Deleted(unused.id()),
        new Removal.LayerDeleted(unused.id(), unusedLayers.getFirst())), images.remove("unused:1", false));
    assertEquals(Set.copyOf(layers), Set.copyOf(snapshots.list()), "the unused image's layers were not collected,"
        + " or the container's were");

    snapshots.removeContainer(CONTAINER);
    users.clear();
    images.prune(Map.of());
    assertEquals(List.of(), snapshots.list(), "the container is gone: its layers are garbage");
    assertEquals(List.of(), store.content().list());
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Chain ids of a two-layer image, top first: sha256 of "<bottom chain> <top diff id>", then the bottom's diff id. */
  private static List<String> chainTopFirst(ImageRecord image) {
    String bottom = image.layers().get(0).digest();
    String top = Digest.sha256((bottom + " " + image.layers().get(1).digest()).getBytes(StandardCharsets.US_ASCII))
        .toString();
    return List.of(top, bottom);
  }

  /**
   * As a private dockerd 20.10 answered `docker rmi` of a loaded two-layer image: "Untagged: two:1", the
   * image, then its layers by chain id, top first ("Deleted: sha256:6d70b9…", the sha256 of
   * "sha256:bfb88… sha256:62cf2e…", then "Deleted: sha256:bfb88…", the bottom layer's diff id). Its
   * layers are always unpacked; Berth's are once a container ran, and are listed either way.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aDeletedImageIsFollowedByItsLayersTopFirstByChainId(boolean unpacked) {
    ImageRecord image = image(store, "2020-01-01T00:00:00Z", Map.of(), 2, "two:1");
    if (unpacked) unpack(image);
    List<String> chain = chainTopFirst(image);
    assertEquals(List.of(new Removal.Untagged(image.id(), "two:1"), new Removal.Deleted(image.id()),
        new Removal.LayerDeleted(image.id(), chain.get(0)), new Removal.LayerDeleted(image.id(), chain.get(1))),
        images.remove("two:1", false));
    assertEquals(List.of(), snapshots.list());
    assertEquals(List.of(), store.content().list());
  }

  /**
   * As dockerd answered for an image committed on another: the layer the other image has is not listed
   * with the first, and is with the other, once nothing else stands on it.
   */
  @Test
  void aLayerAnotherImageHasIsListedWithTheLastImageOnIt() {
    ImageRecord two = image(store, "2020-01-01T00:00:00Z", Map.of(), 2, "two:1");
    ImageRecord base = image(store, "2019-01-01T00:00:00Z", Map.of(), two.layers().subList(0, 1), "base:1");
    List<String> chain = unpack(two).reversed();
    assertEquals(chainTopFirst(two), chain);
    assertEquals(List.of(new Removal.Untagged(two.id(), "two:1"), new Removal.Deleted(two.id()),
        new Removal.LayerDeleted(two.id(), chain.get(0))), images.remove("two:1", false));
    assertEquals(List.of(chain.get(1)), snapshots.list(), "base's layer went with the image on it");
    assertEquals(List.of(new Removal.Untagged(base.id(), "base:1"), new Removal.Deleted(base.id()),
        new Removal.LayerDeleted(base.id(), chain.get(1))), images.remove("base:1", false));
    assertEquals(List.of(), snapshots.list());
  }

  /** A prune lists a layer two of its images stood on once, after the later of the two, as dockerd's does. */
  @Test
  void aPruneListsASharedLayerAfterTheLastImageOnIt() {
    ImageRecord two = image(store, "2020-01-01T00:00:00Z", Map.of(), 2);
    ImageRecord base = image(store, "2019-01-01T00:00:00Z", Map.of(), two.layers().subList(0, 1));
    List<String> chain = chainTopFirst(two);
    List<Removal> lines = images.prune(Map.of()).removed();
    boolean twoFirst = lines.getFirst().equals(new Removal.Deleted(two.id()));
    assertEquals(twoFirst
        ? List.of(new Removal.Deleted(two.id()), new Removal.LayerDeleted(two.id(), chain.get(0)),
            new Removal.Deleted(base.id()), new Removal.LayerDeleted(base.id(), chain.get(1)))
        : List.of(new Removal.Deleted(base.id()), new Removal.Deleted(two.id()),
            new Removal.LayerDeleted(two.id(), chain.get(0)), new Removal.LayerDeleted(two.id(), chain.get(1))),
        lines);
  }

  @Test
  void unknownNamesAreNotFound() {
    assertEquals("No such image: nosuch:latest",
        assertThrows(NotFound.class, () -> images.remove("nosuch", false)).getMessage());
    assertThrows(NotFound.class, () -> images.remove("sha256:" + "0".repeat(64), true));
  }
}
