package dev.berth.images.service;

import static dev.berth.images.service.StoreFixture.digestName;
import static dev.berth.images.service.StoreFixture.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.store.ImageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesPruneTest {
  @TempDir Path dir;
  ImageStore store;
  Images images;
  ImageRecord tagged;
  ImageRecord untagged;
  ImageRecord digestOnly;
  ImageRecord used;
  ImageRecord labelled;

  @BeforeEach
  void images() {
    store = new ImageStore(dir);
    tagged = image(store, "2020-01-01T00:00:00Z", "busybox:latest");
    untagged = image(store, "2021-01-01T00:00:00Z");
    digestOnly = image(store, "2022-01-01T00:00:00Z", digestName("pulled", "x"));
    used = image(store, "2019-01-01T00:00:00Z");
    labelled = image(store, "2018-01-01T00:00:00Z", Map.of("keep", "yes"));
    images = new Images(store, id -> id.equals(used.id()) ? List.of(new ImageUsers.User("c1", false)) : List.of(),
        released -> new GarbageCollector.Collected(42, Set.of()));
  }

  private Set<String> left() {
    return store.list().stream().map(ImageRecord::id).collect(Collectors.toSet());
  }

  @Test
  void byDefaultImagesWithoutATagGoUnlessAContainerUsesThem() {
    PruneReport report = images.prune(Map.of());
    assertEquals(Set.of(tagged.id(), used.id()), left());
    assertEquals(42, report.spaceReclaimed());
    assertTrue(report.removed().contains(new Removal.Untagged(digestOnly.id(), digestName("pulled", "x"))),
        report.removed().toString());
    assertEquals(Set.of(untagged.id(), digestOnly.id(), labelled.id()), report.removed().stream()
        .filter(r -> r instanceof Removal.Deleted).map(Removal::imageId).collect(Collectors.toSet()));
    assertEquals(List.of(), images.prune(Map.of()).removed(), "a second prune finds nothing");
  }

  @Test
  void danglingFalseTakesTaggedImagesToo() {
    PruneReport report = images.prune(Map.of("dangling", List.of("false")));
    assertEquals(Set.of(used.id()), left());
    assertTrue(report.removed().contains(new Removal.Untagged(tagged.id(), "busybox:latest")), report.removed().toString());
  }

  @Test
  void labelAndUntilNarrowIt() {
    images.prune(Map.of("label!", List.of("keep=yes")));
    assertEquals(Set.of(tagged.id(), used.id(), labelled.id()), left());
    image(store, "2017-01-01T00:00:00Z", Map.of("keep", "no"));
    images.prune(Map.of("label", List.of("keep"), "dangling", List.of("0")));
    assertEquals(Set.of(tagged.id(), used.id()), left(), "both labelled images go: label is the key alone");
    images.prune(Map.of("until", List.of("2019-06-01T00:00:00Z"), "dangling", List.of("false")));
    assertEquals(Set.of(tagged.id(), used.id()), left(), "busybox is newer than until; used is in use");
    images.prune(Map.of("until", List.of("2020-01-01T00:00:01Z"), "dangling", List.of("false")));
    assertEquals(Set.of(used.id()), left());
  }

  @Test
  void badFiltersAreRefused() {
    assertEquals("invalid filter 'foo'",
        assertThrows(InvalidArgument.class, () -> images.prune(Map.of("foo", List.of("1")))).getMessage());
    assertEquals("invalid filter 'reference'",
        assertThrows(InvalidArgument.class, () -> images.prune(Map.of("reference", List.of("x")))).getMessage());
    assertEquals("invalid filter 'dangling=[xyz]'",
        assertThrows(InvalidArgument.class, () -> images.prune(Map.of("dangling", List.of("xyz")))).getMessage());
    assertEquals("invalid filter 'dangling=[true false]'", assertThrows(InvalidArgument.class,
        () -> images.prune(Map.of("dangling", List.of("true", "false")))).getMessage());
    assertEquals("more than one until filter specified", assertThrows(InvalidArgument.class,
        () -> images.prune(Map.of("until", List.of("1h", "2h")))).getMessage());
    assertEquals("failed to parse value as time or duration: \"soon\"",
        assertThrows(InvalidArgument.class, () -> images.prune(Map.of("until", List.of("soon")))).getMessage());
    assertEquals(5, left().size(), "a refused prune removed something");
  }
}
