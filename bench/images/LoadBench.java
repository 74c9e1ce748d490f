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
 * Loads a docker-archive into a fresh Berth store, unpacking every layer into snapshots as it reads,
 * as `docker load` does; prints the wall time in milliseconds (the JVM's own start not counted).
 * Usage: java -cp 'lib/*' bench/images/LoadBench.java ARCHIVE WORKDIR IMAGE
 */
public class LoadBench {
  public static void main(String[] args) throws Exception {
    Path archive = Path.of(args[0]);
    Path work = Files.createTempDirectory(Path.of(args[1]), "load");
    long start = System.nanoTime();
    ImageStore store = new ImageStore(work.resolve("store"));
    Snapshots snapshots = new Snapshots(work.resolve("snapshots"));
    ImageUnpacker unpacker = new ImageUnpacker(store, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true));
    try (InputStream in = Files.newInputStream(archive)) {
      new ArchiveLoader(store, unpacker).load(in);
    }
    unpacker.unpack(store.resolve(args[2])); // finds every layer unpacked already
    long end = System.nanoTime();
    System.out.printf("%.0f%n", (end - start) / 1e6);
  }
}
