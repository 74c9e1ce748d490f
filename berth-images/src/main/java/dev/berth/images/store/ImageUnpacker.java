package dev.berth.images.store;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.layer.UnpackedLayer;
import dev.berth.images.model.ChainId;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.snapshot.Snapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Unpacks an image's layers into snapshots, bottom first, sharing every layer another image already
 * unpacked. Each layer must uncompress to the diff_id its config names, or it is never used.
 */
public final class ImageUnpacker {
  private final ImageStore store;
  private final Snapshots snapshots;
  private final LayerUnpacker unpacker;

  public ImageUnpacker(ImageStore store, Snapshots snapshots, LayerUnpacker unpacker) {
    this.store = store;
    this.snapshots = snapshots;
    this.unpacker = unpacker;
  }

  /** Returns the chain id of the image's top layer (what a container snapshot stands on). */
  public Digest unpack(ImageRecord image) {
    ImageConfig config = ImageConfig.parse(store.content().read(Digest.parse(image.id())));
    List<Digest> diffIds = config.diffIds().stream().map(Digest::parse).toList();
    List<Digest> chain = ChainId.of(diffIds);
    Digest parent = null;
    for (int i = 0; i < chain.size(); i++) {
      Digest blob = Digest.parse(image.layers().get(i).digest());
      Digest expected = diffIds.get(i);
      snapshots.prepare(chain.get(i), parent, dir -> {
        try (InputStream in = store.content().open(blob)) {
          UnpackedLayer layer = unpacker.unpack(in, dir);
          if (!layer.diffId().equals(expected)) {
            throw new InvalidArgument("digest mismatch: layer " + blob + " unpacks to " + layer.diffId()
                + ", the image config says " + expected);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      parent = chain.get(i);
    }
    if (parent == null) {
      throw new InvalidArgument("image " + image.id() + " has no layers");
    }
    return parent;
  }
}
