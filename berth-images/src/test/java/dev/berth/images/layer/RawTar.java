package dev.berth.images.layer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Builds tar bytes by hand, so tests can write what well-behaved tar writers refuse to. */
final class RawTar {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  RawTar entry(String name, char type, int mode, int uid, int gid, byte[] content, String link) {
    byte[] h = new byte[512];
    put(h, 0, name, 100);
    put(h, 100, octal(mode, 7), 8);
    put(h, 108, octal(uid, 7), 8);
    put(h, 116, octal(gid, 7), 8);
    put(h, 124, octal(content.length, 11), 12);
    put(h, 136, octal(1700000000L, 11), 12);
    h[156] = (byte) type;
    put(h, 157, link == null ? "" : link, 100);
    put(h, 257, "ustar", 6);
    put(h, 263, "00", 2);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, octal(sum, 6), 7);
    out.writeBytes(h);
    out.writeBytes(content);
    out.writeBytes(new byte[(512 - content.length % 512) % 512]);
    return this;
  }

  RawTar file(String name, String content) {
    return entry(name, '0', 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8), null);
  }

  RawTar dir(String name) {
    return entry(name, '5', 0755, 0, 0, new byte[0], null);
  }

  RawTar symlink(String name, String target) {
    return entry(name, '2', 0777, 0, 0, new byte[0], target);
  }

  RawTar hardlink(String name, String target) {
    return entry(name, '1', 0644, 0, 0, new byte[0], target);
  }

  /** A PAX header with raw byte values, for the next entry. */
  RawTar pax(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (var r : records.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int len = key.length + r.getValue().length + 3;
      int digits = String.valueOf(len).length();
      len += digits;
      if (String.valueOf(len).length() != digits) {
        len++;
      }
      body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(key);
      body.write('=');
      body.writeBytes(r.getValue());
      body.write('\n');
    }
    return entry("PaxHeader", 'x', 0644, 0, 0, body.toByteArray(), null);
  }

  byte[] bytes() {
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static String octal(long v, int width) {
    String s = Long.toOctalString(v);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  private static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(b.length, max));
  }
}
