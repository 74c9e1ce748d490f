package dev.berth.images.layer;

import static dev.berth.images.layer.RawTar.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.fs.RecordingFileSystemOps;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sparse files in each format GNU tar writes and Go's archive/tar reads, crafted byte by byte: the
 * data lands at its offsets, holes read as zeros, the size is the real size.
 */
class SparseTarTest {
  private static final long REAL_SIZE = 3 * 65536 + 100;
  private static final byte[] A = "AAAA".repeat(256).getBytes(StandardCharsets.US_ASCII); // 1024 bytes
  private static final byte[] B = "tail".getBytes(StandardCharsets.US_ASCII);
  private static final long B_AT = 2 * 65536;

  @TempDir Path tmp;
  private final RecordingFileSystemOps ops = new RecordingFileSystemOps();

  @Test
  void oldGnuSparseHeader() throws Exception {
    byte[] h = RawTar.header("sparse", 'S', 0644, 0, 0, A.length + B.length, null, 0, 0, "ustar ", " \0");
    putNumber(h, 386, 4096);
    putNumber(h, 398, A.length);
    putNumber(h, 410, B_AT);
    putNumber(h, 422, B.length);
    putNumber(h, 483, REAL_SIZE);
    RawTar.checksum(h);
    check(new RawTar().block(h).data(concat(A, B)).bytes(), "sparse");
  }

