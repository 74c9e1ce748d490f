package dev.berth.images.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileStat;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.fs.Sh;
import java.util.List;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unpacking needs root (ownership, device nodes, trusted.* xattrs): an integration test. */
class LayerUnpackerIT {
  @TempDir Path tmp;
  private final LinuxFileSystemOps ops = new LinuxFileSystemOps();
  private final LayerUnpacker unpacker = new LayerUnpacker(ops, false);

  private UnpackedLayer unpack(byte[] tar, Path dest) {
    return unpacker.unpack(new ByteArrayInputStream(tar), dest);
  }

  @Test
  void unpacksFilesOwnersModesLinksAndTheDiffId() throws Exception {
    byte[] tar = new RawTar().dir("etc/").entry("etc/shadow", '0', 0640, 0, 42, "secret".getBytes(), null)
        .entry("bin/tool", '0', 04755, 1000, 1000, "#!/bin/sh\n".getBytes(), null)
        .symlink("bin/sh", "busybox").hardlink("etc/shadow-", "etc/shadow").entry("run/fifo", '6', 0600, 0, 0, new byte[0], null)
        .bytes();
    Path dest = tmp.resolve("layer");
    UnpackedLayer layer = unpack(gzip(tar), dest);
    assertEquals(Digest.sha256(tar), layer.diffId());
    assertEquals(tar.length, layer.size());
    assertEquals("secret", Files.readString(dest.resolve("etc/shadow")));
    assertEquals(42, Files.getAttribute(dest.resolve("etc/shadow"), "unix:gid"));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("etc/shadow"))));
    assertEquals(04755, (int) Files.getAttribute(dest.resolve("bin/tool"), "unix:mode") & 07777, "setuid bit lost");
    assertEquals(1000, Files.getAttribute(dest.resolve("bin/tool"), "unix:uid"));
    assertEquals(Path.of("busybox"), Files.readSymbolicLink(dest.resolve("bin/sh")));
    assertEquals(Files.getAttribute(dest.resolve("etc/shadow"), "unix:ino"), Files.getAttribute(dest.resolve("etc/shadow-"), "unix:ino"));
    assertTrue(Files.readAttributes(dest.resolve("run/fifo"), java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther());
    assertEquals(1700000000L, Files.getLastModifiedTime(dest.resolve("etc")).toMillis() / 1000, "directory mtime");
  }

  @Test
  void binaryXattrsSurviveByteForByte() throws Exception {
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] tar = new RawTar().pax(Map.of("SCHILY.xattr.security.capability", capability))
        .file("usr/bin/ping", "ping").bytes();
    Path dest = tmp.resolve("layer");
    unpack(tar, dest);
    assertArrayEquals(capability, ops.lgetxattr(dest.resolve("usr/bin/ping"), "security.capability"));
  }

  @Test
  void whiteoutsBecomeOverlayWhiteouts() throws Exception {
    byte[] tar = new RawTar().dir("etc/").file("etc/.wh.motd", "").dir("var/cache/")
        .file("var/cache/.wh..wh..opq", "").bytes();
    Path dest = tmp.resolve("layer");
    unpack(tar, dest);
    Path whiteout = dest.resolve("etc/motd");
    assertEquals(0L, Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.readAttributes(whiteout, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther(), "a whiteout is a character device");
    assertFalse(Files.exists(dest.resolve("etc/.wh.motd")));
    assertArrayEquals("y".getBytes(), ops.lgetxattr(dest.resolve("var/cache"), "trusted.overlay.opaque"));
  }

  @Test
  void refusesDotDot() {
    refused(new RawTar().file("../../etc/evil", "x").bytes(), "contains \"..\"");
  }

  @Test
  void refusesWritesThroughAPlantedSymlink() throws Exception {
    Path outside = tmp.resolve("outside");
    Files.createDirectory(outside);
    refused(new RawTar().symlink("escape", outside.toString()).file("escape/owned", "x").bytes(), "through the symlink /escape");
    assertFalse(Files.exists(outside.resolve("owned")));
  }

  @Test
  void refusesHardlinksToOutside() {
    refused(new RawTar().hardlink("passwd", "../../../../etc/passwd").bytes(), "contains \"..\"");
    refused(new RawTar().hardlink("passwd", "/etc/passwd").bytes(), "does not exist in the layer");
  }

  @Test
  void refusesDeviceNodesUnlessAllowed() {
    refused(new RawTar().entry("dev/sda", '4', 0600, 0, 0, new byte[0], null).bytes(), "device nodes are not allowed");
  }

  @Test
  void absolutePathsStayInside() throws Exception {
    Path dest = tmp.resolve("layer");
    unpack(new RawTar().file("/etc/hostname", "inside").bytes(), dest);
    assertEquals("inside", Files.readString(dest.resolve("etc/hostname")));
  }

  @Test
  void refusesACorruptHeader() throws Exception {
    byte[] tar = new RawTar().file("a", "1").bytes();
    tar[10] ^= 1;
    refused(tar, "checksum mismatch");
  }

  @Test
  void realDeviceNodesWhiteoutsAndSymlinkTimes() throws Exception {
    byte[] tar = new RawTar().device("dev/null", '3', 1, 3).device("dev/loop9", '4', 7, 9).dir("bin/").symlink("bin/sh", "busybox")
        .file(".wh.gone", "").dir("opq/").file("opq/.wh..wh..opq", "").bytes();
    Path dest = tmp.resolve("layer");
    new LayerUnpacker(ops, true).unpack(new ByteArrayInputStream(tar), dest);
    FileStat dev = ops.lstat(dest.resolve("dev/null"));
    assertEquals(FileStat.S_IFCHR, dev.type());
    assertEquals(1, dev.rdevMajor());
    assertEquals(3, dev.rdevMinor());
    assertEquals(0620, dev.permissions());
    assertEquals(5, dev.gid());
    assertEquals(FileStat.S_IFBLK, ops.lstat(dest.resolve("dev/loop9")).type());
    assertTrue(ops.lstat(dest.resolve("gone")).isWhiteout());
    assertArrayEquals("y".getBytes(), ops.lgetxattr(dest.resolve("opq"), "trusted.overlay.opaque"));
    assertEquals(RawTar.MTIME, ops.lstat(dest.resolve("bin/sh")).mtimeSeconds(), "the symlink's own mtime");
    assertEquals(RawTar.MTIME, ops.lstat(dest.resolve("bin")).mtimeSeconds(), "a directory's mtime, set after its contents");
  }

  /** GNU tar's own sparse formats (old GNU, PAX 0.0, 0.1, 1.0): content identical, holes kept as holes. */
  @Test
  void sparseFilesFromGnuTar() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path sparse = src.resolve("sparse.img");
    Sh.run("truncate", "-s", "64M", sparse.toString());
    Sh.run("sh", "-c", "printf head | dd of=" + sparse + " conv=notrunc status=none && "
        + "printf middle | dd of=" + sparse + " bs=1M seek=20 conv=notrunc status=none && "
        + "printf tail | dd of=" + sparse + " bs=1 seek=67108860 conv=notrunc status=none");
    String sum = Sh.run("sha256sum", sparse.toString()).split(" ")[0];
    List<List<String>> formats = List.of(List.of("--format=gnu"), List.of("--format=pax", "--sparse-version=0.0"),
        List.of("--format=pax", "--sparse-version=0.1"), List.of("--format=pax", "--sparse-version=1.0"));
    for (List<String> format : formats) {
      Path tar = tmp.resolve("sparse" + formats.indexOf(format) + ".tar");
      List<String> cmd = new java.util.ArrayList<>(List.of("tar", "--sparse"));
      cmd.addAll(format);
      cmd.addAll(List.of("-C", src.toString(), "-cf", tar.toString(), "sparse.img"));
      Sh.run(cmd.toArray(String[]::new));
      assertTrue(Files.size(tar) < 1 << 20, format + " did not store the file sparse");
      Path dest = tmp.resolve("layer" + formats.indexOf(format));
      unpacker.unpack(Files.newInputStream(tar), dest);
      Path out = dest.resolve("sparse.img");
      assertEquals(64L << 20, Files.size(out), format.toString());
      assertEquals(sum, Sh.run("sha256sum", out.toString()).split(" ")[0], format.toString());
      long blocks = Long.parseLong(Sh.run("stat", "-c", "%b", out.toString()).trim());
      assertTrue(blocks * 512 < 1 << 20, format + ": the holes were filled (" + blocks + " blocks)");
    }
  }

  /** GNU tar writes xattrs as SCHILY.xattr records with raw values; a binary capability survives exactly. */
  @Test
  void xattrsWrittenByGnuTar() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path ping = Files.writeString(src.resolve("ping"), "not really ping");
    Sh.run("setcap", "cap_net_raw,cap_net_admin+ep", ping.toString());
    byte[] capability = ops.lgetxattr(ping, "security.capability");
    assertTrue(capability != null && capability.length == 20, "setcap wrote no v2 capability");
    ops.lsetxattr(ping, "user.binary", new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80});
    Path tar = tmp.resolve("x.tar");
    Sh.run("tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-C", src.toString(), "-cf", tar.toString(), "ping");
    Path dest = tmp.resolve("layer");
    unpacker.unpack(Files.newInputStream(tar), dest);
    assertArrayEquals(capability, ops.lgetxattr(dest.resolve("ping"), "security.capability"));
    assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80}, ops.lgetxattr(dest.resolve("ping"), "user.binary"));
    assertEquals("cap_net_admin,cap_net_raw=ep", Sh.run("getcap", dest.resolve("ping").toString()).trim().replaceAll("^\\S+\\s+", ""));
  }

  private void refused(byte[] tar, String message) {
    Path dest = tmp.resolve("refused-" + System.nanoTime());
    InvalidArgument e = assertThrows(InvalidArgument.class, () -> unpack(tar, dest));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertFalse(Files.exists(dest), "the partial layer was left behind");
  }

  private static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }
}
