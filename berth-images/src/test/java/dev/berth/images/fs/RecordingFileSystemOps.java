package dev.berth.images.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake for unit tests without root: the tree itself (directories, files, links) is real, while what
 * needs privileges is recorded and reported back by {@link #lstat}: ownership, modes, times, xattrs,
 * and device nodes (a plain empty file stands in for each). Records are kept per inode, so hardlinks
 * share them as they share the real metadata. Every call is logged in order.
 */
public final class RecordingFileSystemOps implements FileSystemOps {
  /** A device node or fifo the fake made. */
  public record Node(char type, int mode, long major, long minor) {}

  public final List<String> calls = new ArrayList<>();
  private final Map<Long, Node> nodes = new HashMap<>();
  private final Map<Long, long[]> owners = new HashMap<>();
  private final Map<Long, Integer> modes = new HashMap<>();
  private final Map<Long, long[]> times = new HashMap<>();
  private final Map<Long, Map<String, byte[]>> xattrs = new HashMap<>();

  @Override
  public void mknod(Path path, char type, int mode, long major, long minor) throws dev.berth.common.ffm.ErrnoException {
    calls.add("mknod " + path + " " + type + " " + Integer.toOctalString(mode) + " " + major + ":" + minor);
    try {
      Files.createFile(path);
    } catch (IOException e) {
      throw new dev.berth.common.ffm.ErrnoException("mknod", path.toString(), dev.berth.common.ffm.Errno.EEXIST);
    }
    forget(path);
    nodes.put(key(path), new Node(type, mode & 07777, major, minor));
  }

  @Override
  public void lchown(Path path, long uid, long gid) {
    calls.add("lchown " + path + " " + uid + ":" + gid);
    owners.put(key(path), new long[] {uid, gid});
  }

  @Override
  public void lsetxattr(Path path, String name, byte[] value) {
    calls.add("lsetxattr " + path + " " + name);
    xattrs.computeIfAbsent(key(path), k -> new LinkedHashMap<>()).put(name, value.clone());
  }

  @Override
  public byte[] lgetxattr(Path path, String name) {
    Map<String, byte[]> m = xattrs.get(key(path));
    return m == null || !m.containsKey(name) ? null : m.get(name).clone();
  }

  @Override
  public List<String> llistxattr(Path path) {
    Map<String, byte[]> m = xattrs.get(key(path));
    return m == null ? List.of() : List.copyOf(m.keySet());
  }

  @Override
  public void utimensat(Path path, long atimeSeconds, long atimeNanos, long mtimeSeconds, long mtimeNanos) {
    calls.add("utimensat " + path + " " + mtimeSeconds + "." + mtimeNanos);
    times.put(key(path), new long[] {mtimeSeconds, mtimeNanos, atimeSeconds, atimeNanos});
  }

  @Override
  public void chmod(Path path, int mode) {
    calls.add("chmod " + path + " " + Integer.toOctalString(mode & 07777));
    modes.put(key(path), mode & 07777);
  }

  @Override
  public FileStat lstat(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoSuchFileException(path.toString());
    }
    FileStat real = new LinuxFileSystemOps().lstat(path);
    long k = key(path);
    Node node = nodes.get(k);
    if (node != null && (!real.isRegularFile() || real.size() > 0)) {
      node = null; // the inode number was reused by something that is not a stand-in
    }
    int type = real.type();
    long rdev = real.rdev();
    if (node != null) {
      type = switch (node.type()) {
        case 'c' -> FileStat.S_IFCHR;
        case 'b' -> FileStat.S_IFBLK;
        default -> FileStat.S_IFIFO;
      };
      rdev = FileStat.makedev(node.major(), node.minor());
    }
    int perms = modes.getOrDefault(k, node != null ? node.mode() : real.permissions());
    long[] owner = owners.getOrDefault(k, new long[] {real.uid(), real.gid()});
    long[] time = times.getOrDefault(k, new long[] {real.mtimeSeconds(), real.mtimeNanos()});
    return new FileStat(type | perms, owner[0], owner[1], node != null ? 0 : real.size(), rdev, real.dev(),
        real.ino(), real.nlink(), time[0], time[1]);
  }

  /** The device node or fifo made at {@code path}, or null. */
  public Node node(Path path) {
    return nodes.get(key(path));
  }

  /** The recorded access time (seconds) of {@code path}, or -1. */
  public long atime(Path path) {
    long[] t = times.get(key(path));
    return t == null ? -1 : t[2];
  }

  /** Makes the fake report {@code path} (an existing file) as an overlay whiteout, as a test sets one up. */
  public void markWhiteout(Path path) {
    nodes.put(key(path), new Node('c', 0, 0, 0));
  }

  private void forget(Path path) {
    long k = key(path);
    owners.remove(k);
    modes.remove(k);
    times.remove(k);
    xattrs.remove(k);
  }

  private static long key(Path p) {
    try {
      return (long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
