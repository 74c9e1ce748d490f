package dev.berth.images.layer;

import static dev.berth.images.layer.RawTar.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileStat;
import dev.berth.images.fs.RecordingFileSystemOps;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each entry kind and each attack, with crafted tars and the recording fake (no root needed). */
class LayerUnpackerTest {
  @TempDir Path tmp;
  private final RecordingFileSystemOps ops = new RecordingFileSystemOps();

  private Path unpack(byte[] blob) {
    Path dest = tmp.resolve("layer");
    new LayerUnpacker(ops, true).unpack(new ByteArrayInputStream(blob), dest);
    return dest;
  }

  @Test
  void filesDirectoriesOwnersModesAndTimes() throws Exception {
    byte[] tar = new RawTar().dir("etc/").entry("etc/shadow", '0', 0640, 0, 42, "secret".getBytes(), null)
        .entry("bin/tool", '0', 04755, 1000, 1001, "#!/bin/sh\n".getBytes(), null).bytes();
    Path dest = unpack(tar);
    assertEquals("secret", Files.readString(dest.resolve("etc/shadow")));
    FileStat shadow = ops.lstat(dest.resolve("etc/shadow"));
    assertEquals(0640, shadow.permissions());
    assertEquals(42, shadow.gid());
    FileStat tool = ops.lstat(dest.resolve("bin/tool"));
    assertEquals(04755, tool.permissions(), "setuid bit lost");
    assertEquals(1000, tool.uid());
    assertEquals(1001, tool.gid());
    assertEquals(RawTar.MTIME, tool.mtimeSeconds());
    // chmod comes after chown (which clears setuid), and a directory's time after its contents.
    List<String> calls = ops.calls;
    assertTrue(indexOf(calls, "lchown " + dest.resolve("bin/tool")) < indexOf(calls, "chmod " + dest.resolve("bin/tool")));
    assertTrue(indexOf(calls, "utimensat " + dest.resolve("etc/shadow")) < indexOf(calls, "utimensat " + dest.resolve("etc ")));
    assertEquals(RawTar.MTIME, ops.lstat(dest.resolve("etc")).mtimeSeconds());
  }

  @Test
  void paxTimesKeepNanosecondsAndSymlinksGetTheirOwnTimes() throws Exception {
    byte[] tar = new RawTar().pax(List.of(record("mtime", "1600000000.123456789"), record("atime", "1650000000.5")))
        .symlink("bin/sh", "busybox").bytes();
    Path dest = unpack(tar);
    FileStat link = ops.lstat(dest.resolve("bin/sh"));
    assertEquals(1600000000L, link.mtimeSeconds());
    assertEquals(123456789L, link.mtimeNanos());
    assertEquals(1650000000L, ops.atime(dest.resolve("bin/sh")));
    assertEquals(Path.of("busybox"), Files.readSymbolicLink(dest.resolve("bin/sh")));
    assertFalse(ops.calls.contains("chmod " + dest.resolve("bin/sh") + " 777"), "chmod would follow the link");
  }

  @Test
  void hardlinksShareTheInode() throws Exception {
    Path dest = unpack(new RawTar().file("etc/passwd", "root").hardlink("etc/passwd-", "etc/passwd")
        .hardlink("passwd.abs", "/etc/passwd").bytes());
    assertEquals(ops.lstat(dest.resolve("etc/passwd")).ino(), ops.lstat(dest.resolve("etc/passwd-")).ino());
    assertEquals(ops.lstat(dest.resolve("etc/passwd")).ino(), ops.lstat(dest.resolve("passwd.abs")).ino());
  }

  @Test
  void devicesAndFifos() throws Exception {
    Path dest = unpack(new RawTar().device("dev/null", '3', 1, 3).device("dev/sda", '4', 8, 0)
        .entry("run/fifo", '6', 0600, 0, 0, new byte[0], null).device("dev/big", '3', 300, 70000).bytes());
    assertEquals(new RecordingFileSystemOps.Node('c', 0620, 1, 3), ops.node(dest.resolve("dev/null")));
    assertEquals(new RecordingFileSystemOps.Node('b', 0620, 8, 0), ops.node(dest.resolve("dev/sda")));
    assertEquals('p', ops.node(dest.resolve("run/fifo")).type());
    FileStat big = ops.lstat(dest.resolve("dev/big"));
    assertEquals(300, big.rdevMajor());
    assertEquals(70000, big.rdevMinor());
    assertEquals(5, big.gid());
  }

  @Test
  void binaryXattrsSurviveByteForByte() throws Exception {
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, (byte) 0xff, 0, 0, (byte) 0xc3, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    byte[] tar = new RawTar().pax(Map.of("SCHILY.xattr.security.capability", capability))
        .file("usr/bin/ping", "ping").bytes();
    Path dest = unpack(tar);
    assertArrayEquals(capability, ops.lgetxattr(dest.resolve("usr/bin/ping"), "security.capability"));
  }

