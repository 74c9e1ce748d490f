package dev.berth.images.layer;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileSystemOps;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks a layer (gzip, zstd or plain tar) onto a fresh snapshot directory, in overlayfs form:
 * {@code .wh.<name>} becomes a 0/0 character device, {@code .wh..wh..opq} the
 * {@code trusted.overlay.opaque} attribute. Layers are untrusted: no entry may write outside the
 * directory (".." components, writes through symlinks, hardlinks to outside), and on any refusal the
 * partial directory is removed.
 */
public final class LayerUnpacker {
  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  private static final int MAX_PATH = 4096;

  private final FileSystemOps ops;
  private final boolean allowDevices;

  public LayerUnpacker(FileSystemOps ops, boolean allowDevices) {
    this.ops = ops;
    this.allowDevices = allowDevices;
  }

  /** Unpacks into {@code destination}, which must not exist yet; it does exactly when this returns. */
  public UnpackedLayer unpack(InputStream blob, Path destination) {
    try {
      Files.createDirectory(destination);
      MessageDigest md = Digest.newDigester("sha256");
      CountingInput counted;
      try (InputStream tar = new DigestInputStream(counted = new CountingInput(decompress(blob)), md)) {
        apply(new TarReader(tar), destination);
        tar.transferTo(OutputStream.nullOutputStream());
      }
      return new UnpackedLayer(Digest.of("sha256", md.digest()), counted.count);
    } catch (BerthException e) {
      removeTree(destination);
      throw e;
    } catch (IOException e) {
      removeTree(destination);
      throw new InvalidArgument("cannot unpack layer: " + e.getMessage(), e);
    }
  }

  private static InputStream decompress(InputStream blob) throws IOException {
    BufferedInputStream in = new BufferedInputStream(blob, 1 << 16);
    in.mark(4);
    byte[] head = in.readNBytes(4);
    in.reset();
    if (head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(in, 1 << 16);
    }
    if (head.length == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return new com.github.luben.zstd.ZstdInputStream(in);
    }
    return in;
  }

  private void apply(TarReader reader, Path root) throws IOException {
    Deque<TarEntry> directories = new ArrayDeque<>();
    List<Path> directoryPaths = new ArrayList<>();
    for (TarEntry e; (e = reader.next()) != null; ) {
      String name = clean(e.name());
      if (name.isEmpty()) {
        continue;
      }
      Path target = root.resolve(name);
      Path parent = target.getParent();
      ensureParents(root, parent, e.name());
      String base = target.getFileName().toString();
      if (base.equals(OPAQUE)) {
        setXattr(parent, "trusted.overlay.opaque", "y".getBytes(), e.name());
        continue;
      }
      if (base.startsWith(WHITEOUT)) {
        Path hidden = parent.resolve(base.substring(WHITEOUT.length()));
        removeExisting(hidden);
        errno(() -> ops.mknod(hidden, 'c', 0, 0, 0), e.name());
        continue;
      }
      if (!(e.type() == TarEntry.DIRECTORY && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))) {
        removeExisting(target);
      }
      create(e, root, target, reader);
      if (e.type() == TarEntry.DIRECTORY) {
        directories.push(e);
        directoryPaths.add(0, target);
      } else if (e.type() != TarEntry.HARDLINK) {
        // A hardlink shares its target's inode, whose metadata its own entry already set.
        metadata(e, target);
      }
    }
    // A directory's mtime changes whenever an entry is created in it: set directories last, deepest first.
    for (Path dir : directoryPaths) {
      metadata(directories.pop(), dir);
    }
  }

  private void create(TarEntry e, Path root, Path target, TarReader reader) throws IOException {
    switch (e.type()) {
      case TarEntry.DIRECTORY -> {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(target);
        }
      }
      case TarEntry.FILE -> Files.copy(reader.content(), target);
      case TarEntry.SYMLINK -> Files.createSymbolicLink(target, Path.of(e.linkName()));
      case TarEntry.HARDLINK -> {
        String linkName = clean(e.linkName());
        Path source = root.resolve(linkName);
        ensureParents(root, source.getParent(), e.name());
        if (linkName.isEmpty() || !Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
          throw new InvalidArgument("layer entry " + e.name() + ": hardlink target " + e.linkName() + " does not exist in the layer");
        }
        Files.createLink(target, source);
      }
      case TarEntry.CHAR_DEVICE, TarEntry.BLOCK_DEVICE -> {
        if (!allowDevices) {
          throw new InvalidArgument("layer entry " + e.name() + ": device nodes are not allowed here");
        }
        errno(() -> ops.mknod(target, e.type() == TarEntry.CHAR_DEVICE ? 'c' : 'b', (int) e.mode(), e.devMajor(), e.devMinor()), e.name());
      }
      case TarEntry.FIFO -> errno(() -> ops.mknod(target, 'p', (int) e.mode(), 0, 0), e.name());
      default -> throw new InvalidArgument("layer entry " + e.name() + ": unsupported tar entry type '" + e.type() + "'");
    }
  }

  private void metadata(TarEntry e, Path target) {
    errno(() -> ops.lchown(target, e.uid(), e.gid()), e.name());
    for (var x : e.xattrs().entrySet()) {
      setXattr(target, x.getKey(), x.getValue(), e.name());
    }
    if (e.type() != TarEntry.SYMLINK) {
      // After chown, which clears setuid/setgid bits.
      errno(() -> ops.chmod(target, (int) e.mode()), e.name());
    }
    errno(() -> ops.lutimes(target, e.mtimeSeconds(), e.mtimeNanos()), e.name());
  }

  private void setXattr(Path path, String name, byte[] value, String entry) {
    errno(() -> ops.lsetxattr(path, name, value), entry);
  }

  /** The entry name as a relative path; "..", NUL and over-long names are refused. */
  static String clean(String name) {
    if (name.indexOf('\0') >= 0) {
      throw new InvalidArgument("layer entry name contains a NUL byte");
    }
    if (name.length() > MAX_PATH) {
      throw new InvalidArgument("layer entry name is longer than " + MAX_PATH + " bytes");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw new InvalidArgument("layer entry " + name + " contains \"..\"");
      }
      parts.add(part);
    }
    return String.join("/", parts);
  }

  /**
   * Every directory between the root and {@code dir} must be a real directory: an entry must never be
   * written through a symlink planted by an earlier entry or layer. Missing ones are created.
   */
  private static void ensureParents(Path root, Path dir, String entry) throws IOException {
    Path current = root;
    for (Path part : root.relativize(dir)) {
      current = current.resolve(part);
      if (Files.isSymbolicLink(current)) {
        throw new InvalidArgument("layer entry " + entry + " would be written through the symlink /" + root.relativize(current));
      }
      if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(current);
      } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
        throw new InvalidArgument("layer entry " + entry + ": /" + root.relativize(current) + " is not a directory");
      }
    }
  }

  private static void removeExisting(Path target) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      removeTree(target);
    } else {
      try {
        Files.deleteIfExists(target);
      } catch (DirectoryNotEmptyException e) {
        removeTree(target);
      }
    }
  }

  static void removeTree(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new InvalidArgument("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }

  private interface Syscall {
    void run() throws ErrnoException;
  }

  private static void errno(Syscall call, String entry) {
    try {
      call.run();
    } catch (ErrnoException e) {
      throw new InvalidArgument("layer entry " + entry + ": " + e.getMessage(), e);
    }
  }

  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
