package dev.berth.images.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes layer tar entries: ustar headers, plus a PAX extended header when a field does not fit
 * (long or non-ASCII names, large ids or sizes) or the entry has xattrs, whose values are written as
 * the raw bytes they are. The output is deterministic: the same entries give the same bytes.
 */
final class TarWriter {
  private static final int BLOCK = TarReader.BLOCK;
  private final OutputStream out;

  TarWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes the header of {@code e}, then {@code e.size()} bytes of {@code content} for a file. */
  void write(TarEntry e, InputStream content) throws IOException {
    Map<String, byte[]> pax = new LinkedHashMap<>();
    byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
    byte[] link = e.linkName() == null ? new byte[0] : e.linkName().getBytes(StandardCharsets.UTF_8);
    if (name.length > 100 || !ascii(name)) {
      pax.put("path", name);
    }
    if (link.length > 100 || !ascii(link)) {
      pax.put("linkpath", link);
    }
    numberRecord(pax, "uid", e.uid(), 07777777);
    numberRecord(pax, "gid", e.gid(), 07777777);
    long size = e.type() == TarEntry.FILE ? e.size() : 0;
    numberRecord(pax, "size", size, 077777777777L);
    for (var x : e.xattrs().entrySet()) {
      pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
    }
    if (!pax.isEmpty()) {
      byte[] body = paxBody(pax);
      String paxName = "PaxHeaders.0/" + truncate(baseName(e.name()), 80);
      out.write(header(paxName, 'x', 0644, 0, 0, body.length, e.mtimeSeconds(), "", 0, 0));
      out.write(body);
      pad(body.length);
    }
    out.write(header(e.name(), e.type(), e.mode(), e.uid(), e.gid(), size, e.mtimeSeconds(),
        e.linkName() == null ? "" : e.linkName(), e.devMajor(), e.devMinor()));
    if (size > 0) {
      long copied = content.transferTo(new BoundedOutput(out, size));
      if (copied != size) {
        throw new IOException(e.name() + " changed size while it was archived (" + copied + " of " + size + " bytes)");
      }
      pad(size);
    }
  }

  /** The two zero blocks that end an archive. */
  void finish() throws IOException {
    out.write(new byte[2 * BLOCK]);
    out.flush();
  }

  private static void numberRecord(Map<String, byte[]> pax, String key, long v, long max) {
    if (v > max || v < 0) {
      pax.put(key, Long.toString(v).getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Records "<length> <key>=<value>\n", where the length counts its own digits. */
  static byte[] paxBody(Map<String, byte[]> records) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (var r : records.entrySet()) {
      byte[] key = r.getKey().getBytes(StandardCharsets.UTF_8);
      int rest = key.length + r.getValue().length + 3; // ' ', '=', '\n'
      int len = rest + 1;
      while (String.valueOf(len).length() + rest != len) {
        len = String.valueOf(len).length() + rest;
      }
      body.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
      body.writeBytes(key);
      body.write('=');
      body.writeBytes(r.getValue());
      body.write('\n');
    }
    return body.toByteArray();
  }

  private static byte[] header(String name, char type, int mode, long uid, long gid, long size, long mtime,
      String link, long major, long minor) {
    byte[] h = new byte[BLOCK];
    put(h, 0, name, 100);
    octal(h, 100, 8, mode & 07777);
    octal(h, 108, 8, Math.min(uid, 07777777));
    octal(h, 116, 8, Math.min(gid, 07777777));
    octal(h, 124, 12, Math.min(size, 077777777777L));
    octal(h, 136, 12, Math.max(0, Math.min(mtime, 077777777777L)));
    h[156] = (byte) type;
    put(h, 157, link, 100);
    put(h, 257, "ustar", 6);
    h[263] = '0';
    h[264] = '0';
    octal(h, 329, 8, Math.min(major, 07777777));
    octal(h, 337, 8, Math.min(minor, 07777777));
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum);
    return h;
  }

  private static void octal(byte[] h, int off, int width, long v) {
    String s = Long.toOctalString(v);
    s = "0".repeat(Math.max(0, width - 1 - s.length())) + s;
    put(h, off, s, width - 1);
  }

  /** ASCII bytes of {@code s} (longer names travel in the PAX header; this field is a fallback). */
  private static void put(byte[] h, int off, String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, Math.min(b.length, max));
  }

  private static boolean ascii(byte[] b) {
    for (byte c : b) {
      if (c < 0x20) {
        return false; // negative (non-ASCII) too
      }
    }
    return true;
  }

  private static String baseName(String name) {
    String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    return n.substring(n.lastIndexOf('/') + 1);
  }

  /** The PAX header's own name only has to be harmless: plain ASCII, short. */
  private static String truncate(String s, int max) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (!ascii(b)) {
      return "entry";
    }
    return s.length() <= max ? s : s.substring(0, max);
  }

  private void pad(long size) throws IOException {
    out.write(new byte[(int) ((BLOCK - size % BLOCK) % BLOCK)]);
  }

  /** Passes at most {@code limit} bytes: a file growing while archived must not corrupt the tar. */
  private static final class BoundedOutput extends OutputStream {
    private final OutputStream out;
    private long left;

    BoundedOutput(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      if (left > 0) {
        out.write(b);
        left--;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, left);
      if (n > 0) {
        out.write(b, off, n);
        left -= n;
      }
    }
  }
}
