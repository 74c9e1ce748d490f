package dev.berth.images.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageIndex;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.IndexBlobs;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.model.Platform;
import dev.berth.images.reference.Reference;
import dev.berth.images.service.Garbage;
import dev.berth.images.service.ImageDetails;
import dev.berth.images.service.ImageUsers;
import dev.berth.images.service.Images;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seam a registry pull uses: an index fetched by digest, this platform's manifest picked from it,
 * the image recorded with both and named as it was asked for ({@code name@sha256:<index>} or a tag).
 */
class FetchedNamesTest {
  @TempDir Path dir;

  /** What a pull of {@code app@sha256:<index>} writes before it names the image; returns the index digest. */
  private static Digest pullBlobs(ImageStore store, ImageRecord[] image) {
    byte[] layer = "a layer".getBytes(StandardCharsets.UTF_8);
    Digest layerDigest = store.content().write(layer);
    byte[] config = ("{\"os\":\"linux\",\"architecture\":\"" + Platform.host().architecture()
        + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
    Digest configDigest = store.content().write(config);
    byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
        + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{"
        + "\"mediaType\":\"" + MediaTypes.OCI_LAYER + "\",\"digest\":\"" + layerDigest + "\",\"size\":" + layer.length
        + "}]}").getBytes(StandardCharsets.UTF_8);
    Digest manifestDigest = store.content().write(manifest);
    byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
        + manifestDigest + "\",\"size\":" + manifest.length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\""
        + Platform.host().architecture() + "\"}}]}").getBytes(StandardCharsets.UTF_8);
    Digest indexDigest = store.content().write(index);
    Descriptor picked = ImageIndex.parse(store.content().read(indexDigest)).manifestFor(Platform.host());
    assertEquals(manifestDigest.toString(), picked.digest());
    image[0] = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, configDigest.toString(), config.length),
        List.of(new Descriptor(MediaTypes.OCI_LAYER, layerDigest.toString(), layer.length)), picked.digest(),
        indexDigest.toString());
    store.put(image[0]);
    assertTrue(IndexBlobs.of(indexDigest, store.content()).complete());
    return indexDigest;
  }

  @Test
  void aPullByIndexDigestNamesTheImageByThatDigestOnly() {
    ImageStore store = new ImageStore(dir);
    ImageRecord[] image = new ImageRecord[1];
    Digest index = pullBlobs(store, image);
    Reference asked = Reference.parse("registry.local:5000/team/app@" + index);
    store.nameFetched(asked, image[0].id(), index);
    assertEquals(image[0], store.resolve("registry.local:5000/team/app@" + index));
    ImageDetails d = new Images(store, ImageUsers.NONE, Garbage.NONE).inspect(image[0].id());
    assertEquals(List.of(), d.repoTags());
    assertEquals(List.of("registry.local:5000/team/app@" + index), d.repoDigests());
    assertEquals(index.toString(), store.get(image[0].id()).index(), "the record keeps the index");
  }

  @Test
  void aPullByTagNamesItByTheTagAndTheDigest() {
    ImageStore store = new ImageStore(dir);
    ImageRecord[] image = new ImageRecord[1];
    Digest index = pullBlobs(store, image);
    store.nameFetched(Reference.parse("app:1"), image[0].id(), index);
    ImageDetails d = new Images(store, ImageUsers.NONE, Garbage.NONE).inspect("app:1");
    assertEquals(List.of("app:1"), d.repoTags());
    assertEquals(List.of("app@" + index), d.repoDigests());
  }

  @Test
  void aDigestOtherThanTheOneFetchedIsRefused() {
    ImageStore store = new ImageStore(dir);
    ImageRecord[] image = new ImageRecord[1];
    Digest index = pullBlobs(store, image);
    Digest other = Digest.sha256("other".getBytes(StandardCharsets.UTF_8));
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> store.nameFetched(Reference.parse("app@" + other), image[0].id(), index));
    assertEquals("digest mismatch: app@" + other + " was asked for, " + index + " came", e.getMessage());
    assertEquals(0, store.tags().size());
  }
}
