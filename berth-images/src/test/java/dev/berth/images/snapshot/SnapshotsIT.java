package dev.berth.images.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.berth.images.digest.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overlay mounts of container snapshots, deeper than the old mount(2) option string allows. */
class SnapshotsIT {
  @TempDir Path tmp;

  @Test
  void mountsAStackOf130Layers() throws Exception {
    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    Digest parent = null;
    for (int i = 0; i < 130; i++) {
      Digest chain = Digest.sha256(("layer " + i).getBytes());
      int n = i;
      snapshots.prepare(chain, parent, dir -> write(dir, "file-" + n, "from layer " + n));
      parent = chain;
    }
    snapshots.createContainer("c1", parent);
    Path target = tmp.resolve("merged");
    Files.createDirectory(target);
    snapshots.mount("c1", target);
    try {
      assertEquals("from layer 0", Files.readString(target.resolve("file-0")));
      assertEquals("from layer 129", Files.readString(target.resolve("file-129")));
      Files.writeString(target.resolve("new"), "written in the container");
      Files.delete(target.resolve("file-5"));
    } finally {
      snapshots.unmount(target);
    }
    assertEquals("written in the container", Files.readString(snapshots.upperDir("c1").resolve("new")));
    assertFalse(Files.exists(target.resolve("file-0")), "still mounted");
    snapshots.removeContainer("c1");
  }

  private static void write(Path dir, String name, String content) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
