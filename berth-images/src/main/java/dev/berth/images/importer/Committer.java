package dev.berth.images.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.Internal;
import dev.berth.images.digest.Digest;
import dev.berth.images.layer.LayerDiff;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * `docker commit`: a container's changes (its snapshot's upper directory) become a new layer on top
 * of its image, with config changes, author and message in the history.
 */
public final class Committer {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ImageStore store;
  private final LayerDiff diff;

  public Committer(ImageStore store, LayerDiff diff) {
    this.store = store;
    this.diff = diff;
  }

  public ImageRecord commit(ImageRecord parent, Path upperDir, List<String> changes, String author, String message,
      Reference tag) {
    return store.adding(() -> commitAdding(parent, upperDir, changes, author, message, tag));
  }

  private ImageRecord commitAdding(ImageRecord parent, Path upperDir, List<String> changes, String author,
      String message, Reference tag) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("berth-commit", ".tar");
      Digest diffId;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        diffId = diff.write(upperDir, out);
      }
      Digest layer;
      try (InputStream in = Files.newInputStream(tmp)) {
        layer = store.content().write(in, diffId, Files.size(tmp));
      }
      ObjectNode config = (ObjectNode) JSON.readTree(store.content().read(Digest.parse(parent.id())));
      String now = Instant.now().toString();
      config.put("created", now);
      if (author != null && !author.isEmpty()) {
        config.put("author", author);
      }
      ConfigChanges.apply(config.withObject("config"), changes);
      config.withObject("rootfs").withArray("diff_ids").add(diffId.toString());
      ObjectNode history = config.withArray("history").addObject();
      history.put("created", now);
      if (author != null && !author.isEmpty()) {
        history.put("author", author);
      }
      if (message != null && !message.isEmpty()) {
        history.put("comment", message);
      }
      byte[] bytes = JSON.writeValueAsBytes(config);
      Digest configDigest = store.content().write(bytes);
      List<Descriptor> layers = new ArrayList<>(parent.layers());
      layers.add(new Descriptor(MediaTypes.OCI_LAYER, layer.toString(), store.content().size(layer)));
      ImageRecord image = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, configDigest.toString(), bytes.length),
          layers, null);
      store.put(image);
      if (tag != null) {
        store.tag(tag, image.id());
      }
      return image;
    } catch (IOException e) {
      throw new Internal("cannot commit: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temp file
        }
      }
    }
  }
}
