package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.images.archive.ArchiveWriter;
import dev.berth.images.importer.RootfsImporter;
import dev.berth.images.reference.Reference;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, acceptance 3: kill -9 during load and during unpack, then reopen: the store passes its
 * own consistency check, no half-written layer is visible, and the load can simply be run again.
 */
class LoadKillIT {
  @TempDir Path tmp;

  @Test
  void killedAtAnyPointTheStoreStaysConsistent() throws Exception {
    Path archive = bigArchive();
    Random random = new Random(42);
    // A whole run first: its duration is the window the kills are spread over.
    long start = System.nanoTime();
    child(archive, tmp.resolve("store-full"), tmp.resolve("snapshots-full"), "separate").waitFor(60, TimeUnit.SECONDS);
    long window = (System.nanoTime() - start) / 1_000_000;
    int killedMidway = 0;
    // Rounds alternate between unpacking while loading (berthd's load) and after it; a kill that
    // came too late (this machine got faster or less busy) moves the window earlier.
    for (int round = 0; round < 16 && killedMidway < 6; round++) {
      Path store = tmp.resolve("store-" + round);
      Path snapshots = tmp.resolve("snapshots-" + round);
      String mode = round % 2 == 0 ? "streaming" : "separate";
      Process child = child(archive, store, snapshots, mode);
      Thread.sleep((long) (window * (0.2 + 0.7 * random.nextDouble())));
      child.toHandle().destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
      if (!Files.readString(tmp.resolve("child.log")).contains("unpacked")) {
        killedMidway++;
      } else {
        window = window * 2 / 3;
      }

      ImageStore reopened = new ImageStore(store);
      assertEquals(List.of(), reopened.check(), "round " + round + " after " + Files.readString(tmp.resolve("child.log")));
      new Snapshots(snapshots);
      try (Stream<Path> s = Files.exists(snapshots.resolve("layers")) ? Files.list(snapshots.resolve("layers")) : Stream.empty()) {
        for (Path layer : s.toList()) {
          assertFalse(layer.getFileName().toString().startsWith("."), "a half-unpacked layer is visible: " + layer);
          assertTrue(Files.exists(layer.resolve("snapshot.json")), "a layer without its metadata: " + layer);
        }
      }
      LoadChild.main(new String[] {archive.toString(), store.toString(), snapshots.toString(), "big:1", mode});
      assertEquals(List.of(), new ImageStore(store).check());
    }
    assertTrue(killedMidway >= 6, "only " + killedMidway + " kills landed before the unpack finished");
  }

  private Process child(Path archive, Path store, Path snapshots, String mode) throws Exception {
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        LoadChild.class.getName(), archive.toString(), store.toString(), snapshots.toString(), "big:1", mode)
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
  }

  /** An archive with a ~60 MB layer, big enough to be killed in the middle of. */
  private Path bigArchive() throws Exception {
    ImageStore store = new ImageStore(tmp.resolve("source"));
    Random random = new Random(1);
    var image = new RootfsImporter(store).importTarball(new ByteArrayInputStream(tar(random, "a")), List.of(), "a",
        Reference.parse("big:0"));
    Path path = tmp.resolve("big.tar");
    ArchiveWriter writer = new ArchiveWriter(store);
    store.tag(Reference.parse("big:1"), image.id());
    try (OutputStream out = Files.newOutputStream(path)) {
      writer.dockerArchive(List.of(writer.select("big:1")), out);
    }
    return path;
  }

  private static byte[] tar(Random random, String dir) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (int i = 0; i < 300; i++) {
        byte[] data = new byte[200_000];
        random.nextBytes(data);
        TarArchiveEntry e = new TarArchiveEntry(dir + "/f" + i);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