  @Test
  void overlayXattrsAreNeverTakenFromALayer() throws Exception {
    Path dest = unpack(new RawTar().pax(Map.of("SCHILY.xattr.trusted.overlay.redirect", "/etc".getBytes()))
        .dir("usr/").bytes());
    assertNull(ops.lgetxattr(dest.resolve("usr"), "trusted.overlay.redirect"));
  }

  @Test
  void whiteoutsBecomeOverlayWhiteouts() throws Exception {
    byte[] tar = new RawTar().dir("etc/").file("etc/motd", "in this layer too").file("etc/.wh.motd", "")
        .dir("var/cache/").file("var/cache/.wh..wh..opq", "").file("var/cache/kept", "new")
        .file(".wh..wh.plnk", "").bytes();
    Path dest = unpack(tar);
    assertEquals(new RecordingFileSystemOps.Node('c', 0, 0, 0), ops.node(dest.resolve("etc/motd")));
    assertTrue(ops.lstat(dest.resolve("etc/motd")).isWhiteout());
    assertFalse(Files.exists(dest.resolve("etc/.wh.motd")));
    assertArrayEquals("y".getBytes(), ops.lgetxattr(dest.resolve("var/cache"), "trusted.overlay.opaque"));
    assertFalse(Files.exists(dest.resolve("var/cache/.wh..wh..opq")));
    assertEquals("new", Files.readString(dest.resolve("var/cache/kept")));
    assertFalse(Files.exists(dest.resolve(".wh..wh.plnk")), "aufs bookkeeping has no meaning on overlay");
  }

  @Test
  void laterEntriesReplaceEarlierOnes() throws Exception {
    Path dest = unpack(new RawTar().dir("a/").file("a/x", "1").file("a", "now a file").symlink("b", "/etc")
        .file("b", "a file, not the link").dir("c/").dir("c/").bytes());
    assertEquals("now a file", Files.readString(dest.resolve("a")));
    assertFalse(Files.isSymbolicLink(dest.resolve("b")));
    assertTrue(Files.isDirectory(dest.resolve("c")));
  }

