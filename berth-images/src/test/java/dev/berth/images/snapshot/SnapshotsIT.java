package dev.berth.images.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.UnpackedLayer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overlay mounts of container snapshots, deeper than the old mount(2) option string allows. */
class SnapshotsIT {
  @TempDir Path tmp;

  @AfterEach
  void noMountLeft() {
    assertEquals(List.of(), MountHygiene.cleanUp(tmp), "a test left mounts behind");
  }

  @Test
  void mountsAStackOf130Layers() throws Exception {
    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    String parent = null;
    for (int i = 0; i < 130; i++) {
      String chain = Digest.sha256(("layer " + i).getBytes()).toString();
      int n = i;
      snapshots.prepare(chain, parent, dir -> write(dir, "file-" + n, "from layer " + n));
      parent = chain;
    }
    int optionBytes = snapshots.layerDirsTopFirst(parent).stream().mapToInt(p -> p.toString().length() + 1).sum();
    assertTrue(optionBytes > 4096, "the stack would fit in one page of options (" + optionBytes + " bytes)");
    snapshots.createContainer("c1", parent);
    Path target = Files.createDirectory(tmp.resolve("merged"));
    snapshots.mount("c1", target);
    try {
      assertEquals("from layer 0", Files.readString(target.resolve("file-0")));
      assertEquals("from layer 129", Files.readString(target.resolve("file-129")));
      Files.writeString(target.resolve("new"), "written in the container");
      Files.delete(target.resolve("file-5"));
      assertThrows(Conflict.class, () -> snapshots.removeContainer("c1"), "removed while mounted");
    } finally {
      snapshots.unmount(target);
    }
    assertEquals("written in the container", Files.readString(snapshots.upperDir("c1").resolve("new")));
    assertTrue(new LinuxFileSystemOps().lstat(snapshots.upperDir("c1").resolve("file-5")).isWhiteout());
    assertFalse(Files.exists(target.resolve("file-0")), "still mounted");
    snapshots.removeContainer("c1");
  }

  /** fsconfig takes at most 256 bytes of a value: longer layer paths go through /proc/self/fd. */
  @Test
  void mountsWhenTheRootPathIsLong() throws Exception {
    Path root = tmp.resolve("r".repeat(200)).resolve("s".repeat(100));
    Snapshots snapshots = new Snapshots(root);
    String base = Digest.sha256("base".getBytes()).toString();
    String top = Digest.sha256("top".getBytes()).toString();
    snapshots.prepare(base, null, dir -> write(dir, "a", "base"));
    snapshots.prepare(top, base, dir -> write(dir, "b", "top"));
    snapshots.createContainer("long", top);
    Path target = Files.createDirectory(tmp.resolve("merged"));
    snapshots.mount("long", target);
    try {
      assertEquals("base", Files.readString(target.resolve("a")));
      assertEquals("top", Files.readString(target.resolve("b")));
      Files.writeString(target.resolve("c"), "upper");
    } finally {
      snapshots.unmount(target);
    }
    assertEquals("upper", Files.readString(snapshots.upperDir("long").resolve("c")));
  }

  @Test
  void aContainerOverNothingMounts() throws Exception {
    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    snapshots.createContainer("scratch", (String) null);
    Path target = Files.createDirectory(tmp.resolve("merged"));
    snapshots.mount("scratch", target);
    try {
      try (var s = Files.list(target)) {
        assertEquals(0, s.count());
      }
      Files.writeString(target.resolve("only"), "x");
    } finally {
      snapshots.unmount(target);
    }
    assertTrue(Files.exists(snapshots.upperDir("scratch").resolve("only")));
  }

  static UnpackedLayer write(Path dir, String name, String content) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), content);
      return null; // a source that reports no diff_id
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
