package dev.berth.images.service;

import static dev.berth.images.service.StoreFixture.digestName;
import static dev.berth.images.service.StoreFixture.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.store.ImageStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesListTest {
  @TempDir Path dir;
  ImageStore store;
  Images images;
  ImageRecord old;
  ImageRecord middle;
  ImageRecord recent;
  ImageRecord dangling;
  ImageRecord digestOnly;
  String busyboxDigest;

  @BeforeEach
  void images() {
    store = new ImageStore(dir);
    images = new Images(store, ImageUsers.NONE, Garbage.NONE);
    busyboxDigest = digestName("busybox", "index");
    old = image(store, "2020-01-01T00:00:00Z", Map.of("tier", "base"), "busybox:latest", busyboxDigest);
    middle = image(store, "2021-06-01T12:00:00.5Z", Map.of("tier", "app", "team", "a"), "app:1", "registry.local:5000/app:2");
    recent = image(store, "2023-03-03T03:03:03Z", Map.of("tier", "app"), "other/tool:v1");
    dangling = image(store, "2022-01-01T00:00:00Z", Map.of());
    digestOnly = image(store, "2019-01-01T00:00:00Z", Map.of(), digestName("pulled", "by digest"));
  }

  private List<String> ids(Map<String, List<String>> filters) {
    return images.list(filters).stream().map(ImageSummary::id).toList();
  }

  @Test
  void listsNewestFirstWithTagsAndDigestsApart() {
    List<ImageSummary> all = images.list(Map.of());
    assertEquals(List.of(recent.id(), dangling.id(), middle.id(), old.id(), digestOnly.id()),
        all.stream().map(ImageSummary::id).toList());
    ImageSummary busybox = all.get(3);
    assertEquals(List.of("busybox:latest"), busybox.repoTags());
    assertEquals(List.of(busyboxDigest), busybox.repoDigests());
    assertEquals(Instant.parse("2020-01-01T00:00:00Z").getEpochSecond(), busybox.created());
    assertEquals(old.layers().getFirst().size(), busybox.size());
    assertEquals(Map.of("tier", "base"), busybox.labels());
    assertEquals(List.of("app:1", "registry.local:5000/app:2"), all.get(2).repoTags().stream().sorted().toList());
    assertEquals(List.of(), all.get(1).repoTags());
    assertEquals(List.of(), all.get(1).repoDigests());
  }

  @Test
  void danglingMeansWithoutATag() {
    assertEquals(List.of(dangling.id(), digestOnly.id()), ids(Map.of("dangling", List.of("true"))));
    assertEquals(List.of(recent.id(), middle.id(), old.id(), digestOnly.id()), ids(Map.of("dangling", List.of("false"))));
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> ids(Map.of("dangling", List.of("xyz"))));
    assertEquals("invalid filter 'dangling=[xyz]'", e.getMessage());
  }

  @Test
  void referenceMatchesFamiliarNamesAndNarrowsTheNamesShown() {
    List<ImageSummary> busy = images.list(Map.of("reference", List.of("busy*")));
    assertEquals(List.of(old.id()), busy.stream().map(ImageSummary::id).toList());
    assertEquals(List.of("busybox:latest"), busy.getFirst().repoTags());
    assertEquals(List.of(old.id()), ids(Map.of("reference", List.of("busybox"))), "the repository alone matches");
    List<ImageSummary> app = images.list(Map.of("reference", List.of("app:*")));
    assertEquals(List.of("app:1"), app.getFirst().repoTags(), "only the matching name is shown");
    assertEquals(List.of(recent.id(), middle.id()), ids(Map.of("reference", List.of("*/*", "app"))), "values are ORed");
    assertEquals(List.of(middle.id(), old.id(), digestOnly.id()), ids(Map.of("reference", List.of("*"))),
        "* does not cross '/'");
    assertEquals(List.of("registry.local:5000/app:2"),
        images.list(Map.of("reference", List.of("registry.local:5000/*"))).getFirst().repoTags());
    assertEquals(List.of(), ids(Map.of("reference", List.of("nothing*"))));
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> ids(Map.of("reference", List.of("["))));
    assertEquals("syntax error in pattern", e.getMessage());
  }

  @Test
  void labelsAreAnded() {
    assertEquals(List.of(recent.id(), middle.id(), old.id()), ids(Map.of("label", List.of("tier"))));
    assertEquals(List.of(recent.id(), middle.id()), ids(Map.of("label", List.of("tier=app"))));
    assertEquals(List.of(middle.id()), ids(Map.of("label", List.of("tier=app", "team"))));
    assertEquals(List.of(), ids(Map.of("label", List.of("tier=none"))));
  }

  @Test
  void beforeSinceAndUntilBoundTheCreationTime() {
    assertEquals(List.of(old.id(), digestOnly.id()), ids(Map.of("before", List.of("app:1"))));
    assertEquals(List.of(recent.id(), dangling.id()), ids(Map.of("since", List.of("app:1"))));
    assertEquals(List.of(digestOnly.id()), ids(Map.of("before", List.of("app:1", "busybox"))), "the oldest bound wins");
    assertEquals(List.of(recent.id()), ids(Map.of("since", List.of(old.id(), dangling.id()))), "the newest bound wins");
    assertEquals(List.of(old.id(), digestOnly.id()), ids(Map.of("until", List.of("2021-01-01"))));
    assertEquals(List.of(dangling.id(), middle.id(), old.id(), digestOnly.id()),
        ids(Map.of("until", List.of(Long.toString(Instant.parse("2023-01-01T00:00:00Z").getEpochSecond())))));
    assertEquals(5, ids(Map.of("until", List.of("1h"))).size());
    NotFound missing = assertThrows(NotFound.class, () -> ids(Map.of("before", List.of("nosuch"))));
    assertEquals("No such image: nosuch:latest", missing.getMessage());
    InvalidArgument bad = assertThrows(InvalidArgument.class, () -> ids(Map.of("until", List.of("xyz"))));
    assertEquals("failed to parse value as time or duration: \"xyz\"", bad.getMessage());
  }

  @Test
  void unknownFiltersAreRefused() {
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> ids(Map.of("foo", List.of("bar"))));
    assertEquals("invalid filter 'foo'", e.getMessage());
  }
}
