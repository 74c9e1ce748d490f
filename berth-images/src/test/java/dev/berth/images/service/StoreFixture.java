package dev.berth.images.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Images written straight into a store: one layer, a config with the given time and labels, names. */
final class StoreFixture {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoreFixture() {}

  static ImageRecord image(ImageStore store, String created, Map<String, String> labels, String... names) {
    return image(store, created, labels, 1, names);
  }

  /** An image of {@code layerCount} layers, each a blob of its own. */
  static ImageRecord image(ImageStore store, String created, Map<String, String> labels, int layerCount,
      String... names) {
    List<Descriptor> layers = new java.util.ArrayList<>();
    for (int i = 0; i < layerCount; i++) {
      byte[] layer = ("layer " + (i == 0 ? "" : i + " ") + "of " + created + labels).getBytes(StandardCharsets.UTF_8);
      layers.add(new Descriptor(MediaTypes.OCI_LAYER, store.content().write(layer).toString(), layer.length));
    }
    return image(store, created, labels, layers, names);
  }

  /** An image on {@code layers}, blobs already in the store (uncompressed: each one's diff id is its digest). */
  static ImageRecord image(ImageStore store, String created, Map<String, String> labels, List<Descriptor> layers,
      String... names) {
    try {
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", "amd64");
      config.put("os", "linux");
      if (created != null) config.put("created", created);
      config.put("author", "tester");
      ObjectNode c = config.putObject("config");
      c.putArray("Cmd").add("sh");
      if (!labels.isEmpty()) labels.forEach(c.putObject("Labels")::put);
      ObjectNode rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      var diffIds = rootfs.putArray("diff_ids");
      layers.forEach(l -> diffIds.add(l.digest()));
      var history = config.putArray("history");
      history.addObject().put("created", created).put("created_by", "/bin/sh -c #(nop) ADD file:rootfs in /");
      history.addObject().put("created", created).put("created_by", "/bin/sh -c #(nop)  CMD [\"sh\"]")
          .put("empty_layer", true).put("comment", "the last step");
      byte[] bytes = JSON.writeValueAsBytes(config);
      Digest configDigest = store.content().write(bytes);
      ImageRecord image = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, configDigest.toString(), bytes.length),
          List.copyOf(layers), null);
      store.put(image);
      for (String n : names) store.tag(Reference.parse(n), image.id());
      return image;
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static ImageRecord image(ImageStore store, String created, String... names) {
    return image(store, created, Map.of(), names);
  }

  /** A digest name for {@code repo}: what a pull by digest or a load of an index records. */
  static String digestName(String repo, String seed) {
    return repo + "@" + Digest.sha256(seed.getBytes(StandardCharsets.UTF_8));
  }
}
