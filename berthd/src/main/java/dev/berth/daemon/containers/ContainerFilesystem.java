package dev.berth.daemon.containers;

import dev.berth.common.error.Internal;
import dev.berth.common.io.FileTrees;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.importer.Committer;
import dev.berth.images.layer.LayerDiff;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A container's files as images see them: `export` (the whole filesystem as a tar) and `commit`
 * (its changes as a new layer over its image). The daemon owns containers' writable layers, as
 * Docker's does; it only reads them here.
 */
public final class ContainerFilesystem {
  private final ContainerStore store;
  private final Snapshots snapshots;
  private final ImageStore images;
  /** Commits leave out the mount points the runtime made; exports read a view where they are files. */
  private final LayerDiff diff = new LayerDiff(new LinuxFileSystemOps(),
      java.util.Set.of("etc/hostname", "etc/hosts", "etc/resolv.conf"));

  public ContainerFilesystem(ContainerStore store, Snapshots snapshots, ImageStore images) {
    this.store = store;
    this.snapshots = snapshots;
    this.images = images;
  }

  /**
   * Docker's SizeRw (the bytes of the files the container wrote: its upper dir) and SizeRootFs (those
   * and its image's).
   */
  public record Sizes(long rw, long rootFs) {}

  public Sizes sizes(Container c) {
    long rw = 0;
    try (var files = Files.walk(snapshots.upperDir(c.id()))) {
      rw = files.filter(Files::isRegularFile).mapToLong(ContainerFilesystem::sizeOf).sum();
    } catch (IOException | java.io.UncheckedIOException | dev.berth.common.error.BerthException e) {
      // a container being removed, or whose create did not finish: nothing of its own to count
    }
    long image;
    try {
      image = images.get(c.image()).layers().stream().mapToLong(l -> l.size()).sum();
    } catch (dev.berth.common.error.BerthException e) {
      image = layersUnder(c.id()); // its image was deleted; the layers it stands on are still here
    }
    return new Sizes(rw, image + rw);
  }

  private long layersUnder(String id) {
    long bytes = 0;
    try {
      for (String l = snapshots.container(id).topChainId(); l != null; l = snapshots.parent(l)) {
        bytes += snapshots.size(l);
      }
    } catch (dev.berth.common.error.BerthException e) {
      // a container being removed, or whose create did not finish
    }
    return bytes;
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0; // deleted while we counted
    }
  }

  /** Writes the container's whole filesystem as a tar, from a read-only view that works while it runs. */
  public void export(String id, OutputStream out) throws IOException {
    Path view = Files.createTempDirectory(store.dir(id), ".export-");
    boolean mounted = false;
    try {
      snapshots.mountView(id, view);
      mounted = true;
      diff.write(view, out);
    } finally {
      if (mounted) snapshots.unmount(view);
      FileTrees.delete(view);
    }
  }

  /** One line of `docker diff`: Kind 0 changed, 1 added, 2 deleted. */
  public record Change(String path, int kind) {}

  /**
   * What the container changed over its image, from its upper dir: a whiteout is a deletion, a name
   * a lower layer has is a change, anything else an addition. Sorted by path, as Docker lists them.
   */
  public List<Change> changes(String id) throws IOException {
    var snapshot = snapshots.container(id);
    List<Path> lowers = snapshot.topChainId() == null ? List.of() : snapshots.layerDirsTopFirst(snapshot.topChainId());
    Path upper = snapshot.upperDir();
    LinuxFileSystemOps ops = new LinuxFileSystemOps();
    List<Change> out = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> walk = Files.walk(upper)) {
      for (Path p : walk.sorted().toList()) {
        if (p.equals(upper)) continue;
        String rel = upper.relativize(p).toString();
        int kind;
        if (ops.lstat(p).isWhiteout()) {
          kind = 2;
        } else {
          boolean inLower = lowers.stream().anyMatch(l -> Files.exists(l.resolve(rel), java.nio.file.LinkOption.NOFOLLOW_LINKS));
          kind = inLower ? 0 : 1;
        }
        if (kind == 1 && MOUNT_POINTS.contains("/" + rel) && Files.size(p) == 0) continue;
        out.add(new Change("/" + rel, kind));
      }
    }
    // A directory counts as changed for what changed under it; with the mount points left out, a
    // directory they alone copied up (/etc) has nothing under it any more.
    List<Change> shown = new java.util.ArrayList<>();
    for (Change c : out) {
      boolean emptyCopyUp = c.kind() == 0 && Files.isDirectory(upper.resolve(c.path().substring(1)),
          java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && out.stream().noneMatch(o -> o.path().startsWith(c.path() + "/"));
      if (!emptyCopyUp) shown.add(c);
    }
    return shown;
  }

  /**
   * The files the runtime bind-mounts over (hostname, hosts, resolv.conf): created in the upper dir
   * as mount points, they are not the container's changes. Docker keeps them in an init layer.
   */
  private static final java.util.Set<String> MOUNT_POINTS = java.util.Set.of("/etc/hostname", "/etc/hosts",
      "/etc/resolv.conf");

  /** A new image from the container's image plus its changes; the tag, if any, names it. */
  public ImageRecord commit(Container c, String repo, String tag, String comment, String author,
      List<String> changes) {
    ImageRecord parent = images.get(c.image());
    Reference ref = null;
    if (repo != null && !repo.isEmpty()) ref = Reference.parse(tag == null || tag.isEmpty() ? repo : repo + ":" + tag);
    try {
      return new Committer(images, diff).commit(parent, snapshots.upperDir(c.id()), changes, author, comment, ref);
    } catch (RuntimeException e) {
      if (e instanceof dev.berth.common.error.BerthException) throw e;
      throw new Internal("cannot commit container " + c.id() + ": " + e.getMessage(), e);
    }
  }
}
