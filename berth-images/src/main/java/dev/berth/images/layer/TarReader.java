package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.io.BulkInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A streaming reader of layer tars: ustar, PAX (per-file and global headers), GNU long names and GNU
 * sparse files (old GNU headers and PAX 0.0, 0.1 and 1.0). It exists because Commons Compress decodes
 * PAX values as UTF-8, which corrupts binary xattrs; here PAX records stay bytes until a field that is
 * text by definition (path, linkpath, …) is read. Header-only types (links, directories, devices,
 * fifos) carry no data whatever their size field says, as Go's archive/tar (and so Docker) reads them.
 */
public final class TarReader {
  static final int BLOCK = 512;
  private static final String XATTR = "SCHILY.xattr.";
  private static final int MAX_EXTENDED_HEADER = 16 << 20;

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final Map<String, byte[]> global = new HashMap<>();
  private long remaining;
  private long padding;
  private String current = "";

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. Its content is read through {@link #content()}. */
  public TarEntry next() throws IOException {
    skipRest();
    Map<String, byte[]> pax = new LinkedHashMap<>(global);
    List<Long> sparseRecords = new ArrayList<>();
    String longName = null;
    String longLink = null;
    for (;;) {
      if (!readBlock()) {
        return null;
      }
      current = longName != null ? longName : headerName();
      char type = (char) (header[156] == 0 ? '0' : header[156]);
      long size = number(124, 12);
      switch (type) {
        case 'x' -> PaxRecords.parse(readBody(size), pax, sparseRecords, false);
        case 'g' -> {
          byte[] body = readBody(size);
          PaxRecords.parse(body, global, new ArrayList<>(), true);
          PaxRecords.parse(body, pax, new ArrayList<>(), true); // and to the entry this call returns
        }
        case 'L' -> longName = cString(readBody(size));
        case 'K' -> longLink = cString(readBody(size));
        case 'V' -> discardBody(size);
        case 'M', 'N' -> throw refused("multi-volume and old GNU long-name entries are not supported");
        default -> {
          return entry(type, size, pax, sparseRecords, longName, longLink);
        }
      }
    }
  }

  /** The current entry's stored data (for a sparse file: the segments, back to back). */
  public InputStream content() {
    return new BulkInputStream() {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("the layer tar ends inside entry " + current);
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entry(char type, long size, Map<String, byte[]> pax, List<Long> sparseRecords, String longName,
      String longLink) throws IOException {
    String name = text(pax, "path", longName != null ? longName : headerName());
    current = name;
    String link = text(pax, "linkpath", longLink != null ? longLink : cString(Arrays.copyOfRange(header, 157, 257)));
    if (pax.containsKey("size")) {
      size = decimal(pax, "size");
    }
    boolean headerOnly = "123456".indexOf(type) >= 0;
    remaining = headerOnly ? 0 : size;
    padding = headerOnly ? 0 : (BLOCK - size % BLOCK) % BLOCK;
    if (type == '7' || type == 'S') {
      type = TarEntry.FILE;
    } else if (type == '0' && name.endsWith("/") && !isPosix()) {
      type = TarEntry.DIRECTORY; // pre-POSIX archives mark directories by the trailing slash only
      remaining = 0;
    }
    long logicalSize = headerOnly ? 0 : size;
    List<TarEntry.Segment> sparse = null;
    if (header[156] == 'S') {
      logicalSize = number(483, 12);
      sparse = SparseMaps.oldGnu(header, this::nextExtensionBlock, current);
    } else {
      SparseMaps.Pax paxSparse = SparseMaps.fromPax(pax, sparseRecords, current);
      if (paxSparse != null) {
        name = paxSparse.name() != null ? paxSparse.name() : name;
        current = name;
        logicalSize = paxSparse.realSize();
        sparse = paxSparse.inData() ? readSparseMapFromData() : paxSparse.segments();
      }
    }
    if (sparse != null) {
      SparseMaps.check(sparse, remaining, logicalSize, current);
    }
    long[] mtime = time(pax, "mtime", number(136, 12));
    long[] atime = pax.containsKey("atime") ? time(pax, "atime", 0) : new long[] {-1, 0};
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (var e : pax.entrySet()) {
      if (e.getKey().startsWith(XATTR)) {
        xattrs.put(e.getKey().substring(XATTR.length()), e.getValue());
      }
    }
    long uid = pax.containsKey("uid") ? decimal(pax, "uid") : number(108, 8);
    long gid = pax.containsKey("gid") ? decimal(pax, "gid") : number(116, 8);
    return new TarEntry(name, type, (int) (number(100, 8) & 07777), uid, gid, logicalSize, mtime[0], mtime[1],
        atime[0], atime[1], link, number(329, 8), number(337, 8), xattrs, sparse);
  }

  /** PAX sparse 1.0 keeps the map at the start of the data: decimal lines, padded to a block. */
  private List<TarEntry.Segment> readSparseMapFromData() throws IOException {
    long consumed = 0;
    List<Long> numbers = new ArrayList<>();
    long count = -1;
    while (count < 0 || numbers.size() < 2 * count) {
      StringBuilder line = new StringBuilder();
      for (int c; (c = content().read()) != '\n'; ) {
        consumed++;
        if (c < 0 || line.length() > 20) {
          throw refused("malformed PAX 1.0 sparse map");
        }
        line.append((char) c);
      }
      consumed++;
      long v = parseDecimal(line.toString(), "sparse map");
      if (count < 0) {
        if (v > SparseMaps.MAX_SEGMENTS) {
          throw refused("sparse map of " + v + " segments is too large");
        }
        count = v;
      } else {
        numbers.add(v);
      }
    }
    long pad = (BLOCK - consumed % BLOCK) % BLOCK;
    if (pad > remaining) {
      throw refused("malformed PAX 1.0 sparse map");
    }
    content().skipNBytes(pad);
    List<TarEntry.Segment> segments = new ArrayList<>();
    for (int i = 0; i < numbers.size(); i += 2) {
      segments.add(new TarEntry.Segment(numbers.get(i), numbers.get(i + 1)));
    }
    return segments;
  }

  private byte[] nextExtensionBlock() throws IOException {
    byte[] block = in.readNBytes(BLOCK);
    if (block.length < BLOCK) {
      throw new EOFException("the layer tar ends inside the sparse map of " + current);
    }
    return block;
  }

  private long[] time(Map<String, byte[]> pax, String key, long fallback) {
    if (!pax.containsKey(key)) {
      return new long[] {fallback, 0};
    }
    String t = text(pax, key, "0");
    int dot = t.indexOf('.');
    if (dot < 0) {
      return new long[] {parseDecimal(t, key), 0};
    }
    long seconds = parseDecimal(t.substring(0, dot), key);
    String fraction = t.substring(dot + 1);
    if (!fraction.chars().allMatch(Character::isDigit)) {
      throw refused("malformed PAX " + key + " " + t);
    }
    long nanos = Long.parseLong((fraction + "000000000").substring(0, 9));
    if (t.startsWith("-") && nanos > 0) {
      return new long[] {seconds - 1, 1_000_000_000L - nanos}; // "-1.25" is 1.25 s before the epoch
    }
    return new long[] {seconds, nanos};
  }

  private long decimal(Map<String, byte[]> pax, String key) {
    return parseDecimal(text(pax, key, "0"), key);
  }

  private long parseDecimal(String s, String what) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw refused("malformed number in " + what + ": " + s);
    }
  }

  private static String text(Map<String, byte[]> pax, String key, String fallback) {
    byte[] v = pax.get(key);
    return v == null ? fallback : new String(v, StandardCharsets.UTF_8);
  }

  /** ustar's magic "ustar\0": only there is 345..500 a name prefix (GNU keeps times in it). */
  private boolean isPosix() {
    return header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r' && header[262] == 0;
  }

  private String headerName() {
    String name = cString(Arrays.copyOfRange(header, 0, 100));
    String prefix = isPosix() ? cString(Arrays.copyOfRange(header, 345, 500)) : "";
    return prefix.isEmpty() ? name : prefix + "/" + name;
  }

  private static String cString(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** An octal field, or base-256 when its top bit is set (GNU's encoding of large numbers). */
  long number(int off, int len) {
    return Numbers.parse(header, off, len, current);
  }

  private InvalidArgument refused(String why) {
    return new InvalidArgument("layer tar entry " + current + ": " + why);
  }

  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("the layer tar ends inside a header (after " + current + ")");
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
      throw new InvalidArgument("corrupt tar header after entry " + current + " (checksum mismatch)");
    }
    return true;
  }

  private byte[] readBody(long size) throws IOException {
    if (size < 0 || size > MAX_EXTENDED_HEADER) {
      throw refused("an extended header of " + size + " bytes is too large");
    }
    byte[] body = in.readNBytes((int) size);
    if (body.length < size) {
      throw new EOFException("the layer tar ends inside an extended header (after " + current + ")");
    }
    discard((BLOCK - size % BLOCK) % BLOCK);
    return body;
  }

  private void discardBody(long size) throws IOException {
    discard(size + (BLOCK - size % BLOCK) % BLOCK);
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
        throw new EOFException("the layer tar ends inside entry " + current);
      }
      n -= r;
    }
  }
}
