package dev.berth.images.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.model.Platform;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A crafted multi-platform image as `skopeo copy --all` lays it out: index.json names an index (or a
 * Docker manifest list) whose entries are this host's platform and another, each a manifest, config
 * and one layer. Blobs can be left out and the platforms listed in index.json itself instead.
 */
final class MultiPlatformLayout {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String OTHER_ARCH = Platform.host().architecture().equals("s390x") ? "ppc64le" : "s390x";

  final boolean docker;
  final Map<String, byte[]> blobs = new LinkedHashMap<>();
  final ObjectNode hostManifestDescriptor;
  final ObjectNode otherManifestDescriptor;
  final Digest hostConfig;
  final Digest otherConfig;
  final Digest otherLayer;
  final byte[] index;
  final Digest indexDigest;

  /** @param docker Docker schema 2 media types (a manifest list) instead of OCI's */
  MultiPlatformLayout(boolean docker) throws Exception {
    this(docker, Platform.host().architecture());
  }

  /** @param hostArch the architecture of the image meant for this host (another one: none is) */
  MultiPlatformLayout(boolean docker, String hostArch) throws Exception {
    this.docker = docker;
    hostManifestDescriptor = platformImage(hostArch, "host");
    otherManifestDescriptor = platformImage(OTHER_ARCH, "other");
    hostConfig = configOf(hostManifestDescriptor);
    otherConfig = configOf(otherManifestDescriptor);
    otherLayer = Digest.parse(JSON.readTree(blobs.get(Digest.parse(otherManifestDescriptor.path("digest").asText()).hex()))
        .path("layers").path(0).path("digest").asText());
    ObjectNode idx = JSON.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX);
    idx.putArray("manifests").add(otherManifestDescriptor).add(hostManifestDescriptor);
    // Indented, as registries often serve it: re-serialising would change the digest.
    index = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(idx);
    indexDigest = put(index);
  }

  private Digest configOf(ObjectNode manifestDescriptor) throws Exception {
    byte[] manifest = blobs.get(Digest.parse(manifestDescriptor.path("digest").asText()).hex());
    return Digest.parse(JSON.readTree(manifest).path("config").path("digest").asText());
  }

  private ObjectNode platformImage(String arch, String marker) throws Exception {
    ByteArrayOutputStream layerTar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(layerTar)) {
      TarMembers.add(t, "which.txt", (marker + "\n").getBytes(StandardCharsets.UTF_8));
    }
    byte[] layer = layerTar.toByteArray();
    Digest layerDigest = put(layer);
    String config = "{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"cat\",\"/which.txt\"]},"
        + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}";
    byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
    Digest configDigest = put(configBytes);
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST);
    m.putObject("config").put("mediaType", docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG)
        .put("digest", configDigest.toString()).put("size", configBytes.length);
    ((ArrayNode) m.putArray("layers")).addObject().put("mediaType", docker ? MediaTypes.DOCKER_LAYER : MediaTypes.OCI_LAYER)
        .put("digest", layerDigest.toString()).put("size", layer.length);
    byte[] manifest = JSON.writeValueAsBytes(m);
    Digest manifestDigest = put(manifest);
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST);
    d.put("digest", manifestDigest.toString());
    d.put("size", manifest.length);
    d.putObject("platform").put("architecture", arch).put("os", "linux");
    return d;
  }

  private Digest put(byte[] bytes) {
    Digest d = Digest.sha256(bytes);
    blobs.put(d.hex(), bytes);
    return d;
  }

  /** index.json naming the index as skopeo does ({@code ref.name} = {@code name:tag}). */
  byte[] layout(String name, Digest... leaveOut) throws Exception {
    return tar(indexJson(Map.of("org.opencontainers.image.ref.name", name)), null, leaveOut);
  }

  /** index.json with one entry, the index, annotated. */
  private byte[] indexJson(Map<String, String> annotations) throws Exception {
    ObjectNode top = JSON.createObjectNode();
    top.put("schemaVersion", 2);
    ObjectNode d = top.putArray("manifests").addObject();
    d.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX);
    d.put("digest", indexDigest.toString());
    d.put("size", index.length);
    annotations.forEach(d.putObject("annotations")::put);
    return JSON.writeValueAsBytes(top);
  }

  /** index.json listing each platform's manifest itself, with no index blob. */
  byte[] flatLayout(String name) throws Exception {
    ObjectNode top = JSON.createObjectNode();
    top.put("schemaVersion", 2);
    ArrayNode manifests = top.putArray("manifests");
    for (ObjectNode m : new ObjectNode[] {otherManifestDescriptor, hostManifestDescriptor}) {
      ObjectNode copy = m.deepCopy();
      copy.putObject("annotations").put("io.containerd.image.name", name);
      manifests.add(copy);
    }
    return tar(JSON.writeValueAsBytes(top), null, indexDigest);
  }

  /** What `docker save` writes since Docker 25: manifest.json and an OCI layout side by side. */
  byte[] dockerSave(String name) throws Exception {
    byte[] manifest = blobs.get(Digest.parse(hostManifestDescriptor.path("digest").asText()).hex());
    var m = JSON.readTree(manifest);
    String manifestJson = "[{\"Config\":\"blobs/sha256/" + hostConfig.hex() + "\",\"RepoTags\":[\"" + name
        + "\"],\"Layers\":[\"blobs/sha256/" + Digest.parse(m.path("layers").path(0).path("digest").asText()).hex() + "\"]}]";
    byte[] indexJson = indexJson(Map.of("io.containerd.image.name", "docker.io/library/" + name,
        "org.opencontainers.image.ref.name", name.substring(name.indexOf(':') + 1)));
    return tar(indexJson, manifestJson.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] tar(byte[] indexJson, byte[] manifestJson, Digest... leaveOut) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      TarMembers.add(t, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      TarMembers.add(t, "index.json", indexJson);
      if (manifestJson != null) TarMembers.add(t, "manifest.json", manifestJson);
      outer:
      for (var e : blobs.entrySet()) {
        for (Digest d : leaveOut) if (d.hex().equals(e.getKey())) continue outer;
        TarMembers.add(t, "blobs/sha256/" + e.getKey(), e.getValue());
      }
    }
    return out.toByteArray();
  }

  /** The members of a tar, by name. */
  static Map<String, byte[]> members(byte[] tar) throws Exception {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        if (e.isFile()) out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }
}