  @Test
  void oldGnuSparseWithExtensionBlocks() throws Exception {
    // 4 segments in the header plus 21 + 2 in two extension blocks.
    List<long[]> segments = new ArrayList<>();
    for (int i = 0; i < 27; i++) {
      segments.add(new long[] {i * 8192L, 16});
    }
    byte[] data = new byte[27 * 16];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) ('a' + i / 16);
    }
    byte[] h = RawTar.header("many", 'S', 0644, 0, 0, data.length, null, 0, 0, "ustar ", " \0");
    for (int i = 0; i < 4; i++) {
      putNumber(h, 386 + i * 24, segments.get(i)[0]);
      putNumber(h, 398 + i * 24, segments.get(i)[1]);
    }
    h[482] = 1;
    putNumber(h, 483, 27 * 8192L);
    RawTar.checksum(h);
    byte[] ext1 = new byte[512];
    byte[] ext2 = new byte[512];
    for (int i = 4; i < 27; i++) {
      byte[] ext = i < 25 ? ext1 : ext2;
      int slot = i < 25 ? i - 4 : i - 25;
      putNumber(ext, slot * 24, segments.get(i)[0]);
      putNumber(ext, slot * 24 + 12, segments.get(i)[1]);
    }
    ext1[504] = 1;
    Path dest = unpack(new RawTar().block(h).block(ext1).block(ext2).data(data).bytes());
    byte[] got = Files.readAllBytes(dest.resolve("many"));
    assertEquals(27 * 8192, got.length);
    for (int i = 0; i < 27; i++) {
      assertEquals((byte) ('a' + i), got[i * 8192], "segment " + i);
      assertEquals(0, got[i * 8192 + 16], "hole after segment " + i);
    }
  }

  @Test
  void paxSparse00() throws Exception {
    byte[] tar = new RawTar().pax(List.of(record("GNU.sparse.size", "" + REAL_SIZE), record("GNU.sparse.numblocks", "2"),
        record("GNU.sparse.offset", "4096"), record("GNU.sparse.numbytes", "" + A.length),
        record("GNU.sparse.offset", "" + B_AT), record("GNU.sparse.numbytes", "" + B.length)))
        .entry("sparse00", '0', 0644, 0, 0, concat(A, B), null).bytes();
    check(tar, "sparse00");
  }

  @Test
  void paxSparse01() throws Exception {
    byte[] tar = new RawTar().pax(List.of(record("GNU.sparse.major", "0"), record("GNU.sparse.minor", "1"),
        record("GNU.sparse.name", "real/name01"), record("GNU.sparse.size", "" + REAL_SIZE),
        record("GNU.sparse.map", "4096," + A.length + "," + B_AT + "," + B.length)))
        .entry("GNUSparseFile.0/name01", '0', 0644, 0, 0, concat(A, B), null).bytes();
    check(tar, "real/name01");
  }

  @Test
  void paxSparse10() throws Exception {
    byte[] map = ("2\n4096\n" + A.length + "\n" + B_AT + "\n" + B.length + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] stored = concat(concat(map, new byte[512 - map.length]), concat(A, B));
    byte[] tar = new RawTar().pax(List.of(record("GNU.sparse.major", "1"), record("GNU.sparse.minor", "0"),
        record("GNU.sparse.name", "real/name10"), record("GNU.sparse.realsize", "" + REAL_SIZE)))
        .entry("GNUSparseFile.0/name10", '0', 0644, 0, 0, stored, null).bytes();
    check(tar, "real/name10");
  }

  @Test
  void refusesHostileSparseMaps() {
    refused(new RawTar().pax(List.of(record("GNU.sparse.size", "100"), record("GNU.sparse.map", "0,10,5,10")))
        .entry("overlap", '0', 0644, 0, 0, new byte[20], null).bytes(), "overlap: sparse map has overlapping");
    refused(new RawTar().pax(List.of(record("GNU.sparse.size", "10"), record("GNU.sparse.map", "0,20")))
        .entry("beyond", '0', 0644, 0, 0, new byte[20], null).bytes(), "out-of-range");
    refused(new RawTar().pax(List.of(record("GNU.sparse.size", "100"), record("GNU.sparse.map", "0,5")))
        .entry("short", '0', 0644, 0, 0, new byte[20], null).bytes(), "describes 5 bytes but the entry stores 20");
    refused(new RawTar().pax(List.of(record("GNU.sparse.major", "2"), record("GNU.sparse.minor", "0")))
        .entry("future", '0', 0644, 0, 0, new byte[1], null).bytes(), "unknown PAX sparse format");
  }

  @Test
  void readerEdgeCases() throws Exception {
    byte[] uid = RawTar.header("big-uid", '0', 0644, 0, 0, 0, null, 0, 0, "ustar\0", "00");
    java.util.Arrays.fill(uid, 108, 116, (byte) 0);
    uid[108] = (byte) 0x80;
    uid[113] = 0x01; // base-256: 1 << 16
    RawTar.checksum(uid);
    byte[] tar = new RawTar().entry("g", 'g', 0, 0, 0, TarWriter.paxBody(Map.of("uid", "77".getBytes())), null)
        .file("global-uid", "x").block(uid)
        .entry("dir-with-size", '5', 0755, 0, 0, new byte[0], null).bytes();
    TarReader reader = new TarReader(new ByteArrayInputStream(tar));
    assertEquals(77, reader.next().uid(), "a global header applies to the entries after it");
    assertEquals(77, reader.next().uid(), "PAX uid overrides even base-256");
    assertEquals(TarEntry.DIRECTORY, reader.next().type());
    assertEquals(null, reader.next());
  }

  private void check(byte[] tar, String name) throws Exception {
    Path dest = unpack(tar);
    byte[] got = Files.readAllBytes(dest.resolve(name));
    assertEquals(REAL_SIZE, got.length);
    byte[] expected = new byte[(int) REAL_SIZE];
    System.arraycopy(A, 0, expected, 4096, A.length);
    System.arraycopy(B, 0, expected, (int) B_AT, B.length);
    assertArrayEquals(expected, got);
  }

  private Path unpack(byte[] tar) {
    Path dest = tmp.resolve("layer" + System.nanoTime());
    new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(tar), dest);
    return dest;
  }

  private void refused(byte[] tar, String message) {
    Path dest = tmp.resolve("refused-" + System.nanoTime());
    InvalidArgument e = assertThrows(InvalidArgument.class,
        () -> new LayerUnpacker(ops, false).unpack(new ByteArrayInputStream(tar), dest));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertFalse(Files.exists(dest));
  }

  private static void putNumber(byte[] h, int off, long v) {
    RawTar.put(h, off, RawTar.octal(v, 11), 12);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
