package dev.berth.images.layer;

import dev.berth.common.ffm.ErrnoException;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileStat;
import dev.berth.images.fs.FileSystemOps;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The changes in a container's overlay upper directory as a layer tar, for commit and export:
 * overlay whiteouts (0/0 character devices) become {@code .wh.<name>} entries (mode 0600, the
 * whiteout's owner), opaque directories get a {@code .wh..wh..opq} entry, as the image spec defines
 * them and Docker writes them. Entries come in lexical order, parents first; times are whole seconds
 * (as Docker writes them); xattrs are kept byte for byte, except overlay's own and SELinux labels.
 * Sockets are left out, as in Docker.
 */
public final class LayerDiff {
  private final FileSystemOps ops;
  private final java.util.Set<String> skippedMountPoints;

  public LayerDiff(FileSystemOps ops) {
    this(ops, java.util.Set.of());
  }

  /**
   * @param skippedMountPoints relative names (e.g. "etc/hosts") left out when they are empty regular
   *     files: the mount points a runtime creates in a container's upper dir are not its changes
   */
  public LayerDiff(FileSystemOps ops, java.util.Set<String> skippedMountPoints) {
    this.ops = ops;
    this.skippedMountPoints = java.util.Set.copyOf(skippedMountPoints);
  }

  /**
   * Writes the tar of {@code upperDir}'s changes over {@code lowerDirsTopFirst} to {@code tarOut};
   * returns its diff_id. A whiteout of a name that no lower layer has hides nothing and is left out.
   */
  public Digest write(List<Path> lowerDirsTopFirst, Path upperDir, OutputStream tarOut) throws IOException {
    MessageDigest md = Digest.newDigester("sha256");
    BufferedOutputStream buffered = new BufferedOutputStream(new DigestOutputStream(tarOut, md), 1 << 16);
    TarWriter tar = new TarWriter(buffered);
    new Walk(lowerDirsTopFirst, tar).directory(upperDir, "");
    tar.finish();
    buffered.flush();
    return Digest.of("sha256", md.digest());
  }

  /** The diff of {@code upperDir} without knowing its lower layers: every whiteout is kept. */
  public Digest write(Path upperDir, OutputStream tarOut) throws IOException {
    return write(null, upperDir, tarOut);
  }

  private final class Walk {
    private final List<Path> lowers;
    private final TarWriter tar;
    private final Map<String, String> firstNameOfInode = new HashMap<>();

    Walk(List<Path> lowers, TarWriter tar) {
      this.lowers = lowers;
      this.tar = tar;
    }

    void directory(Path dir, String rel) throws IOException {
      List<Path> children;
      try (Stream<Path> s = Files.list(dir)) {
        children = new ArrayList<>(s.toList());
      }
      children.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
      for (Path child : children) {
        String name = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
        FileStat st = ops.lstat(child);
        if (st.type() == FileStat.S_IFREG && st.size() == 0 && skippedMountPoints.contains(name)) {
          continue;
        }
        entry(child, name, st);
        if (st.isDirectory()) {
          directory(child, name);
        }
      }
    }

    private void entry(Path p, String name, FileStat st) throws IOException {
      if (st.isWhiteout()) {
        if (hiddenInLowers(name)) {
          int slash = name.lastIndexOf('/');
          String wh = name.substring(0, slash + 1) + LayerUnpacker.WHITEOUT + name.substring(slash + 1);
          tar.write(entry(wh, TarEntry.FILE, 0600, st, 0, null, Map.of()), null);
        }
        return;
      }
      Map<String, byte[]> xattrs = xattrs(p);
      switch (st.type()) {
        case FileStat.S_IFDIR -> {
          tar.write(entry(name + "/", TarEntry.DIRECTORY, st.permissions(), st, 0, null, xattrs), null);
          if (opaque(p)) {
            tar.write(entry(name + "/" + LayerUnpacker.OPAQUE, TarEntry.FILE, st.permissions() & 0777, st, 0, null,
                Map.of()), null);
          }
        }
        case FileStat.S_IFREG -> {
          String first = st.nlink() > 1 ? firstNameOfInode.putIfAbsent(st.dev() + ":" + st.ino(), name) : null;
          if (first != null) {
            tar.write(entry(name, TarEntry.HARDLINK, st.permissions(), st, 0, first, xattrs), null);
          } else {
            try (InputStream in = Files.newInputStream(p)) {
              tar.write(entry(name, TarEntry.FILE, st.permissions(), st, st.size(), null, xattrs), in);
            }
          }
        }
        case FileStat.S_IFLNK ->
            tar.write(entry(name, TarEntry.SYMLINK, 0777, st, 0, Files.readSymbolicLink(p).toString(), xattrs), null);
        case FileStat.S_IFCHR, FileStat.S_IFBLK -> {
          char type = st.type() == FileStat.S_IFCHR ? TarEntry.CHAR_DEVICE : TarEntry.BLOCK_DEVICE;
          tar.write(new TarEntry(name, type, st.permissions(), st.uid(), st.gid(), 0, st.mtimeSeconds(), 0, -1, 0, "",
              st.rdevMajor(), st.rdevMinor(), xattrs, null), null);
        }
        case FileStat.S_IFIFO -> tar.write(entry(name, TarEntry.FIFO, st.permissions(), st, 0, null, xattrs), null);
        default -> {
          // a socket: it belongs to a running process, not to the image
        }
      }
    }

    private TarEntry entry(String name, char type, int mode, FileStat st, long size, String link,
        Map<String, byte[]> xattrs) {
      return new TarEntry(name, type, mode, st.uid(), st.gid(), size, st.mtimeSeconds(), 0, -1, 0,
          link == null ? "" : link, 0, 0, xattrs, null);
    }

    private boolean hiddenInLowers(String name) throws IOException {
      if (lowers == null) {
        return true;
      }
      for (Path lower : lowers) {
        try {
          ops.lstat(lower.resolve(name));
          return true;
        } catch (NoSuchFileException e) {
          // not in this layer
        }
      }
      return false;
    }

    private Map<String, byte[]> xattrs(Path p) throws IOException {
      Map<String, byte[]> out = new LinkedHashMap<>();
      List<String> names = new ArrayList<>(ops.llistxattr(p));
      names.sort(null);
      for (String n : names) {
        if (n.startsWith("trusted.overlay.") || n.equals("security.selinux")) {
          continue;
        }
        byte[] v = ops.lgetxattr(p, n);
        if (v != null) {
          out.put(n, v);
        }
      }
      return out;
    }

    private boolean opaque(Path dir) {
      try {
        byte[] v = ops.lgetxattr(dir, "trusted.overlay.opaque");
        return v != null && v.length == 1 && v[0] == 'y';
      } catch (ErrnoException e) {
        return false;
      }
    }
  }
}
