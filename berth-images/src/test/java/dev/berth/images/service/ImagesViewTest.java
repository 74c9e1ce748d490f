package dev.berth.images.service;

import static dev.berth.images.service.StoreFixture.digestName;
import static dev.berth.images.service.StoreFixture.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect, history and tag. */
class ImagesViewTest {
  @TempDir Path dir;
  ImageStore store;
  Images images;
  ImageRecord busybox;
  String digest;

  @BeforeEach
  void images() {
    store = new ImageStore(dir);
    images = new Images(store, ImageUsers.NONE, Garbage.NONE);
    digest = digestName("busybox", "index");
    busybox = image(store, "2020-01-01T00:00:00Z", Map.of("a", "1"), "busybox:latest", digest);
  }

  @Test
  void inspectShowsTheConfigAndBothKindsOfName() {
    ImageDetails d = images.inspect("busybox");
    assertEquals(busybox.id(), d.id());
    assertEquals(List.of("busybox:latest"), d.repoTags());
    assertEquals(List.of(digest), d.repoDigests());
    assertEquals("the last step", d.comment());
    assertEquals("2020-01-01T00:00:00Z", d.created());
    assertEquals("tester", d.author());
    assertEquals("sh", d.config().path("Cmd").path(0).asText());
    assertEquals("1", d.config().path("Labels").path("a").asText());
    assertEquals("amd64", d.architecture());
    assertEquals("linux", d.os());
    assertEquals(busybox.layers().getFirst().size(), d.size());
    assertEquals(List.of(busybox.layers().getFirst().digest()), d.diffIds());
    assertEquals(busybox.id(), images.inspect(digest).id(), "the digest name resolves");
    assertEquals(busybox.id(), images.inspect(busybox.id().substring(7, 19)).id(), "a short id resolves");
    NotFound e = assertThrows(NotFound.class, () -> images.inspect("nosuch"));
    assertEquals("No such image: nosuch:latest", e.getMessage());
  }

  @Test
  void historyIsNewestFirstAndOnlyTheTopCarriesTheIdAndNames() {
    List<HistoryEntry> h = images.history("busybox:latest");
    assertEquals(2, h.size());
    assertEquals(busybox.id(), h.get(0).id());
    assertEquals(List.of("busybox:latest"), h.get(0).tags());
    assertEquals("/bin/sh -c #(nop)  CMD [\"sh\"]", h.get(0).createdBy());
    assertEquals(0, h.get(0).size(), "an empty layer has no size");
    assertEquals("the last step", h.get(0).comment());
    assertEquals("<missing>", h.get(1).id());
    assertEquals(List.of(), h.get(1).tags());
    assertEquals(busybox.layers().getFirst().size(), h.get(1).size());
    assertEquals(1577836800L, h.get(1).created());
    assertThrows(NotFound.class, () -> images.history("nosuch"));
  }

  @Test
  void tagNamesTheImageTheSourceResolvesTo() {
    assertEquals(new Images.Tagged(busybox.id(), Reference.parse("mine/box:1")), images.tag("busybox", "mine/box", "1"));
    assertEquals(Reference.parse("mine/box:latest"), images.tag(busybox.id(), "mine/box", "").name());
    assertEquals(busybox.id(), store.resolve("mine/box:1").id());
    assertEquals(busybox.id(), store.resolve("mine/box").id());
    assertEquals(List.of("busybox:latest", "mine/box:1", "mine/box:latest"),
        images.inspect("busybox").repoTags().stream().sorted().toList());
    // Tagging again moves the name: the other image loses it.
    ImageRecord other = image(store, "2021-01-01T00:00:00Z", "other:1");
    images.tag("other:1", "mine/box", "1");
    assertEquals(other.id(), store.resolve("mine/box:1").id());
  }

  @Test
  void tagRefusesWhatDockerRefuses() {
    assertEquals("repository name is required",
        assertThrows(InvalidArgument.class, () -> images.tag("busybox", "", "1")).getMessage());
    assertEquals("refusing to create a tag with a digest reference",
        assertThrows(InvalidArgument.class, () -> images.tag("busybox", digest, null)).getMessage());
    String hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assertEquals("invalid repository name (" + hex + "), cannot specify 64-byte hexadecimal strings",
        assertThrows(InvalidArgument.class, () -> images.tag("busybox", hex, null)).getMessage());
    assertThrows(InvalidArgument.class, () -> images.tag("busybox", "Upper", "1"));
    assertThrows(InvalidArgument.class, () -> images.tag("busybox", "a", "-x"));
    assertEquals("No such image: nosuch:latest",
        assertThrows(NotFound.class, () -> images.tag("nosuch", "a", "1")).getMessage());
    assertEquals(List.of("busybox:latest"), images.inspect("busybox").repoTags(), "a refused tag left a name");
  }
}
