package dev.berth.it.images;

import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads and unpacks an archive in its own JVM, so a test can kill it with SIGKILL at any point: with
 * "streaming" as the fifth argument the layers are unpacked while the archive is read (as berthd's
 * load does), otherwise after the load (as a container's first start does for a stored image).
 */
public final class LoadChild {
  private LoadChild() {}

  public static void main(String[] args) throws Exception {
    ImageStore store = new ImageStore(Path.of(args[1]));
    ImageUnpacker unpacker = new ImageUnpacker(store, new Snapshots(Path.of(args[2])),
        new LayerUnpacker(new LinuxFileSystemOps(), true));
    boolean streaming = args.length > 4 && args[4].equals("streaming");
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      (streaming ? new ArchiveLoader(store, unpacker) : new ArchiveLoader(store)).load(in);
    }
    System.out.println("loaded");
    unpacker.unpack(store.resolve(args[3]));
    System.out.println("unpacked");
  }
}
