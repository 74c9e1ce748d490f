package dev.berth.images.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileStat;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.fs.Sh;
import dev.berth.images.layer.LayerDiff;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.layer.TarEntry;
import dev.berth.images.layer.TarReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpack, mount a container, change files in it, diff its upper dir back to a layer tar (whiteouts in
 * {@code .wh.} form), then stack that tar as a new layer: the new container sees what the first saw.
 */
class ContainerDiffIT {
  private static final byte[] CAPABILITY = {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  @TempDir Path tmp;
  private final LinuxFileSystemOps ops = new LinuxFileSystemOps();
  private final LayerUnpacker unpacker = new LayerUnpacker(ops, true);

  @AfterEach
  void noMountLeft() {
    assertEquals(List.of(), MountHygiene.cleanUp(tmp), "a test left mounts behind");
  }

  @Test
  void changesInAContainerBecomeALayerThatReproducesThem() throws Exception {
    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    byte[] base = baseLayer();
    String baseChain = Digest.sha256(base).toString();
    snapshots.prepare(baseChain, null, dir -> unpacker.unpack(new ByteArrayInputStream(base), dir));
    snapshots.createContainer("c1", baseChain);
    Path merged = Files.createDirectory(tmp.resolve("merged"));
    Map<String, String> seen;
    snapshots.mount("c1", merged);
    try {
      Files.delete(merged.resolve("etc/group"));
      Sh.run("rm", "-rf", merged.resolve("var/cache").toString());
      Files.createDirectories(merged.resolve("var/cache/new"));
      Files.writeString(merged.resolve("var/cache/new/f"), "fresh");
      Files.writeString(merged.resolve("etc/motd"), "changed");
      Files.writeString(merged.resolve("usr/bin/tool"), "new tool");
      ops.lsetxattr(merged.resolve("usr/bin/tool"), "security.capability", CAPABILITY);
      Files.createLink(merged.resolve("usr/bin/tool2"), merged.resolve("usr/bin/tool"));
      Sh.run("mkfifo", merged.resolve("run-fifo").toString());
      Files.createSymbolicLink(merged.resolve("usr/bin/sh"), Path.of("busybox"));
      seen = listing(merged);
    } finally {
      snapshots.unmount(merged);
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Digest diffId = new LayerDiff(ops).write(snapshots.layerDirsTopFirst(baseChain), snapshots.upperDir("c1"), out);
    byte[] diff = out.toByteArray();
    Map<String, TarEntry> entries = read(diff);
    assertTrue(entries.containsKey("etc/.wh.group"), entries.keySet().toString());
    assertTrue(entries.containsKey("var/cache/.wh..wh..opq"), entries.keySet().toString());
    assertEquals(TarEntry.HARDLINK, entries.get("usr/bin/tool2").type());
    assertArrayEquals(CAPABILITY, entries.get("usr/bin/tool").xattrs().get("security.capability"));
    assertFalse(entries.containsKey("usr/bin/ls"), "an unchanged file is in the diff");
    for (TarEntry e : entries.values()) {
      assertFalse(e.type() == TarEntry.CHAR_DEVICE && e.devMajor() == 0 && e.devMinor() == 0,
          "an overlay whiteout left as a device: " + e.name());
    }

    String topChain = Digest.sha256((baseChain + " " + diffId).getBytes()).toString();
    snapshots.prepare(topChain, baseChain, dir -> unpacker.unpack(new ByteArrayInputStream(diff), dir, null, diffId));
    snapshots.createContainer("c2", topChain);
    snapshots.mount("c2", merged);
    try {
      assertEquals(seen, listing(merged));
      assertFalse(Files.exists(merged.resolve("etc/group")));
      assertFalse(Files.exists(merged.resolve("var/cache/old")));
    } finally {
      snapshots.unmount(merged);
    }
  }

  /** A symlink an earlier layer planted cannot carry a later layer's file outside. */
  @Test
  void aSymlinkFromAnEarlierLayerLeadsNowhere() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    byte[] first = tar(t -> symlink(t, "escape", outside.toString()));
    byte[] second = tar(t -> file(t, "escape/owned", "x", 0644));
    String c1 = Digest.sha256(first).toString();
    String c2 = Digest.sha256(second).toString();
    snapshots.prepare(c1, null, dir -> unpacker.unpack(new ByteArrayInputStream(first), dir));
    snapshots.prepare(c2, c1, dir -> unpacker.unpack(new ByteArrayInputStream(second), dir));
    snapshots.createContainer("c", c2);
    Path merged = Files.createDirectory(tmp.resolve("merged"));
    snapshots.mount("c", merged);
    try {
      assertTrue(Files.isDirectory(merged.resolve("escape")), "the later layer's directory hides the link");
      assertEquals("x", Files.readString(merged.resolve("escape/owned")));
    } finally {
      snapshots.unmount(merged);
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "a file was written outside the snapshot");
    }
  }

  private byte[] baseLayer() throws Exception {
    return tar(t -> {
      dir(t, "etc/");
      file(t, "etc/group", "root:x:0:\n", 0644);
      file(t, "etc/motd", "hello\n", 0644);
      dir(t, "usr/");
      dir(t, "usr/bin/");
      file(t, "usr/bin/ls", "ls", 0755);
      dir(t, "var/");
      dir(t, "var/cache/");
      dir(t, "var/cache/old/");
      file(t, "var/cache/old/stale", "stale", 0600);
    });
  }

  /** name -> "type perms uid:gid size link sha256 capability" for every path under root. */
  private Map<String, String> listing(Path root) throws Exception {
    Map<String, String> lines = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        FileStat st = ops.lstat(p);
        String link = st.isSymlink() ? Files.readSymbolicLink(p).toString() : "";
        String sum = st.isRegularFile() ? Digest.sha256(Files.readAllBytes(p)).shortHex() : "";
        byte[] cap = st.isRegularFile() ? ops.lgetxattr(p, "security.capability") : null;
        lines.put("/" + root.relativize(p), Integer.toOctalString(st.mode()) + " " + st.uid() + ":" + st.gid() + " "
            + (st.isDirectory() ? "" : st.size()) + " " + link + " " + sum + " " + (cap == null ? "" : HexFormat.of().formatHex(cap)));
      }
    }
    return lines;
  }

  private static Map<String, TarEntry> read(byte[] tar) throws Exception {
    Map<String, TarEntry> entries = new LinkedHashMap<>();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    for (TarEntry e; (e = reader.next()) != null; ) {
      entries.put(e.name().replaceAll("/$", ""), e);
    }
    return entries;
  }

  private interface TarBody {
    void write(TarArchiveOutputStream t) throws Exception;
  }

  private static byte[] tar(TarBody body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      body.write(t);
    }
    return out.toByteArray();
  }

  private static void dir(TarArchiveOutputStream t, String name) throws Exception {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040755);
    t.putArchiveEntry(e);
    t.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream t, String name, String content, int mode) throws Exception {
    TarArchiveEntry e = new TarArchiveEntry(name);
    byte[] b = content.getBytes();
    e.setSize(b.length);
    e.setMode(0100000 | mode);
    t.putArchiveEntry(e);
    t.write(b);
    t.closeArchiveEntry();
  }

  private static void symlink(TarArchiveOutputStream t, String name, String target) throws Exception {
    TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
    e.setLinkName(target);
    t.putArchiveEntry(e);
    t.closeArchiveEntry();
  }
}
