package dev.berth.images.base;

import dev.berth.common.io.FileTrees;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.importer.RootfsImporter;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a rootfs tarball as an image (as `docker import` does) and writes it as a docker-archive,
 * atomically. Usage: RootfsArchiveMain OUT.tar ROOTFS.tar [--tag NAME]... [--change INSTRUCTION]...
 * [--message TEXT]. scripts/make-debian-image.sh makes its image this way.
 */
public final class RootfsArchiveMain {
  private RootfsArchiveMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length % 2 != 0) {
      System.err.println("usage: RootfsArchiveMain OUT.tar ROOTFS.tar [--tag NAME]... [--change INSTRUCTION]..."
          + " [--message TEXT]");
      System.exit(2);
    }
    Path out = Path.of(args[0]).toAbsolutePath();
    List<Reference> tags = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    String message = null;
    for (int i = 2; i < args.length; i += 2) {
      switch (args[i]) {
        case "--tag" -> tags.add(Reference.parse(args[i + 1]));
        case "--change" -> changes.add(args[i + 1]);
        case "--message" -> message = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path storeDir = Files.createTempDirectory(out.getParent(), ".store-");
    Path partial = out.resolveSibling("." + out.getFileName() + ".tmp");
    try {
      ImageStore store = new ImageStore(storeDir);
      ImageRecord image;
      try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
        image = new RootfsImporter(store).importTarball(in, changes, message, tags.isEmpty() ? null : tags.getFirst());
      }
      for (Reference tag : tags) store.tag(tag, image.id());
      ArchiveWriter writer = new ArchiveWriter(store);
      try (OutputStream o = Files.newOutputStream(partial)) {
        writer.dockerArchive(List.of(writer.select(image.id())), o);
      }
      Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      System.out.println(out + " " + image.id());
    } finally {
      Files.deleteIfExists(partial);
      FileTrees.delete(storeDir);
    }
  }
}
