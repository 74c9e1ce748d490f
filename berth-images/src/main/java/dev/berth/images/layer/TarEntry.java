package dev.berth.images.layer;

import java.util.List;
import java.util.Map;

/**
 * One member of a layer tar, with PAX extended attributes kept as raw bytes (a
 * {@code security.capability} value is binary and must survive byte for byte).
 *
 * @param size the file's logical size (for a sparse file, its size with the holes)
 * @param atimeSeconds the access time when the archive records one, otherwise -1
 * @param sparse the data segments of a sparse file, or null for a file stored whole
 */
public record TarEntry(
    String name,
    char type,
    int mode,
    long uid,
    long gid,
    long size,
    long mtimeSeconds,
    long mtimeNanos,
    long atimeSeconds,
    long atimeNanos,
    String linkName,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs,
    List<Segment> sparse) {

  public static final char FILE = '0';
  public static final char HARDLINK = '1';
  public static final char SYMLINK = '2';
  public static final char CHAR_DEVICE = '3';
  public static final char BLOCK_DEVICE = '4';
  public static final char DIRECTORY = '5';
  public static final char FIFO = '6';

  /** A run of data in a sparse file; everything between runs is a hole. */
  public record Segment(long offset, long length) {}

  public boolean isSparse() {
    return sparse != null;
  }
}
