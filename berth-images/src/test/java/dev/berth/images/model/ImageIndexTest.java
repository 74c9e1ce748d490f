package dev.berth.images.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageIndexTest {
  private static final String INDEX = """
      {"schemaVersion":2,"manifests":[
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":1,
         "platform":{"architecture":"arm","os":"linux","variant":"v7"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":2,
         "platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":3,
         "platform":{"architecture":"amd64","os":"linux"}},
        {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":4,
         "platform":{"architecture":"unknown","os":"unknown"}}]}
      """.formatted("1".repeat(64), "2".repeat(64), "3".repeat(64), "4".repeat(64));

  @Test
  void picksTheEntryForAPlatform() {
    ImageIndex index = ImageIndex.parse(INDEX.getBytes(StandardCharsets.UTF_8));
    assertEquals(MediaTypes.OCI_INDEX, index.mediaType(), "no mediaType field: an OCI index");
    assertEquals(4, index.manifests().size());
    assertEquals(3, index.manifestFor(new Platform("linux", "amd64", null)).size());
    assertEquals(2, index.manifestFor(new Platform("linux", "arm64", null)).size());
    assertEquals(2, index.manifestFor(new Platform("linux", "arm64", "v8")).size());
    assertEquals(1, index.manifestFor(new Platform("linux", "arm", "v7")).size());
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> index.manifestFor(new Platform("linux", "arm", "v6")));
    assertEquals("the image index has no linux/arm/v6 image (it has linux/arm/v7, linux/arm64/v8, linux/amd64,"
        + " unknown/unknown)", e.getMessage());
  }

  @Test
  void platformsMatchOnOsArchitectureAndAVariantWhenAsked() throws Exception {
    Platform host = Platform.host();
    assertEquals("linux", host.os());
    assertFalse(host.architecture().equals("x86_64") || host.architecture().equals("aarch64"), "Go's names: " + host);
    assertTrue(new Platform("linux", "arm64", "v8").runs(new Platform("linux", "arm64", null)), "arm64 is v8 unless said");
    assertFalse(new Platform("linux", "amd64", null).runs(new Platform("windows", "amd64", null)));
    assertFalse(new Platform("linux", "amd64", null).runs(null));
    assertEquals(new Platform("linux", "arm", "v7"),
        Platform.of(new ObjectMapper().readTree("{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}")));
  }

  @Test
  void notAnIndexIsRefused() {
    assertThrows(InvalidArgument.class, () -> ImageIndex.parse("{\"layers\":[]}".getBytes(StandardCharsets.UTF_8)));
    assertThrows(InvalidArgument.class, () -> ImageIndex.parse("not json".getBytes(StandardCharsets.UTF_8)));
  }
}
