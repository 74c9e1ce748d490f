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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

  /**
   * Returns the chain id of the image's top layer (what a container snapshot stands on). Missing
   * layers are unpacked in parallel, each into its own staging directory, and published bottom-up.
   */
  public Digest unpack(ImageRecord image) {
    return unpack(image, null);
  }

  /**
   * As {@link #unpack(ImageRecord)}, taking the layers {@code streamed} staged while they were loaded
   * (when they unpacked to the diff_ids the config names) instead of unpacking them again.
   */
  public Digest unpack(ImageRecord image, StreamingUnpack streamed) {
    return store.adding(() -> unpackAdding(image, streamed));
  }

  /** A side unpacker for a load: layers are unpacked while they are written to the content store. */
  public StreamingUnpack streaming() {
    return new StreamingUnpack(snapshots, unpacker);
  }

  private Digest unpackAdding(ImageRecord image, StreamingUnpack streamed) {
    ImageConfig config = ImageConfig.parse(store.content().read(Digest.parse(image.id())));
    List<Digest> diffIds = config.diffIds().stream().map(Digest::parse).toList();
    if (diffIds.isEmpty()) {
      throw new InvalidArgument("image " + image.id() + " has no layers");
    }
    List<Digest> chain = ChainId.of(diffIds);
    int threads = Math.max(1, Math.min(diffIds.size(), Runtime.getRuntime().availableProcessors()));
    List<Future<Path>> staged = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int i = 0; i < chain.size(); i++) {
        if (snapshots.exists(chain.get(i))) {
          staged.add(null);
          continue;
        }
        Digest blob = Digest.parse(image.layers().get(i).digest());
        Digest expected = diffIds.get(i);
        Path ready = streamed == null ? null : streamed.take(blob, expected);
        staged.add(ready != null ? CompletableFuture.completedFuture(ready)
            : pool.submit(() -> snapshots.stage(dir -> unpackVerified(blob, expected, dir))));
      }
      Digest parent = null;
      for (int i = 0; i < chain.size(); i++) {
        if (staged.get(i) != null) {
          snapshots.publish(chain.get(i), parent, await(staged.get(i)));
        }
        parent = chain.get(i);
      }
      return parent;
    } finally {
      for (Future<Path> f : staged) {
        discardUnpublished(f);
      }
    }
  }

  private void unpackVerified(Digest blob, Digest expected, Path dir) {
    try (InputStream in = store.content().open(blob)) {
      UnpackedLayer layer = unpacker.unpack(in, dir);
      if (!layer.diffId().equals(expected)) {
        throw new InvalidArgument("digest mismatch: layer " + blob + " unpacks to " + layer.diffId()
            + ", the image config says " + expected);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path await(Future<Path> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new InvalidArgument("cannot unpack a layer: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InvalidArgument("interrupted while unpacking", e);
    }
  }

  /** A staged layer still in its staging directory (publishing stopped early) is removed. */
  private void discardUnpublished(Future<Path> f) {
    if (f == null || !f.isDone() || f.isCancelled()) {
      return;
    }
    try {
      Path p = f.get();
      if (java.nio.file.Files.exists(p)) {
        snapshots.discard(p);
      }
    } catch (ExecutionException | InterruptedException ignored) {
      // nothing was staged
    }
  }
}