  @Test
  void gzipZstdBzip2AndPlainGiveTheSameDiffId() throws Exception {
    byte[] tar = new RawTar().file("hello", "world").bytes();
    Digest expected = Digest.sha256(tar);
    int i = 0;
    for (byte[] blob : List.of(tar, gzip(tar), zstd(tar), bzip2(tar))) {
      Path dest = tmp.resolve("l" + i++);
      UnpackedLayer layer = new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(blob), dest);
      assertEquals(expected, layer.diffId());
      assertEquals(tar.length, layer.size());
      assertEquals("world", Files.readString(dest.resolve("hello")));
    }
  }

  @Test
  void contentThatIsNotWhatWasAskedForIsNeverUsed() throws Exception {
    byte[] tar = new RawTar().file("hello", "world").bytes();
    byte[] gz = gzip(tar);
    LayerUnpacker unpacker = new LayerUnpacker(ops, false);
    Path ok = tmp.resolve("ok");
    unpacker.unpack(new ByteArrayInputStream(gz), ok, Digest.sha256(gz), Digest.sha256(tar));
    assertTrue(Files.exists(ok.resolve("hello")));
    Digest other = Digest.sha256("other".getBytes());
    for (Digest[] wrong : new Digest[][] {{other, null}, {null, other}, {Digest.sha256(tar), null}}) {
      Path dest = tmp.resolve("bad" + System.nanoTime());
      InvalidArgument e = assertThrows(InvalidArgument.class,
          () -> unpacker.unpack(new ByteArrayInputStream(gz), dest, wrong[0], wrong[1]));
      assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
      assertFalse(Files.exists(dest), "a layer that failed verification was left");
    }
  }

  @Test
  void absolutePathsAreTakenRelativeToTheLayer() throws Exception {
    Path dest = unpack(new RawTar().file("/etc/hostname", "inside").file("//./etc//x", "y").bytes());
    assertEquals("inside", Files.readString(dest.resolve("etc/hostname")));
    assertEquals("y", Files.readString(dest.resolve("etc/x")));
  }

  @Test
  void refusesDotDot() {
    refused(new RawTar().file("../../etc/evil", "x").bytes(), "../../etc/evil: the name contains \"..\"");
    refused(new RawTar().file("a/../b", "x").bytes(), "contains \"..\"");
    refused(new RawTar().symlink("ok", "x").hardlink("h", "a/../../x").bytes(), "contains \"..\"");
  }

  @Test
  void refusesWritesThroughAPlantedSymlink() throws Exception {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    refused(new RawTar().symlink("escape", outside.toString()).file("escape/owned", "x").bytes(),
        "escape/owned: it would be written through the symlink /escape");
    refused(new RawTar().symlink("escape", "../../..").dir("escape/sub/").bytes(), "through the symlink /escape");
    refused(new RawTar().symlink("escape", outside.toString()).file("escape/.wh.x", "").bytes(), "through the symlink");
    refused(new RawTar().symlink("escape", outside.toString()).file("escape/.wh..wh..opq", "").bytes(), "through the symlink");
    refused(new RawTar().file("f", "x").symlink("escape", outside.toString()).hardlink("escape/h", "f").bytes(),
        "through the symlink");
    refused(new RawTar().dir("d/").symlink("d/link", "/").file("d/link/etc/passwd", "x").bytes(), "through the symlink /d/link");
    try (var s = Files.list(outside)) {
      assertEquals(0, s.count(), "something was written outside the layer");
    }
  }

  @Test
  void refusesHardlinksToOutside() throws Exception {
    Path outside = Files.writeString(tmp.resolve("secret"), "outside");
    refused(new RawTar().hardlink("passwd", "../../../../etc/passwd").bytes(), "contains \"..\"");
    refused(new RawTar().hardlink("passwd", outside.toString()).bytes(), "does not exist in the layer");
    refused(new RawTar().symlink("dir", tmp.toString()).hardlink("passwd", "dir/secret").bytes(), "through the symlink /dir");
    refused(new RawTar().dir("d/").hardlink("h", "d").bytes(), "is a directory");
  }

  @Test
  void aHardlinkToAPlantedSymlinkLinksTheSymlinkNotItsTarget() throws Exception {
    Path outside = Files.writeString(tmp.resolve("target"), "outside");
    Path dest = unpack(new RawTar().symlink("l", outside.toString()).hardlink("h", "l").file("h", "replaced").bytes());
    assertEquals("outside", Files.readString(outside));
    assertEquals("replaced", Files.readString(dest.resolve("h")));
  }

  @Test
  void refusesDeviceNodesUnlessAllowed() throws Exception {
    byte[] tar = new RawTar().device("dev/sda", '4', 8, 0).bytes();
    Path dest = tmp.resolve("nodev");
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(tar), dest));
    assertTrue(e.getMessage().contains("dev/sda: device nodes are not allowed"), e.getMessage());
    assertFalse(Files.exists(dest));
    Path ok = tmp.resolve("whiteouts-still-pass");
    new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(new RawTar().file(".wh.x", "").bytes()), ok);
    assertTrue(ops.lstat(ok.resolve("x")).isWhiteout());
  }

  @Test
  void refusesBadNames() {
    refused(new RawTar().pax(List.of(record("path", "etc/pass\0wd"))).file("x", "1").bytes(), "etc/pass\\x00wd: the name contains a NUL byte");
    refused(new RawTar().pax(List.of(record("path", "a/".repeat(2100)))).file("x", "1").bytes(), "longer than 4095 bytes");
    refused(new RawTar().pax(List.of(record("path", "n".repeat(256)))).file("x", "1").bytes(), "longer than 255 bytes");
    refused(new RawTar().file("etc/.wh...", "").bytes(), "invalid whiteout");
    refused(new RawTar().file(".wh..", "").bytes(), "invalid whiteout");
    refused(new RawTar().entry("odd", 'Z', 0644, 0, 0, new byte[0], null).bytes(), "unsupported tar entry type 'Z'");
  }

  @Test
  void refusesCorruptAndTruncatedArchives() throws Exception {
    byte[] tar = new RawTar().file("a", "1").bytes();
    byte[] corrupt = tar.clone();
    corrupt[10] ^= 1;
    refused(corrupt, "checksum mismatch");
    byte[] big = new RawTar().file("a", "x".repeat(5000)).bytes();
    refused(java.util.Arrays.copyOf(big, 2048), "truncated or corrupt data in entry a");
    byte[] gz = gzip(big);
    refused(java.util.Arrays.copyOf(gz, gz.length / 2), "truncated or corrupt");
  }

  @Test
  void longNamesFromGnuAndPaxHeaders() throws Exception {
    String deep = "d/".repeat(80) + "file";
    Path dest = unpack(new RawTar().longName(deep).file("ignored", "gnu")
        .pax(List.of(record("path", "p/" + "x".repeat(200)))).file("ignored2", "pax").bytes());
    assertEquals("gnu", Files.readString(dest.resolve(deep)));
    assertEquals("pax", Files.readString(dest.resolve("p/" + "x".repeat(200))));
  }

  private void refused(byte[] tar, String message) {
    Path dest = tmp.resolve("refused-" + System.nanoTime());
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(tar), dest));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertFalse(Files.exists(dest), "the partial layer was left behind");
  }

  private static int indexOf(List<String> calls, String prefix) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no call " + prefix + " in " + calls);
  }

  static byte[] gzip(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  static byte[] zstd(byte[] data) {
    return com.github.luben.zstd.Zstd.compress(data);
  }

  static byte[] bzip2(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BZip2CompressorOutputStream bz = new BZip2CompressorOutputStream(out)) {
      bz.write(data);
    }
    return out.toByteArray();
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
