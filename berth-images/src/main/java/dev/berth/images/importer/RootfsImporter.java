package dev.berth.images.importer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.model.Platform;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * `docker import`: a rootfs tarball (plain, gzip or zstd) becomes a one-layer image, with config
 * changes and a history comment. The layer is stored uncompressed, so its digest is its diff_id.
 */
public final class RootfsImporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ImageStore store;

  public RootfsImporter(ImageStore store) {
    this.store = store;
  }

  public ImageRecord importTarball(InputStream tarball, List<String> changes, String message, Reference tag) {
    return store.adding(() -> importAdding(tarball, changes, message, tag));
  }

  private ImageRecord importAdding(InputStream tarball, List<String> changes, String message, Reference tag) {
    try (InputStream tar = decompress(tarball)) {
      Digest layer = store.content().write(tar, null, -1);
      long size = store.content().size(layer);
      ObjectNode containerConfig = JSON.createObjectNode();
      ConfigChanges.apply(containerConfig, changes);
      String now = Instant.now().toString();
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", Platform.host().architecture());
      config.put("os", "linux");
      config.put("created", now);
      config.set("config", containerConfig);
      ObjectNode rootfs = config.putObject("rootfs");
      rootfs.put("type", "layers");
      rootfs.putArray("diff_ids").add(layer.toString());
      ObjectNode history = config.putArray("history").addObject();
      history.put("created", now);
      history.put("created_by", "");
      history.put("comment", message == null || message.isEmpty() ? "Imported from -" : message);
      byte[] configBytes = JSON.writeValueAsBytes(config);
      Digest configDigest = store.content().write(configBytes);
      ImageRecord image = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, configDigest.toString(), configBytes.length),
          List.of(new Descriptor(MediaTypes.OCI_LAYER, layer.toString(), size)), null);
      store.put(image);
      if (tag != null) {
        store.tag(tag, image.id());
      }
      return image;
    } catch (IOException e) {
      throw new InvalidArgument("cannot import the tarball: " + e.getMessage(), e);
    }
  }

  private static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
    b.mark(4);
    byte[] head = b.readNBytes(4);
    b.reset();
    String type = MediaTypes.ociLayerFor(head);
    if (type.equals(MediaTypes.OCI_LAYER_GZIP)) {
      return new GZIPInputStream(b, 1 << 16);
    }
    if (type.equals(MediaTypes.OCI_LAYER_ZSTD)) {
      return new com.github.luben.zstd.ZstdInputStream(b);
    }
    return b;
  }
}
