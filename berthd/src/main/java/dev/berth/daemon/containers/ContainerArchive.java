package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.io.FileTrees;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.snapshot.Snapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * `docker cp`: a path's stat, a tar of it, and a tar extracted into a directory. A running
 * container is reached through its init's root (so binds are seen, as with Docker); a stopped one
 * through its snapshot, mounted for the call. Paths resolve inside the container's root.
 */
public final class ContainerArchive {
  /** The header Docker puts the stat of the copied path in, base64 JSON. */
  public static final String STAT_HEADER = "X-Docker-Container-Path-Stat";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final ContainerStore store;
  private final Snapshots snapshots;

  public ContainerArchive(ContainerStore store, Snapshots snapshots) {
    this.store = store;
    this.snapshots = snapshots;
  }

  /** Work on a container's root: a host path that stands for "/" inside it. */
  @FunctionalInterface
  public interface RootWork<T> {
    T run(Path root) throws IOException;
  }

  /** Runs {@code work} on the container's root, mounting its snapshot if it is not running. */
  public <T> T withRoot(String id, boolean writable, RootWork<T> work) throws IOException {
    Container c = store.get(id);
    if (c.state().running()) return work.run(Path.of("/proc", Long.toString(c.state().pid()), "root"));
    Path mount = Files.createTempDirectory(store.dir(c.id()), ".cp-");
    boolean mounted = false;
    try {
      if (writable) snapshots.mount(c.id(), mount);
      else snapshots.mountView(c.id(), mount);
      mounted = true;
      return work.run(mount);
    } finally {
      if (mounted) snapshots.unmount(mount);
      FileTrees.delete(mount);
    }
  }

  /** The stat header's value for {@code path}, or NotFound. */
  public static String stat(Path root, String path) throws IOException {
    Path p = InRoot.resolve(root, path, false);
    if (!InRoot.exists(p)) throw new NotFound("Could not find the file " + path + " in container");
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,lastModifiedTime", NOFOLLOW);
    m.put("name", p.getFileName() == null ? "/" : p.getFileName().toString());
    m.put("size", a.get("size"));
    m.put("mode", goMode((Integer) a.get("mode")));
    m.put("mtime", ((FileTime) a.get("lastModifiedTime")).toInstant().toString());
    m.put("linkTarget", Files.isSymbolicLink(p) ? Files.readSymbolicLink(p).toString() : "");
    return Base64.getEncoder().encodeToString(JSON.writeValueAsBytes(m));
  }

  /** A tar of {@code path}, its entries under the path's base name, as Docker's archive GET. */
  public static void tar(Path root, String path, OutputStream out) throws IOException {
    Path top = InRoot.resolve(root, path, false);
    if (!InRoot.exists(top)) throw new NotFound("Could not find the file " + path + " in container");
    String base = top.getFileName() == null ? "." : top.getFileName().toString();
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    List<Path> all;
    try (Stream<Path> walk = Files.walk(top)) {
      all = walk.toList(); // does not follow links
    }
    for (Path p : all) {
      String rel = top.relativize(p).toString();
      String name = rel.isEmpty() ? base : base + "/" + rel;
      entry(tar, p, name);
    }
    tar.finish();
    tar.flush();
  }

  private static void entry(TarArchiveOutputStream tar, Path p, String name) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,rdev", NOFOLLOW);
    int mode = (Integer) a.get("mode");
    int type = mode & 0170000;
    TarArchiveEntry e;
    if (type == 0120000) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(Files.readSymbolicLink(p).toString());
    } else if (type == 0040000) {
      e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
    } else if (type == 0100000) {
      e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
      e.setSize((Long) a.get("size"));
    } else if (type == 0020000 || type == 0060000) {
      e = new TarArchiveEntry(name, type == 0020000 ? TarConstants.LF_CHR : TarConstants.LF_BLK);
      long rdev = (Long) a.get("rdev");
      e.setDevMajor((int) ((rdev >>> 8) & 0xfff));
      e.setDevMinor((int) ((rdev & 0xff) | ((rdev >>> 12) & 0xfff00)));
    } else if (type == 0010000) {
      e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
    } else {
      return; // sockets are not archived, as with Docker
    }
    e.setMode(mode & 07777);
    e.setIds((Integer) a.get("uid"), (Integer) a.get("gid"));
    e.setModTime(((FileTime) a.get("lastModifiedTime")).toMillis());
    tar.putArchiveEntry(e);
    if (type == 0100000) {
      try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
        in.transferTo(tar);
      }
    }
    tar.closeArchiveEntry();
  }

  /** Extracts {@code tar} into the directory {@code path} of the container. */
  public static void extract(Path root, String path, InputStream tar) {
    Path dir = InRoot.resolve(root, path, true);
    if (!Files.isDirectory(dir, NOFOLLOW)) {
      throw new NotFound("Could not find the directory " + path + " in container (the destination must exist)");
    }
    try {
      new LayerUnpacker(new LinuxFileSystemOps(), false).extractInto(tar, dir);
    } catch (BerthException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new InvalidArgument("cannot extract into " + path + ": " + e.getMessage(), e);
    }
  }

  /** Go's os.FileMode, which the docker CLI decodes from the stat header. */
  static long goMode(int unixMode) {
    long m = unixMode & 0777;
    switch (unixMode & 0170000) {
      case 0040000 -> m |= 1L << 31;
      case 0120000 -> m |= 1L << 27;
      case 0060000 -> m |= 1L << 26;
      case 0020000 -> m |= (1L << 26) | (1L << 21);
      case 0010000 -> m |= 1L << 25;
      case 0140000 -> m |= 1L << 24;
      default -> { }
    }
    if ((unixMode & 04000) != 0) m |= 1L << 23;
    if ((unixMode & 02000) != 0) m |= 1L << 22;
    if ((unixMode & 01000) != 0) m |= 1L << 20;
    return m;
  }
}
