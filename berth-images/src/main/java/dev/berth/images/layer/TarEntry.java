package dev.berth.images.layer;

import java.util.Map;

/**
 * One member of a layer tar, with PAX extended attributes kept as raw bytes (a
 * {@code security.capability} value is binary and must survive byte for byte).
 */
public record TarEntry(
    String name,
    char type,
    long mode,
    long uid,
    long gid,
    long size,
    long mtimeSeconds,
    long mtimeNanos,
    String linkName,
    long devMajor,
    long devMinor,
    Map<String, byte[]> xattrs) {

  public static final char FILE = '0';
  public static final char HARDLINK = '1';
  public static final char SYMLINK = '2';
  public static final char CHAR_DEVICE = '3';
  public static final char BLOCK_DEVICE = '4';
  public static final char DIRECTORY = '5';
  public static final char FIFO = '6';
}
