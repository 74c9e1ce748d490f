package dev.berth.images.layer;

import dev.berth.common.ffm.ErrnoException;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.FileSystemOps;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The changes in a container's overlay upper directory as a layer tar, for commit and export:
 * overlay whiteouts (0/0 character devices) become {@code .wh.<name>} entries and opaque directories
 * get a {@code .wh..wh..opq} entry, as the image spec defines them.
 */
public final class LayerDiff {
  private final FileSystemOps ops;

  public LayerDiff(FileSystemOps ops) {
    this.ops = ops;
  }

  /** Writes the tar of {@code upper}'s changes to {@code out}; returns its diff_id. */
  public Digest write(Path upper, OutputStream out) throws IOException {
    MessageDigest md = Digest.newDigester("sha256");
    DigestOutputStream digesting = new DigestOutputStream(out, md);
    TarArchiveOutputStream tar = new TarArchiveOutputStream(digesting);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    Map<Object, String> hardlinks = new HashMap<>();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(upper)) {
      paths = walk.filter(p -> !p.equals(upper)).sorted().toList();
    }
    for (Path p : paths) {
      entry(tar, upper, p, hardlinks);
    }
    tar.finish();
    tar.flush();
    return Digest.of("sha256", md.digest());
  }

  private void entry(TarArchiveOutputStream tar, Path upper, Path p, Map<Object, String> hardlinks) throws IOException {
    String name = upper.relativize(p).toString();
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev,ino,nlink,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
    int mode = (int) a.get("mode");
    int type = mode & 0170000;
    if (type == 0020000 && (long) a.get("rdev") == 0) {
      Path parent = upper.relativize(p).getParent();
      add(tar, new TarArchiveEntry((parent == null ? "" : parent + "/") + LayerUnpacker.WHITEOUT + p.getFileName()), null);
      return;
    }
    TarArchiveEntry e;
    if (type == 0040000) {
      e = new TarArchiveEntry(name + "/");
    } else if (type == 0120000) {
      e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
      e.setLinkName(Files.readSymbolicLink(p).toString());
    } else if (type == 0100000 && (int) a.get("nlink") > 1 && hardlinks.containsKey(a.get("ino"))) {
      e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
      e.setLinkName(hardlinks.get(a.get("ino")));
    } else if (type == 0010000) {
      e = new TarArchiveEntry(name, TarArchiveEntry.LF_FIFO);
    } else if (type == 0020000 || type == 0060000) {
      e = new TarArchiveEntry(name, type == 0020000 ? TarArchiveEntry.LF_CHR : TarArchiveEntry.LF_BLK);
      long rdev = (long) a.get("rdev");
      e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
      e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
    } else {
      e = new TarArchiveEntry(name);
      e.setSize(Files.size(p));
      if ((int) a.get("nlink") > 1) {
        hardlinks.put(a.get("ino"), name);
      }
    }
    e.setMode(mode);
    e.setUserId((int) a.get("uid"));
    e.setGroupId((int) a.get("gid"));
    e.setModTime(((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis());
    add(tar, e, type == 0100000 && e.isFile() ? p : null);
    if (type == 0040000 && opaque(p)) {
      add(tar, new TarArchiveEntry(name + "/" + LayerUnpacker.OPAQUE), null);
    }
  }

  private boolean opaque(Path dir) {
    try {
      byte[] v = ops.lgetxattr(dir, "trusted.overlay.opaque");
      return v != null && v.length == 1 && v[0] == 'y';
    } catch (ErrnoException e) {
      return false;
    }
  }

  private static void add(TarArchiveOutputStream tar, TarArchiveEntry e, Path content) throws IOException {
    tar.putArchiveEntry(e);
    if (content != null) {
      try (InputStream in = Files.newInputStream(content)) {
        in.transferTo(tar);
      }
    }
    tar.closeArchiveEntry();
  }
}
