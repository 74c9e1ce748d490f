package dev.berth.images.snapshot;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.AtomicFiles;
import dev.berth.images.digest.Digest;
import dev.berth.images.layer.UnpackedLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Read-only layers keyed by chain id ({@code layers/<hex>/fs} with {@code snapshot.json} beside it),
 * shared by every image that has them, and containers' writable snapshots
 * ({@code containers/<key>/upper,work} with {@code container.json}) mounted with overlayfs.
 *
 * <p>A layer is unpacked into a {@code .tmp-} directory under the root and published, metadata
 * included, with one rename: a crash leaves a whole layer or none, and opening the root removes the
 * temporary leftovers. Two callers preparing the same chain id both unpack; the first to publish wins
 * and the other's copy is discarded. A layer is removed only when no layer and no container stands on
 * it. Chain ids are written {@code sha256:<hex>}.
 */
public final class Snapshots {
  private final Path layers;
  private final Path containers;
  private final SnapshotLock lock;

  public Snapshots(Path root) {
    this.layers = root.resolve("layers");
    this.containers = root.resolve("containers");
    try {
      Files.createDirectories(layers);
      Files.createDirectories(containers);
    } catch (IOException e) {
      throw new Internal("cannot open the snapshots at " + root + ": " + e.getMessage(), e);
    }
    this.lock = new SnapshotLock(root);
    lock.locked(this::recover);
  }

