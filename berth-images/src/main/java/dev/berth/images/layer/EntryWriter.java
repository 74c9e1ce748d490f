package dev.berth.images.layer;

import static dev.berth.images.layer.EntryName.refused;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.Errno;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.images.fs.FileStat;
import dev.berth.images.fs.FileSystemOps;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the entries of one layer tar into that layer's own directory, in overlayfs form.
 *
 * <p>Why checking each component with lstat is sound here: the directory is a private staging
 * directory that only this (single-threaded) writer touches, so nothing can swap a component between
 * the check and the use. Earlier layers are other directories, merged only at mount time, so a symlink
 * an earlier layer planted is never on a write path; one this layer planted is found by the check.
 * Known real directories are remembered so a deep tree costs one lstat per directory, not per entry.
 */
final class EntryWriter {
  private static final System.Logger LOG = System.getLogger(EntryWriter.class.getName());
  private static final String OVERLAY_XATTRS = "trusted.overlay.";

  private final Path root;
  private final FileSystemOps ops;
  private final boolean allowDevices;
  private final Set<String> realDirs = new HashSet<>();
  private final Map<String, TarEntry> pendingDirs = new HashMap<>();

  EntryWriter(Path root, FileSystemOps ops, boolean allowDevices) {
    this.root = root;
    this.ops = ops;
    this.allowDevices = allowDevices;
    realDirs.add("");
  }

  void write(TarEntry e, InputStream content) throws IOException {
    String name = EntryName.clean(e.name());
    if (name.isEmpty()) {
      return; // the layer root: Docker leaves its metadata alone too
    }
    int slash = name.lastIndexOf('/');
    String parent = slash < 0 ? "" : name.substring(0, slash);
    String base = name.substring(slash + 1);
    Path parentDir = directory(parent, e.name(), true);
    if (base.equals(LayerUnpacker.OPAQUE)) {
      errno(() -> ops.lsetxattr(parentDir, "trusted.overlay.opaque", new byte[] {'y'}), e);
      return;
    }
    if (base.startsWith(LayerUnpacker.WHITEOUT_META)) {
      return; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no meaning on overlayfs
    }
    if (base.startsWith(LayerUnpacker.WHITEOUT)) {
      whiteout(e, parent, base.substring(LayerUnpacker.WHITEOUT.length()));
      return;
    }
    Path target = parentDir.resolve(base);
    if (e.type() == TarEntry.HARDLINK) {
      hardlink(e, name, target);
      return;
    }
    FileStat existing = lstatOrNull(target);
    if (existing != null && !(existing.isDirectory() && e.type() == TarEntry.DIRECTORY)) {
      remove(name, target, existing);
    }
    create(e, name, target, content, existing != null && existing.isDirectory());
    if (e.type() == TarEntry.DIRECTORY) {
      pendingDirs.put(name, e); // set after its contents, which change its mtime
    } else {
      metadata(e, target);
    }
  }

  /** Directory metadata, deepest first, once every entry is written. */
  void finish() throws IOException {
    List<String> dirs = new ArrayList<>(pendingDirs.keySet());
    dirs.sort(Comparator.comparingLong((String d) -> d.chars().filter(c -> c == '/').count()).reversed());
    for (String d : dirs) {
      metadata(pendingDirs.get(d), root.resolve(d));
    }
  }

  private void create(TarEntry e, String name, Path target, InputStream content, boolean isDir) throws IOException {
    switch (e.type()) {
      case TarEntry.DIRECTORY -> {
        if (!isDir) {
          Files.createDirectory(target);
        }
        realDirs.add(name);
      }
      case TarEntry.FILE -> writeFile(e, target, content);
      case TarEntry.SYMLINK -> {
        if (e.linkName().isEmpty() || e.linkName().indexOf('\0') >= 0) {
          throw refused(e.name(), "invalid symlink target");
        }
        Files.createSymbolicLink(target, Path.of(e.linkName()));
      }
      case TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE -> {
        if (!allowDevices) {
          throw refused(e.name(), "device nodes are not allowed here");
        }
        char kind = e.type() == TarEntry.CHAR_DEVICE ? 'c' : 'b';
        errno(() -> ops.mknod(target, kind, e.mode(), e.devMajor(), e.devMinor()), e);
      }
      case TarEntry.FIFO -> errno(() -> ops.mkfifo(target, e.mode()), e);
      default -> throw refused(e.name(), "unsupported tar entry type '" + printableType(e.type()) + "'");
    }
  }

