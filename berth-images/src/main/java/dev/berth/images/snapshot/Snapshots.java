package dev.berth.images.snapshot;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.AtomicFiles;
import dev.berth.images.digest.Digest;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Read-only layer directories keyed by chain ID ({@code layers/<hex>/fs}, parent in
 * {@code layers/<hex>/parent}) shared by every image that has them, and containers' writable
 * snapshots ({@code containers/<key>/{upper,work}}) mounted with overlayfs. A layer is unpacked into a
 * temporary directory and published with one rename, so a crash leaves a whole layer or none.
 */
public final class Snapshots {
  private final Path layers;
  private final Path containers;

  public Snapshots(Path root) {
    this.layers = root.resolve("layers");
    this.containers = root.resolve("containers");
    try {
      Files.createDirectories(layers);
      Files.createDirectories(containers);
      try (Stream<Path> s = Files.list(layers)) {
        for (Path half : s.filter(p -> p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)).toList()) {
          deleteTree(half);
        }
      }
    } catch (IOException e) {
      throw new Internal("cannot open the snapshots at " + root + ": " + e.getMessage(), e);
    }
  }

  public boolean exists(Digest chainId) {
    return Files.isDirectory(layers.resolve(chainId.hex()).resolve("fs"));
  }

  /** Makes the layer {@code chainId} by letting {@code fill} unpack into an empty directory. */
  public Path prepare(Digest chainId, Digest parent, Consumer<Path> fill) {
    if (exists(chainId)) {
      return layers.resolve(chainId.hex()).resolve("fs");
    }
    return publish(chainId, parent, stage(fill));
  }

  /**
   * Unpacks into a staging directory of its own, independent of any other layer: several layers of one
   * image can be staged at once, then published bottom-up with {@link #publish}.
   */
  public Path stage(Consumer<Path> fill) {
    Path tmp = null;
    try {
      tmp = Files.createTempDirectory(layers, AtomicFiles.TEMP_PREFIX);
      fill.accept(tmp.resolve("fs"));
      Path staged = tmp;
      tmp = null;
      return staged;
    } catch (IOException e) {
      throw new Internal("cannot stage a layer: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        deleteTree(tmp);
      }
    }
  }

  /** Publishes a staged layer under its chain id with one rename; its parent must be published. */
  public Path publish(Digest chainId, Digest parent, Path staged) {
    Path dir = layers.resolve(chainId.hex());
    try {
      if (parent != null && !exists(parent)) {
        throw new NotFound("parent layer " + parent + " is not unpacked");
      }
      Files.writeString(staged.resolve("parent"), parent == null ? "" : parent.toString());
      Files.move(staged, dir, StandardCopyOption.ATOMIC_MOVE);
      return dir.resolve("fs");
    } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
      deleteTree(staged);
      return dir.resolve("fs"); // another caller published the same layer first
    } catch (AtomicMoveNotSupportedException e) {
      deleteTree(staged);
      throw new Internal("the snapshot filesystem cannot rename atomically", e);
    } catch (IOException | RuntimeException e) {
      deleteTree(staged);
      if (e instanceof RuntimeException re) {
        throw re;
      }
      throw new Internal("cannot publish layer " + chainId + ": " + e.getMessage(), e);
    }
  }

  /** Removes a staged layer that will not be published. */
  public void discard(Path staged) {
    deleteTree(staged);
  }

  public Digest parent(Digest chainId) {
    try {
      String p = Files.readString(layers.resolve(chainId.hex()).resolve("parent")).trim();
      return p.isEmpty() ? null : Digest.parse(p);
    } catch (IOException e) {
      throw new NotFound("layer " + chainId + " is not unpacked");
    }
  }

  public List<Path> layerDirsTopFirst(Digest chainId) {
    List<Path> dirs = new ArrayList<>();
    for (Digest c = chainId; c != null; c = parent(c)) {
      dirs.add(layers.resolve(c.hex()).resolve("fs"));
    }
    return dirs;
  }

  /** A container's writable layer over the image {@code top}. */
  public void createContainer(String key, Digest top) {
    Path dir = containerDir(key);
    try {
      Files.createDirectory(dir);
      Files.createDirectory(dir.resolve("upper"));
      Files.createDirectory(dir.resolve("work"));
      Files.writeString(dir.resolve("image"), top.toString());
    } catch (FileAlreadyExistsException e) {
      throw new Conflict("a snapshot for container " + key + " already exists");
    } catch (IOException e) {
      deleteTree(dir);
      throw new Internal("cannot create the snapshot of " + key + ": " + e.getMessage(), e);
    }
  }

  public Path upperDir(String key) {
    return containerDir(key).resolve("upper");
  }

  public void mount(String key, Path target) {
    try {
      Digest top = Digest.parse(Files.readString(containerDir(key).resolve("image")).trim());
      OverlayMount.mount(layerDirsTopFirst(top), upperDir(key), containerDir(key).resolve("work"), target);
    } catch (ErrnoException e) {
      throw new Internal("cannot mount the snapshot of " + key + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new NotFound("no snapshot for container " + key);
    }
  }

  public void unmount(Path target) {
    try {
      OverlayMount.unmount(target);
    } catch (ErrnoException e) {
      throw new Internal("cannot unmount " + target + ": " + e.getMessage(), e);
    }
  }

  public void removeContainer(String key) {
    deleteTree(containerDir(key));
  }

  /** Removes a layer no container and no other layer stands on. */
  public void remove(Digest chainId) {
    try (Stream<Path> s = Files.list(layers)) {
      for (Path other : s.toList()) {
        Path parentFile = other.resolve("parent");
        if (Files.exists(parentFile) && Files.readString(parentFile).trim().equals(chainId.toString())) {
          throw new Conflict("layer " + chainId + " is the parent of layer " + other.getFileName());
        }
      }
    } catch (IOException e) {
      throw new Internal("cannot list layers: " + e.getMessage(), e);
    }
    try (Stream<Path> s = Files.list(containers)) {
      for (Path c : s.toList()) {
        if (Files.readString(c.resolve("image")).trim().equals(chainId.toString())) {
          throw new Conflict("layer " + chainId + " is used by container " + c.getFileName());
        }
      }
    } catch (IOException e) {
      throw new Internal("cannot list container snapshots: " + e.getMessage(), e);
    }
    deleteTree(layers.resolve(chainId.hex()));
  }

  private Path containerDir(String key) {
    if (!key.matches("[A-Za-z0-9_.-]+") || key.startsWith(".")) {
      throw new InvalidArgument("invalid snapshot key \"" + key + "\"");
    }
    return containers.resolve(key);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new Internal("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }
}
