package dev.berth.images.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Builds tar bytes by hand, so tests can write what well-behaved tar writers refuse to. */
public final class RawTar {
  static final long MTIME = 1700000000L;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  RawTar entry(String name, char type, int mode, int uid, int gid, byte[] content, String link) {
    out.writeBytes(header(name, type, mode, uid, gid, content.length, link, 0, 0, "ustar\0", "00"));
    data(content);
    return this;
  }

  /** A ustar header block; {@code magic} and {@code version} choose POSIX ("ustar\0","00") or GNU ("ustar ", " \0"). */
  static byte[] header(String name, char type, int mode, int uid, int gid, long size, String link, long major,
      long minor, String magic, String version) {
    byte[] h = new byte[512];
    put(h, 0, name, 100);
    put(h, 100, octal(mode, 7), 8);
    put(h, 108, octal(uid, 7), 8);
    put(h, 116, octal(gid, 7), 8);
    put(h, 124, octal(size, 11), 12);
    put(h, 136, octal(MTIME, 11), 12);
    h[156] = (byte) type;
    put(h, 157, link == null ? "" : link, 100);
    put(h, 257, magic, 6);
    put(h, 263, version, 2);
    put(h, 329, octal(major, 7), 8);
    put(h, 337, octal(minor, 7), 8);
    checksum(h);
    return h;
  }

  static void checksum(byte[] h) {
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, octal(sum, 6) + "\0", 7);
  }

  RawTar block(byte[] header) {
    out.writeBytes(header);
    return this;
  }

  RawTar data(byte[] content) {
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    return this;
  }

  public RawTar file(String name, String content) {
    return entry(name, '0', 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8), null);
  }

  public RawTar dir(String name) {
    return entry(name, '5', 0755, 0, 0, new byte[0], null);
  }

  RawTar symlink(String name, String target) {
    return entry(name, '2', 0777, 0, 0, new byte[0], target);
  }

  RawTar hardlink(String name, String target) {
    return entry(name, '1', 0644, 0, 0, new byte[0], target);
  }

  RawTar device(String name, char type, long major, long minor) {
    out.writeBytes(header(name, type, 0620, 0, 5, 0, null, major, minor, "ustar\0", "00"));
    return this;
  }

  /** A GNU long name ('L') for the next entry. */
  RawTar longName(String name) {
    byte[] b = (name + "\0").getBytes(StandardCharsets.UTF_8);
    out.writeBytes(header("././@LongLink", 'L', 0, 0, 0, b.length, null, 0, 0, "ustar ", " \0"));
    return data(b);
  }

  /** A PAX header with raw byte values, for the next entry. */
  RawTar pax(Map<String, byte[]> records) {
    return pax(List.copyOf(records.entrySet()));
  }

  RawTar pax(List<Map.Entry<String, byte[]>> records) {
    java.util.LinkedHashMap<String, byte[]> ordered = new java.util.LinkedHashMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (var r : records) {
      ordered.clear();
      ordered.put(r.getKey(), r.getValue());
      body.writeBytes(TarWriter.paxBody(ordered)); // repeated keys (PAX sparse 0.0) stay repeated
    }
    return entry("PaxHeader", 'x', 0644, 0, 0, body.toByteArray(), null);
  }

  static Map.Entry<String, byte[]> record(String key, String value) {
    return Map.entry(key, value.getBytes(StandardCharsets.UTF_8));
  }

  public byte[] bytes() {
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  static String octal(long v, int width) {
    String s = Long.toOctalString(v);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(b.length, max));
  }
}
