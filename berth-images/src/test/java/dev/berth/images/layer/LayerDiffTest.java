package dev.berth.images.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.images.digest.Digest;
import dev.berth.images.fs.RecordingFileSystemOps;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upper dir's changes as a layer tar, with whiteouts and opaque dirs set up through the fake. */
class LayerDiffTest {
  private static final byte[] CAPABILITY = {1, 0, 0, 2, (byte) 0x80, 0x20, 0, 0, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  @TempDir Path tmp;
  private final RecordingFileSystemOps ops = new RecordingFileSystemOps();

  @Test
  void whiteoutsOpaqueDirsLinksAndXattrsInDockerForm() throws Exception {
    Path lower = Files.createDirectories(tmp.resolve("lower"));
    Files.createDirectories(lower.resolve("etc"));
    Files.writeString(lower.resolve("etc/motd"), "old");
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    Files.createDirectories(upper.resolve("etc"));
    Files.createFile(upper.resolve("etc/motd"));
    ops.markWhiteout(upper.resolve("etc/motd"));
    ops.lchown(upper.resolve("etc/motd"), 7, 8);
    Files.createFile(upper.resolve("etc/never-in-lower"));
    ops.markWhiteout(upper.resolve("etc/never-in-lower"));
    Files.createDirectories(upper.resolve("var/cache"));
    ops.lsetxattr(upper.resolve("var/cache"), "trusted.overlay.opaque", "y".getBytes());
    Files.writeString(upper.resolve("var/cache/new"), "fresh");
    Files.writeString(upper.resolve("ping"), "binary");
    ops.lsetxattr(upper.resolve("ping"), "security.capability", CAPABILITY);
    ops.chmod(upper.resolve("ping"), 04755);
    Files.createLink(upper.resolve("ping.hard"), upper.resolve("ping"));
    Files.createSymbolicLink(upper.resolve("sh"), Path.of("/bin/busybox"));
    Files.writeString(upper.resolve("n".repeat(150)), "long name");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Digest diffId = new LayerDiff(ops).write(List.of(lower), upper, out);
    byte[] tar = out.toByteArray();
    assertEquals(Digest.sha256(tar), diffId);

    Map<String, TarEntry> entries = read(tar);
    assertEquals(List.of("etc/", "etc/.wh.motd", "n".repeat(150), "ping", "ping.hard", "sh", "var/", "var/cache/",
        "var/cache/.wh..wh..opq", "var/cache/new"), List.copyOf(entries.keySet()));
    TarEntry wh = entries.get("etc/.wh.motd");
    assertEquals(TarEntry.FILE, wh.type());
    assertEquals(0600, wh.mode());
    assertEquals(7, wh.uid());
    assertEquals(TarEntry.FILE, entries.get("var/cache/.wh..wh..opq").type());
    assertFalse(entries.get("var/cache/").xattrs().containsKey("trusted.overlay.opaque"));
    assertArrayEquals(CAPABILITY, entries.get("ping").xattrs().get("security.capability"));
    assertEquals(04755, entries.get("ping").mode());
    assertEquals(TarEntry.HARDLINK, entries.get("ping.hard").type());
    assertEquals("ping", entries.get("ping.hard").linkName());
    assertEquals("/bin/busybox", entries.get("sh").linkName());

    // Other tar readers agree on the structure (Commons Compress; it only mangles binary xattr values).
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      int n = 0;
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; n++) {
        assertTrue(entries.containsKey(e.getName()), e.getName());
      }
      assertEquals(entries.size(), n);
    }

    // And the diff unpacks back to the same changes, in overlay form.
    Path back = tmp.resolve("back");
    new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(tar), back);
    assertTrue(ops.lstat(back.resolve("etc/motd")).isWhiteout());
    assertArrayEquals("y".getBytes(), ops.lgetxattr(back.resolve("var/cache"), "trusted.overlay.opaque"));
    assertArrayEquals(CAPABILITY, ops.lgetxattr(back.resolve("ping"), "security.capability"));
    assertEquals("long name", Files.readString(back.resolve("n".repeat(150))));
  }

  @Test
  void theSameTreeGivesTheSameBytes() throws Exception {
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    for (String name : List.of("b", "a", "c/d", "c-e")) {
      Files.createDirectories(upper.resolve(name).getParent());
      Files.writeString(upper.resolve(name), name);
    }
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    ByteArrayOutputStream two = new ByteArrayOutputStream();
    Digest first = new LayerDiff(ops).write(upper, one);
    assertEquals(first, new LayerDiff(ops).write(upper, two));
    assertArrayEquals(one.toByteArray(), two.toByteArray());
    assertEquals(List.of("a", "b", "c/", "c/d", "c-e"), List.copyOf(read(one.toByteArray()).keySet()));
  }

  @Test
  void emptyMountPointsAreLeftOutButRealFilesStay() throws Exception {
    Path upper = Files.createDirectories(tmp.resolve("upper").resolve("etc"));
    Files.createFile(upper.resolve("hosts"));
    Files.writeString(upper.resolve("hostname"), "kept: not empty\n");
    Files.createFile(upper.resolve("other"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerDiff(ops, java.util.Set.of("etc/hosts", "etc/hostname")).write(upper.getParent(), out);
    assertEquals(List.of("etc/", "etc/hostname", "etc/other"), List.copyOf(read(out.toByteArray()).keySet()));
  }

  static Map<String, TarEntry> read(byte[] tar) throws Exception {
    Map<String, TarEntry> entries = new LinkedHashMap<>();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    for (TarEntry e; (e = reader.next()) != null; ) {
      entries.put(e.name(), e);
    }
    return entries;
  }
}
