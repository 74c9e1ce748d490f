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
  private final LayerDiff diff = new LayerDiff(new LinuxFileSystemOps());

  public ContainerFilesystem(ContainerStore store, Snapshots snapshots, ImageStore images) {
    this.store = store;
    this.snapshots = snapshots;
    this.images = images;
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
