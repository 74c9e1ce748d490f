package dev.berth.images.layer;

import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The maps of sparse files in the formats GNU tar writes and Go's archive/tar reads: old GNU headers
 * (type 'S', four entries in the header and 21 in each extension block) and the PAX formats 0.0
 * (repeated offset/numbytes records), 0.1 (GNU.sparse.map) and 1.0 (the map at the start of the data).
 */
final class SparseMaps {
  /** More segments than any real file has; bounds the memory a hostile map can take. */
  static final int MAX_SEGMENTS = 1 << 20;

  record Pax(String name, long realSize, List<TarEntry.Segment> segments, boolean inData) {}

  interface Blocks {
    byte[] next() throws IOException;
  }

  private SparseMaps() {}

  static List<TarEntry.Segment> oldGnu(byte[] header, Blocks extensions, String entry) throws IOException {
    List<TarEntry.Segment> segments = new ArrayList<>();
    readEntries(header, 386, 4, segments, entry);
    boolean extended = header[482] != 0;
    while (extended) {
      byte[] block = extensions.next();
      readEntries(block, 0, 21, segments, entry);
      extended = block[504] != 0;
      if (segments.size() > MAX_SEGMENTS) {
        throw refused(entry, "sparse map is too large");
      }
    }
    return segments;
  }

  private static void readEntries(byte[] b, int off, int count, List<TarEntry.Segment> out, String entry) {
    for (int i = 0; i < count; i++) {
      int at = off + i * 24;
      if (b[at] == 0 && b[at + 12] == 0) {
        return; // unused slots are empty
      }
      out.add(new TarEntry.Segment(Numbers.parse(b, at, 12, entry), Numbers.parse(b, at + 12, 12, entry)));
    }
  }

  /** The PAX sparse description of an entry, or null when it is not a sparse file. */
  static Pax fromPax(Map<String, byte[]> pax, List<Long> offsetsAndLengths, String entry) {
    String major = text(pax, "GNU.sparse.major");
    String minor = text(pax, "GNU.sparse.minor");
    String map = text(pax, "GNU.sparse.map");
    boolean v1 = "1".equals(major) && "0".equals(minor);
    boolean v0 = "0".equals(major) && ("0".equals(minor) || "1".equals(minor))
        || major == null && minor == null && (map != null || !offsetsAndLengths.isEmpty());
    if (!v1 && !v0) {
      if (major != null || minor != null) {
        throw refused(entry, "unknown PAX sparse format " + major + "." + minor);
      }
      return null;
    }
    String size = text(pax, v1 ? "GNU.sparse.realsize" : "GNU.sparse.size");
    if (size == null) {
      size = text(pax, v1 ? "GNU.sparse.size" : "GNU.sparse.realsize");
    }
    if (size == null) {
      throw refused(entry, "PAX sparse file without its real size");
    }
    long realSize = parse(size, entry);
    String name = text(pax, "GNU.sparse.name");
    if (v1) {
      return new Pax(name, realSize, null, true);
    }
    List<Long> numbers = new ArrayList<>(offsetsAndLengths);
    if (map != null && !map.isEmpty()) {
      for (String n : map.split(",", -1)) {
        numbers.add(parse(n, entry));
      }
    }
    if (numbers.size() % 2 != 0 || numbers.size() / 2 > MAX_SEGMENTS) {
      throw refused(entry, "malformed PAX sparse map");
    }
    List<TarEntry.Segment> segments = new ArrayList<>();
    for (int i = 0; i < numbers.size(); i += 2) {
      segments.add(new TarEntry.Segment(numbers.get(i), numbers.get(i + 1)));
    }
    return new Pax(name, realSize, segments, false);
  }

  /** Segments must be ordered, disjoint, inside the file, and add up to the data stored. */
  static void check(List<TarEntry.Segment> segments, long stored, long realSize, String entry) {
    long end = 0;
    long total = 0;
    for (TarEntry.Segment s : segments) {
      if (s.offset() < end || s.length() < 0 || s.offset() > realSize - s.length()) {
        throw refused(entry, "sparse map has overlapping or out-of-range segments");
      }
      end = s.offset() + s.length();
      total += s.length();
    }
    if (total != stored) {
      throw refused(entry, "sparse map describes " + total + " bytes but the entry stores " + stored);
    }
  }

  private static long parse(String s, String entry) {
    try {
      long v = Long.parseLong(s.trim());
      if (v < 0) {
        throw refused(entry, "negative number in the sparse map");
      }
      return v;
    } catch (NumberFormatException e) {
      throw refused(entry, "malformed number in the sparse map: " + s);
    }
  }

  private static String text(Map<String, byte[]> pax, String key) {
    byte[] v = pax.get(key);
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  private static InvalidArgument refused(String entry, String why) {
    return new InvalidArgument("layer tar entry " + entry + ": " + why);
  }
}