  private void writeFile(TarEntry e, Path target, InputStream content) throws IOException {
    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[1 << 16];
      if (!e.isSparse()) {
        for (int n; (n = content.read(buf)) > 0; ) {
          writeFully(ch, ByteBuffer.wrap(buf, 0, n));
        }
        return;
      }
      for (TarEntry.Segment s : e.sparse()) {
        long position = s.offset();
        for (long left = s.length(); left > 0; ) {
          int n = content.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw refused(e.name(), "the data ends inside a sparse segment");
          }
          ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
          while (b.hasRemaining()) {
            position += ch.write(b, position);
          }
          left -= n;
        }
      }
    }
    if (e.isSparse() && Files.size(target) < e.size()) {
      // The file was just created by this writer, so the path names it; setLength leaves a hole.
      try (RandomAccessFile raf = new RandomAccessFile(target.toFile(), "rw")) {
        raf.setLength(e.size());
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private void hardlink(TarEntry e, String name, Path target) throws IOException {
    String linkName = EntryName.clean(e.linkName(), e.name());
    if (linkName.isEmpty() || linkName.equals(name)) {
      throw refused(e.name(), "invalid hardlink target " + EntryName.printable(e.linkName()));
    }
    int slash = linkName.lastIndexOf('/');
    Path sourceDir = directory(slash < 0 ? "" : linkName.substring(0, slash), e.name(), false);
    Path source = sourceDir == null ? null : sourceDir.resolve(linkName.substring(slash + 1));
    FileStat sourceStat = source == null ? null : lstatOrNull(source);
    if (sourceStat == null) {
      throw refused(e.name(), "hardlink target " + EntryName.printable(e.linkName()) + " does not exist in the layer");
    }
    if (sourceStat.isDirectory()) {
      throw refused(e.name(), "hardlink target " + EntryName.printable(e.linkName()) + " is a directory");
    }
    FileStat existing = lstatOrNull(target);
    if (existing != null) {
      remove(name, target, existing);
    }
    Files.createLink(target, source); // link(2) never follows a symlink named as the source
  }

  private void whiteout(TarEntry e, String parent, String hidden) throws IOException {
    if (!EntryName.isComponent(hidden)) {
      throw refused(e.name(), "invalid whiteout");
    }
    String name = parent.isEmpty() ? hidden : parent + "/" + hidden;
    Path target = root.resolve(name);
    FileStat existing = lstatOrNull(target);
    if (existing != null) {
      remove(name, target, existing);
    }
    errno(() -> ops.mknod(target, 'c', 0, 0, 0), e);
    errno(() -> ops.lchown(target, e.uid(), e.gid()), e);
  }

  /**
   * The directory {@code rel}, every component checked to be a real directory (never a symlink).
   * Missing ones are created when {@code create}, as Docker does (0755); otherwise null.
   */
  private Path directory(String rel, String entry, boolean create) throws IOException {
    if (realDirs.contains(rel)) {
      return rel.isEmpty() ? root : root.resolve(rel);
    }
    Path current = root;
    String sofar = "";
    for (String part : rel.split("/")) {
      sofar = sofar.isEmpty() ? part : sofar + "/" + part;
      current = current.resolve(part);
      if (realDirs.contains(sofar)) {
        continue;
      }
      FileStat st = lstatOrNull(current);
      if (st == null) {
        if (!create) {
          return null;
        }
        Files.createDirectory(current);
      } else if (st.isSymlink()) {
        throw refused(entry, "it would be written through the symlink /" + sofar);
      } else if (!st.isDirectory()) {
        throw refused(entry, "/" + sofar + " is not a directory");
      }
      realDirs.add(sofar);
    }
    return current;
  }

  private void remove(String name, Path target, FileStat existing) throws IOException {
    if (existing.isDirectory()) {
      LayerUnpacker.removeTree(target);
      String prefix = name + "/";
      realDirs.removeIf(d -> d.equals(name) || d.startsWith(prefix));
      pendingDirs.keySet().removeIf(d -> d.equals(name) || d.startsWith(prefix));
    } else {
      Files.delete(target);
    }
  }

  private void metadata(TarEntry e, Path target) {
    errno(() -> ops.lchown(target, e.uid(), e.gid()), e);
    boolean symlink = e.type() == TarEntry.SYMLINK;
    if (!symlink) {
      errno(() -> ops.chmod(target, e.mode()), e); // after chown, which clears setuid and setgid
    }
    for (var x : e.xattrs().entrySet()) {
      xattr(e, target, x.getKey(), x.getValue());
    }
    long[] atime = e.atimeSeconds() < 0 || e.atimeSeconds() < e.mtimeSeconds()
        ? new long[] {e.mtimeSeconds(), e.mtimeNanos()} : new long[] {e.atimeSeconds(), e.atimeNanos()};
    errno(() -> ops.utimensat(target, atime[0], atime[1], e.mtimeSeconds(), e.mtimeNanos()), e);
  }

  /**
   * Overlay's own attributes are never taken from a layer: opacity comes only from
   * {@code .wh..wh..opq}, and a forged redirect or origin could confuse the mount. As Docker does,
   * attributes the file system refuses (EPERM, EOPNOTSUPP) are skipped rather than failing the layer.
   */
  private void xattr(TarEntry e, Path target, String name, byte[] value) {
    if (name.startsWith(OVERLAY_XATTRS)) {
      LOG.log(System.Logger.Level.WARNING, "layer entry {0}: ignoring xattr {1}", e.name(), name);
      return;
    }
    try {
      ops.lsetxattr(target, name, value);
    } catch (ErrnoException x) {
      if (x.errno() != Errno.EPERM && x.errno() != Errno.EOPNOTSUPP) {
        throw new InvalidArgument("layer entry " + EntryName.printable(e.name()) + ": " + x.getMessage(), x);
      }
      LOG.log(System.Logger.Level.WARNING, "layer entry {0}: xattr {1} not set: {2}", e.name(), name, x.getMessage());
    }
  }

  private FileStat lstatOrNull(Path p) throws IOException {
    try {
      return ops.lstat(p);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static String printableType(char t) {
    return t >= 0x20 && t < 0x7f ? String.valueOf(t) : String.format("\\x%02x", (int) t);
  }

  private interface Syscall {
    void run() throws ErrnoException;
  }

  private static void errno(Syscall call, TarEntry e) {
    try {
      call.run();
    } catch (ErrnoException x) {
      throw new InvalidArgument("layer entry " + EntryName.printable(e.name()) + ": " + x.getMessage(), x);
    }
  }
}
