package dev.berth.images.fs;

/** What lstat(2) says about a path, in the fields a layer tar records. */
public record FileStat(
    int mode, long uid, long gid, long size, long rdev, long dev, long ino, int nlink, long mtimeSeconds,
    long mtimeNanos) {
  public static final int S_IFMT = 0170000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFIFO = 0010000;

  public int type() {
    return mode & S_IFMT;
  }

  public int permissions() {
    return mode & 07777;
  }

  public boolean isDirectory() {
    return type() == S_IFDIR;
  }

  public boolean isRegularFile() {
    return type() == S_IFREG;
  }

  public boolean isSymlink() {
    return type() == S_IFLNK;
  }

  /** An overlayfs whiteout: a character device numbered 0/0. */
  public boolean isWhiteout() {
    return type() == S_IFCHR && rdev == 0;
  }

  /** major() as glibc decodes a dev_t. */
  public long rdevMajor() {
    return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
  }

  /** minor() as glibc decodes a dev_t. */
  public long rdevMinor() {
    return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
  }

  /** makedev() as glibc encodes it. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
  }
}
