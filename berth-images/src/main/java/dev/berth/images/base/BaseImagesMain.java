package dev.berth.images.base;

import dev.berth.common.io.FileTrees;
import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.store.ImageStore;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the base images as docker-archives (for `docker load` and Berth's loader) into a directory:
 * busybox.tar and hello-world.tar. Usage: BaseImagesMain OUT-DIR HELLO-BINARY
 */
public final class BaseImagesMain {
  private BaseImagesMain() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    Path storeDir = Files.createTempDirectory(out, ".store-");
    try {
      ImageStore store = new ImageStore(storeDir);
      BaseImages.busybox(store);
      BaseImages.helloWorld(store, Path.of(args[1]));
      ArchiveWriter writer = new ArchiveWriter(store);
      for (String name : List.of("busybox", "hello-world")) {
        try (OutputStream o = Files.newOutputStream(out.resolve(name + ".tar"))) {
          writer.dockerArchive(List.of(writer.select(name + ":latest")), o);
        }
        System.out.println(out.resolve(name + ".tar"));
      }
    } finally {
      FileTrees.delete(storeDir);
    }
  }
}
