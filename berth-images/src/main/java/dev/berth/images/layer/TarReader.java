package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming reader of layer tars: ustar, PAX (per-file and global headers) and GNU long names. It
 * exists because Commons Compress decodes PAX values as UTF-8, which corrupts binary xattrs; here PAX
 * records stay bytes until a field that is text by definition (path, linkpath, …) is read.
 */
public final class TarReader {
  private static final int BLOCK = 512;
  private static final String XATTR = "SCHILY.xattr.";

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final Map<String, byte[]> global = new HashMap<>();
  private long remaining;
  private long padding;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. Its content is read through {@link #content()}. */
  public TarEntry next() throws IOException {
    skipRest();
    Map<String, byte[]> pax = new LinkedHashMap<>(global);
    String longName = null;
    String longLink = null;
    for (;;) {
      if (!readBlock()) {
        return null;
      }
      char type = (char) (header[156] == 0 ? '0' : header[156]);
      long size = number(124, 12);
      switch (type) {
        case 'x' -> pax.putAll(parsePax(readBody(size)));
        case 'g' -> global.putAll(parsePax(readBody(size)));
        case 'L' -> longName = cString(readBody(size));
        case 'K' -> longLink = cString(readBody(size));
        case 'S' -> throw new InvalidArgument("tar entry " + name() + ": GNU sparse files are not supported yet");
        default -> {
          return entry(type, size, pax, longName, longLink);
        }
      }
    }
  }

  /** The current entry's content; must be consumed (or left) before {@link #next()}. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("the layer tar ends inside an entry");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entry(char type, long size, Map<String, byte[]> pax, String longName, String longLink) {
    String name = paxText(pax, "path", longName != null ? longName : name());
    String link = paxText(pax, "linkpath", longLink != null ? longLink : cString(Arrays.copyOfRange(header, 157, 257)));
    if (pax.containsKey("size")) {
      size = Long.parseLong(paxText(pax, "size", "0"));
    }
    long[] mtime = mtime(pax);
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (var e : pax.entrySet()) {
      if (e.getKey().startsWith(XATTR)) {
        xattrs.put(e.getKey().substring(XATTR.length()), e.getValue());
      }
    }
    long uid = pax.containsKey("uid") ? Long.parseLong(paxText(pax, "uid", "0")) : number(108, 8);
    long gid = pax.containsKey("gid") ? Long.parseLong(paxText(pax, "gid", "0")) : number(116, 8);
    boolean hasBody = type == TarEntry.FILE || type == '7';
    remaining = hasBody ? size : 0;
    padding = hasBody ? (BLOCK - size % BLOCK) % BLOCK : 0;
    if (!hasBody && size > 0 && type != TarEntry.HARDLINK) {
      remaining = size;
      padding = (BLOCK - size % BLOCK) % BLOCK;
    }
    return new TarEntry(name, type == '7' ? TarEntry.FILE : type, number(100, 8), uid, gid, hasBody ? size : 0,
        mtime[0], mtime[1], link, number(329, 8), number(337, 8), xattrs);
  }

  private long[] mtime(Map<String, byte[]> pax) {
    if (!pax.containsKey("mtime")) {
      return new long[] {number(136, 12), 0};
    }
    String t = paxText(pax, "mtime", "0");
    int dot = t.indexOf('.');
    if (dot < 0) {
      return new long[] {Long.parseLong(t), 0};
    }
    String frac = (t.substring(dot + 1) + "000000000").substring(0, 9);
    return new long[] {Long.parseLong(t.substring(0, dot)), Long.parseLong(frac)};
  }

  private static String paxText(Map<String, byte[]> pax, String key, String fallback) {
    byte[] v = pax.get(key);
    return v == null ? fallback : new String(v, StandardCharsets.UTF_8);
  }

  /** PAX records: "<length> <key>=<value>\n", value as raw bytes. */
  static Map<String, byte[]> parsePax(byte[] body) {
    Map<String, byte[]> records = new LinkedHashMap<>();
    int pos = 0;
    while (pos < body.length && body[pos] != 0) {
      int space = indexOf(body, (byte) ' ', pos);
      if (space < 0) {
        throw new InvalidArgument("malformed PAX header record");
      }
      int length = Integer.parseInt(new String(body, pos, space - pos, StandardCharsets.US_ASCII));
      int end = pos + length;
      int eq = indexOf(body, (byte) '=', space);
      if (length <= 0 || end > body.length || eq < 0 || eq >= end || body[end - 1] != '\n') {
        throw new InvalidArgument("malformed PAX header record");
      }
      String key = new String(body, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      records.put(key, Arrays.copyOfRange(body, eq + 1, end - 1));
      pos = end;
    }
    return records;
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private String name() {
    String name = cString(Arrays.copyOfRange(header, 0, 100));
    String prefix = cString(Arrays.copyOfRange(header, 345, 500));
    boolean ustar = new String(header, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
    return ustar && !prefix.isEmpty() ? prefix + "/" + name : name;
  }

  private static String cString(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** An octal field, or base-256 when its top bit is set (GNU's encoding of large numbers). */
  private long number(int off, int len) {
    if ((header[off] & 0x80) != 0) {
      long v = header[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        v = (v << 8) | (header[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    for (int i = off; i < off + len; i++) {
      byte c = header[i];
      if (c == 0 || c == ' ') {
        if (v != 0) {
          break;
        }
        continue;
      }
      if (c < '0' || c > '7') {
        throw new InvalidArgument("corrupt tar header: bad number field");
      }
      v = v * 8 + (c - '0');
    }
    return v;
  }

  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("the layer tar ends inside a header");
    }
    boolean zero = true;
    for (byte b : header) {
      if (b != 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      return false;
    }
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (sum != number(148, 8)) {
      throw new InvalidArgument("corrupt tar header (checksum mismatch)");
    }
    return true;
  }

  private byte[] readBody(long size) throws IOException {
    if (size > 16 << 20) {
      throw new InvalidArgument("tar extended header of " + size + " bytes is too large");
    }
    byte[] body = in.readNBytes((int) size);
    if (body.length < size) {
      throw new EOFException("the layer tar ends inside an extended header");
    }
    discard((BLOCK - size % BLOCK) % BLOCK);
    return body;
  }

  private void skipRest() throws IOException {
    if (remaining > 0) {
      discard(remaining);
      remaining = 0;
    }
    if (padding > 0) {
      discard(padding);
      padding = 0;
    }
  }

  /** Reads and drops bytes: skip() would bypass a digesting stream underneath, and the diff_id covers every byte. */
  private void discard(long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new EOFException("the layer tar ends inside an entry");
      }
      n -= r;
    }
  }
}
