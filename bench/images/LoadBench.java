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
 * as `docker load` does; prints the wall time in milliseconds of the second of two such loads (the
 * first warms the JVM up, as berthd is warm after its first loads).
 * Usage: java -cp 'lib/*' bench/images/LoadBench.java ARCHIVE WORKDIR IMAGE
 */
public class LoadBench {
  public static void main(String[] args) throws Exception {
    Path archive = Path.of(args[0]);
    Path warmUp = Files.createTempDirectory(Path.of(args[1]), "load");
    loadInto(warmUp, archive, args[2]); // untimed; removed and synced so the timed load starts clean
    new ProcessBuilder("sh", "-c", "rm -rf \"$0\" && sync", warmUp.toString()).inheritIO().start().waitFor();
    Path work = Files.createTempDirectory(Path.of(args[1]), "load");
    long start = System.nanoTime();
    loadInto(work, archive, args[2]);
    long end = System.nanoTime();
    System.out.printf("%.0f%n", (end - start) / 1e6);
  }

  private static void loadInto(Path work, Path archive, String image) throws Exception {
    ImageStore store = new ImageStore(work.resolve("store"));
    Snapshots snapshots = new Snapshots(work.resolve("snapshots"));
    ImageUnpacker unpacker = new ImageUnpacker(store, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true));
    try (InputStream in = Files.newInputStream(archive)) {
      new ArchiveLoader(store, unpacker).load(in);
    }
    unpacker.unpack(store.resolve(image)); // finds every layer unpacked already
  }
}
