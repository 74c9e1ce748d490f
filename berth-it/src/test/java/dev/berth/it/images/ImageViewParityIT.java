package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.berth.images.archive.ArchiveLoader;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DockerdExtension;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 3, acceptance 2: a container snapshot of an image loaded from `docker save` shows exactly
 * the files, modes, owners, links and whiteout results that a Docker container of the same image
 * shows (compared with `docker export` of such a container).
 */
class ImageViewParityIT {
  /** Files Docker creates in every container, not part of the image. */
  private static final List<String> DOCKER_ADDS = List.of("/.dockerenv", "/etc/hosts", "/etc/hostname",
      "/etc/resolv.conf", "/etc/mtab", "/dev", "/proc", "/sys");
  @RegisterExtension static final DockerdExtension DOCKER = new DockerdExtension();


  @Test
  void berthSeesWhatDockerSees() throws Exception {
    Path rootfs = BusyboxBundle.create(DOCKER.dir().resolve("bundle")).rootfs();
    Files.writeString(rootfs.resolve("etc/shadow"), "root:*:19000::::::\n");
    Cmd.run("chown", "1000:2000", rootfs.resolve("etc/shadow").toString()).ok();
    Cmd.run("chmod", "640", rootfs.resolve("etc/shadow").toString()).ok();
    Cmd.run("cp", "/bin/busybox", rootfs.resolve("bin/suid").toString()).ok();
    Cmd.run("chmod", "4755", rootfs.resolve("bin/suid").toString()).ok();
    Cmd.run("ln", rootfs.resolve("etc/passwd").toString(), rootfs.resolve("etc/passwd.hard").toString()).ok();
    Cmd.run("mkfifo", rootfs.resolve("tmp/fifo").toString()).ok();
    Files.createDirectories(rootfs.resolve("var/cache/old"));
    Files.writeString(rootfs.resolve("var/cache/old/stale"), "stale");
    Path tar = DOCKER.dir().resolve("rootfs.tar");
    Cmd.run("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", tar.toString(), ".").ok();
    DOCKER.dockerd().docker("import", tar.toString(), "view:base").ok();
    // A second layer with a deleted file (whiteout) and a replaced directory (opaque).
    DOCKER.dockerd().docker("run", "--name", "mod", "--network", "none", "view:base", "sh", "-c",
        "rm /etc/group && rm -rf /var/cache && mkdir -p /var/cache/new && echo fresh > /var/cache/new/f").ok();
    DOCKER.dockerd().docker("commit", "mod", "view:two").ok();
    DOCKER.dockerd().docker("rm", "mod").ok();

    Path saved = DOCKER.dir().resolve("saved.tar");
    DOCKER.dockerd().docker("save", "-o", saved.toString(), "view:two").ok();
    ImageStore store = new ImageStore(DOCKER.dir().resolve("store"));
    try (InputStream in = Files.newInputStream(saved)) {
      new ArchiveLoader(store).load(in);
    }
    Snapshots snapshots = new Snapshots(DOCKER.dir().resolve("snapshots"));
    Digest top = new ImageUnpacker(store, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true))
        .unpack(store.resolve("view:two"));
    snapshots.createContainer("view", top);
    Path merged = DOCKER.dir().resolve("merged");
    Files.createDirectory(merged);
    snapshots.mount("view", merged);
    Map<String, String> berth;
    try {
      berth = listDirectory(merged);
    } finally {
      snapshots.unmount(merged);
      snapshots.removeContainer("view");
    }

    DOCKER.dockerd().docker("create", "--name", "cmp", "view:two").ok();
    Path exported = DOCKER.dir().resolve("exported.tar");
    DOCKER.dockerd().docker("export", "-o", exported.toString(), "cmp").ok();
    DOCKER.dockerd().docker("rm", "cmp").ok();
    Map<String, String> docker = listTar(exported);
    assertEquals(String.join("\n", docker.values()), String.join("\n", berth.values()));
    // And the comparison is about something: the facts the image was built to show.
    org.junit.jupiter.api.Assertions.assertTrue(berth.get("/etc/shadow").startsWith("/etc/shadow f 640 1000:2000"), berth.get("/etc/shadow"));
    org.junit.jupiter.api.Assertions.assertTrue(berth.get("/bin/suid").startsWith("/bin/suid f 4755"), berth.get("/bin/suid"));
    org.junit.jupiter.api.Assertions.assertTrue(berth.get("/tmp/fifo").startsWith("/tmp/fifo p"), berth.get("/tmp/fifo"));
    org.junit.jupiter.api.Assertions.assertTrue(berth.containsKey("/var/cache/new/f"));
    org.junit.jupiter.api.Assertions.assertFalse(berth.containsKey("/etc/group"), "the whiteout did not hide /etc/group");
    org.junit.jupiter.api.Assertions.assertFalse(berth.containsKey("/var/cache/old"), "the opaque directory shows old content");
    org.junit.jupiter.api.Assertions.assertTrue(berth.size() > 250, "only " + berth.size() + " paths");
  }

  private static boolean dockerAdded(String path) {
    return DOCKER_ADDS.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"));
  }

  private static String line(String path, char type, int mode, long uid, long gid, String extra) {
    return path + " " + type + " " + Integer.toOctalString(mode & 07777) + " " + uid + ":" + gid + " " + extra;
  }

  private static Map<String, String> listDirectory(Path root) throws Exception {
    Map<String, String> lines = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        String path = "/" + root.relativize(p);
        if (path.equals("/") || dockerAdded(path)) {
          continue;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size", LinkOption.NOFOLLOW_LINKS);
        int mode = (int) a.get("mode");
        char type = Files.isSymbolicLink(p) ? 'l' : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? 'd'
            : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? 'f' : (mode & 0170000) == 0010000 ? 'p' : '?';
        String extra = switch (type) {
          case 'l' -> "-> " + Files.readSymbolicLink(p);
          case 'f' -> Digest.sha256(Files.readAllBytes(p)).shortHex();
          default -> "";
        };
        lines.put(path, line(path, type, mode, (int) a.get("uid"), (int) a.get("gid"), extra));
      }
    }
    return lines;
  }

  private static Map<String, String> listTar(Path tar) throws Exception {
    Map<String, String> lines = new TreeMap<>();
    Map<String, String> contentOf = new TreeMap<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        String path = "/" + e.getName().replaceAll("^\\./", "").replaceAll("/$", "");
        if (path.equals("/") || dockerAdded(path)) {
          continue;
        }
        char type = e.isSymbolicLink() ? 'l' : e.isDirectory() ? 'd' : e.isFIFO() ? 'p' : 'f';
        String extra = "";
        if (e.isSymbolicLink()) {
          extra = "-> " + e.getLinkName();
        } else if (e.isLink()) {
          extra = contentOf.get("/" + e.getLinkName().replaceAll("^\\./", ""));
        } else if (type == 'f') {
          extra = Digest.sha256(in.readAllBytes()).shortHex();
          contentOf.put(path, extra);
        }
        lines.put(path, line(path, type, e.getMode(), e.getLongUserId(), e.getLongGroupId(), extra));
      }
    }
    return lines;
  }
}