  /**
   * Removes what a crashed (or killed) process left half-done: staging and half-deleted directories.
   * Their names carry the writer's pid and start time, so those of live writers are left alone.
   */
  private void recover() {
    for (Path dir : List.of(layers, containers)) {
      for (Path p : children(dir)) {
        if (p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX) && TempNames.ownerIsGone(p)) {
          Trees.delete(p);
        }
      }
    }
  }

  public boolean exists(String chainId) {
    return Files.isRegularFile(layerDir(chainId).resolve(SnapshotRecords.LAYER_FILE));
  }

  /**
   * The directory of layer {@code chainId}, unpacking it from {@code source} first unless it is
   * already there. Its parent must be published. Safe when several callers prepare the same id.
   */
  public Path prepare(String chainId, String parentChainIdOrNull, LayerSource source) {
    if (exists(chainId)) {
      return fsDir(chainId);
    }
    return publish(chainId, parentChainIdOrNull, stageLayer(source));
  }

  /**
   * Unpacks into a staging directory of its own, independent of any other layer: several layers of one
   * image can be staged at once, then published bottom-up with {@link #publish}; what is not
   * published is removed with {@link #discard} (or, after a crash, when the root is next opened).
   */
  public Path stageLayer(LayerSource source) {
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory(layers, TempNames.prefix());
      UnpackedLayer unpacked = source.unpackInto(tmp.resolve("fs"));
      if (!Files.isDirectory(tmp.resolve("fs"))) {
        throw new Internal("the layer source did not create the layer directory");
      }
      String diffId = unpacked == null ? null : unpacked.diffId().toString();
      SnapshotRecords.write(tmp.resolve(SnapshotRecords.LAYER_FILE), new SnapshotRecords.Layer(null, null, diffId, 0));
      Path staged = tmp;
      tmp = null;
      return staged;
    } catch (IOException e) {
      throw new Internal("cannot stage a layer: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        Trees.delete(tmp);
      }
    }
  }

  /** Publishes a staged layer under {@code chainId} with one rename; its parent must be published. */
  public Path publish(String chainId, String parentChainIdOrNull, Path staged) {
    Path dir = layerDir(chainId);
    String parent = parentChainIdOrNull == null ? null : canonical(parentChainIdOrNull);
    try {
      boolean published = lock.locked(() -> {
        if (exists(chainId)) {
          return false; // another caller published the same layer first
        }
        if (parent != null && !exists(parent)) {
          throw new NotFound("parent layer " + parent + " is not unpacked");
        }
        SnapshotRecords.Layer staging = readLayer(staged.resolve(SnapshotRecords.LAYER_FILE));
        long size = Trees.size(staged.resolve("fs"));
        SnapshotRecords.write(staged.resolve(SnapshotRecords.LAYER_FILE),
            new SnapshotRecords.Layer(canonical(chainId), parent, staging.diffId(), size));
        move(staged, dir);
        return true;
      });
      if (!published) {
        Trees.delete(staged);
      }
      return dir.resolve("fs");
    } catch (RuntimeException e) {
      Trees.delete(staged);
      throw e;
    }
  }

  /** Removes a staged layer that will not be published. */
  public void discard(Path staged) {
    if (!staged.getParent().equals(layers) || !staged.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)) {
      throw new InvalidArgument(staged + " is not a staged layer");
    }
    Trees.delete(staged);
  }

  /** The chain id of the layer below {@code chainId}, or null at the bottom of the stack. */
  public String parent(String chainId) {
    return layer(chainId).parent();
  }

  /** The layer's size in bytes: the apparent size of its files and links, each inode counted once. */
  public long size(String chainId) {
    return layer(chainId).size();
  }

  /** The diff_id the layer was unpacked from, when the source reported one; null otherwise. */
  public String diffId(String chainId) {
    return layer(chainId).diffId();
  }

  /** Every published layer's chain id, sorted. */
  public List<String> list() {
    List<String> ids = new ArrayList<>();
    for (Path p : children(layers)) {
      Path record = p.resolve(SnapshotRecords.LAYER_FILE);
      if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(record)) {
        ids.add(readLayer(record).chainId());
      }
    }
    ids.sort(null);
    return ids;
  }

  /** The layer directories of the stack ending at {@code chainId}, top first: overlay's lowerdir order. */
  public List<Path> layerDirsTopFirst(String chainId) {
    List<Path> dirs = new ArrayList<>();
    for (String c = chainId; c != null; c = parent(c)) {
      if (dirs.size() > 10_000) {
        throw new Internal("layer " + chainId + " has a cycle in its parents");
      }
      dirs.add(fsDir(c));
    }
    return dirs;
  }

  /** Removes a layer no container and no other layer stands on. */
  public void remove(String chainId) {
    String id = canonical(chainId);
    Path doomed = lock.locked(() -> {
      if (!exists(id)) {
        throw new NotFound("layer " + id + " is not unpacked");
      }
      for (String other : list()) {
        if (id.equals(parent(other))) {
          throw new Conflict("layer " + id + " is the parent of layer " + other);
        }
      }
      for (String key : containerKeys()) {
        if (id.equals(container(key).topChainId())) {
          throw new Conflict("layer " + id + " is used by container snapshot " + key);
        }
      }
      return hide(layerDir(id), layers);
    });
    Trees.delete(doomed);
  }

  /** A container's writable snapshot over the stack {@code topChainIdOrNull} (null: an empty rootfs). */
  public ContainerSnapshot createContainer(String key, String topChainIdOrNull) {
    Path dir = containerDir(key);
    String top = topChainIdOrNull == null ? null : canonical(topChainIdOrNull);
    return lock.locked(() -> {
      if (Files.exists(dir)) {
        throw new Conflict("a snapshot for container " + key + " already exists");
      }
      if (top != null && !exists(top)) {
        throw new NotFound("layer " + top + " is not unpacked");
      }
      Path tmp = null;
      try {
        tmp = Files.createTempDirectory(containers, TempNames.prefix());
        Files.createDirectory(tmp.resolve("upper"));
        Files.createDirectory(tmp.resolve("work"));
        Files.createDirectory(tmp.resolve("empty")); // overlay needs one lower dir even over nothing
        SnapshotRecords.write(tmp.resolve(SnapshotRecords.CONTAINER_FILE), new SnapshotRecords.Container(key, top));
        move(tmp, dir);
        tmp = null;
        return container(key);
      } catch (IOException e) {
        throw new Internal("cannot create the snapshot of " + key + ": " + e.getMessage(), e);
      } finally {
        if (tmp != null) {
          Trees.delete(tmp);
        }
      }
    });
  }

  public ContainerSnapshot container(String key) {
    Path dir = containerDir(key);
    try {
      SnapshotRecords.Container c = SnapshotRecords.read(dir.resolve(SnapshotRecords.CONTAINER_FILE),
          SnapshotRecords.Container.class);
      return new ContainerSnapshot(key, c.top(), dir.resolve("upper"), dir.resolve("work"));
    } catch (NoSuchFileException e) {
      throw new NotFound("no snapshot for container " + key);
    } catch (IOException e) {
      throw new Internal("cannot read the snapshot of " + key + ": " + e.getMessage(), e);
    }
  }

  /** The keys of every container snapshot, sorted. */
  public List<String> containerKeys() {
    List<String> keys = new ArrayList<>();
    for (Path p : children(containers)) {
      String name = p.getFileName().toString();
      if (!name.startsWith(".") && Files.isRegularFile(p.resolve(SnapshotRecords.CONTAINER_FILE))) {
        keys.add(name);
      }
    }
    keys.sort(null);
    return keys;
  }

  public Path upperDir(String key) {
    return container(key).upperDir();
  }

  /** Mounts the container's snapshot on {@code target} (an existing directory) with overlayfs. */
  public void mount(String key, Path target) {
    ContainerSnapshot c = container(key);
    List<Path> lowers = c.topChainId() == null ? List.of(containerDir(key).resolve("empty"))
        : layerDirsTopFirst(c.topChainId());
    try {
      OverlayMount.mount(lowers, c.upperDir(), c.workDir(), target);
    } catch (ErrnoException e) {
      throw new Internal("cannot mount the snapshot of " + key + " on " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Mounts a read-only view of a container's files on {@code target}: its upper dir as the top lower
   * layer, so that it works while the container's own mount holds the upper and work dirs (export,
   * copying out).
   */
  public void mountView(String key, Path target) {
    ContainerSnapshot c = container(key);
    List<Path> lowers = new ArrayList<>();
    lowers.add(c.upperDir());
    lowers.addAll(c.topChainId() == null ? List.of(containerDir(key).resolve("empty")) : layerDirsTopFirst(c.topChainId()));
    try {
      OverlayMount.mount(lowers, null, null, target);
    } catch (ErrnoException e) {
      throw new Internal("cannot mount a view of " + key + " on " + target + ": " + e.getMessage(), e);
    }
  }

  public void unmount(Path target) {
    try {
      OverlayMount.unmount(target);
    } catch (ErrnoException e) {
      throw new Internal("cannot unmount " + target + ": " + e.getMessage(), e);
    }
  }

  /** Whether the container's snapshot is mounted read-write (its upper dir is in use). */
  public boolean isMounted(String key) {
    return Mounts.hasOverlayWithUpper(containerDir(key).resolve("upper"));
  }

  /** Removes a container's snapshot; refused while it is mounted. Removing a missing one is a no-op. */
  public void removeContainer(String key) {
    Path dir = containerDir(key);
    Path doomed = lock.locked(() -> {
      if (!Files.exists(dir)) {
        return null;
      }
      if (Mounts.hasOverlayWithUpper(dir.resolve("upper"))) {
        throw new Conflict("the snapshot of container " + key + " is still mounted");
      }
      return hide(dir, containers);
    });
    if (doomed != null) {
      Trees.delete(doomed);
    }
  }

  // ---- compatibility with callers that hold chain ids as Digests ----

  public boolean exists(Digest chainId) {
    return exists(chainId.toString());
  }

  public Path prepare(Digest chainId, Digest parent, Consumer<Path> fill) {
    return prepare(chainId.toString(), parent == null ? null : parent.toString(), consumer(fill));
  }

  public Path stage(Consumer<Path> fill) {
    return stageLayer(consumer(fill));
  }

  public Path publish(Digest chainId, Digest parent, Path staged) {
    return publish(chainId.toString(), parent == null ? null : parent.toString(), staged);
  }

  public Digest parent(Digest chainId) {
    String p = parent(chainId.toString());
    return p == null ? null : Digest.parse(p);
  }

  public List<Path> layerDirsTopFirst(Digest chainId) {
    return layerDirsTopFirst(chainId.toString());
  }

  public ContainerSnapshot createContainer(String key, Digest top) {
    return createContainer(key, top == null ? null : top.toString());
  }

  public void remove(Digest chainId) {
    remove(chainId.toString());
  }

  private static LayerSource consumer(Consumer<Path> fill) {
    return dir -> {
      fill.accept(dir);
      return null;
    };
  }

  // ---- internals ----

  private SnapshotRecords.Layer layer(String chainId) {
    Path record = layerDir(chainId).resolve(SnapshotRecords.LAYER_FILE);
    if (!Files.isRegularFile(record)) {
      throw new NotFound("layer " + canonical(chainId) + " is not unpacked");
    }
    return readLayer(record);
  }

  private static SnapshotRecords.Layer readLayer(Path record) {
    try {
      return SnapshotRecords.read(record, SnapshotRecords.Layer.class);
    } catch (IOException e) {
      throw new Internal("cannot read " + record + ": " + e.getMessage(), e);
    }
  }

  private Path fsDir(String chainId) {
    return layerDir(chainId).resolve("fs");
  }

  /** layers/<hex> for sha256 (the common case), layers/<algorithm>-<hex> otherwise. */
  private Path layerDir(String chainId) {
    Digest d = Digest.parse(chainId);
    return layers.resolve(d.algorithm().equals("sha256") ? d.hex() : d.algorithm() + "-" + d.hex());
  }

  private static String canonical(String chainId) {
    return Digest.parse(chainId).toString();
  }

  private Path containerDir(String key) {
    if (key == null || !key.matches("[A-Za-z0-9_.-]{1,128}") || key.startsWith(".")) {
      throw new InvalidArgument("invalid snapshot key \"" + key + "\"");
    }
    return containers.resolve(key);
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(to.getParent());
    } catch (IOException e) {
      throw new Internal("cannot publish " + to + ": " + e.getMessage(), e);
    }
  }

  /** Renames a directory to a temporary name, so it vanishes at once and a crash mid-delete is recovered. */
  private static Path hide(Path dir, Path parent) {
    Path hidden = parent.resolve(TempNames.prefix() + "removed-" + dir.getFileName() + "-" + System.nanoTime());
    move(dir, hidden);
    return hidden;
  }

  private static List<Path> children(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      throw new Internal("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
