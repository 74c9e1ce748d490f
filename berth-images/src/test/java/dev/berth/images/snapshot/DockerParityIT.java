package dev.berth.images.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.images.digest.Digest;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.fs.Sh;
import dev.berth.images.layer.LayerUnpacker;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import dev.berth.images.archive.TarMembers;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3, acceptance 2 for layers: a two-layer image (crafted here: modes, owners, setuid, hardlinks,
 * symlinks, a fifo, device nodes, a sparse file, binary xattrs, and in the second layer a whiteout and
 * an opaque directory) is loaded into a private dockerd and unpacked by Berth from the same layer
 * tars. The same busybox listing (find + stat + sha256sum) runs inside a Docker container and chrooted
 * in Berth's overlay mount, and xattrs are compared byte for byte with Docker's container rootfs.
 */
class DockerParityIT {
  /** Paths Docker adds to every container (its init layer and runtime mounts), not part of the image. */
  private static final List<String> DOCKER_ADDS = List.of("/", "/.dockerenv", "/dev", "/proc", "/sys", "/etc/hostname",
      "/etc/hosts", "/etc/resolv.conf", "/etc/mtab");
  private static final String LISTING = "find / -xdev -exec stat -c '%n|%a|%u|%g|%F|%N|%s|%h|%t:%T|%Y' {} + | sort;"
      + " find / -xdev -type f -exec sha256sum {} + | sort;"
      + " test \"$(stat -c %i /usr/bin/hard1)\" = \"$(stat -c %i /usr/bin/hard2)\" && echo HARDLINKED";
  private static final byte[] USER_XATTR = {(byte) 0xff, 0, (byte) 0x80, 0x7f, (byte) 0xc3};

  @TempDir Path tmp;
  private final LinuxFileSystemOps ops = new LinuxFileSystemOps();

  @AfterEach
  void noMountLeft() {
    assertEquals(List.of(), MountHygiene.cleanUp(tmp), "a test left mounts behind");
  }

  @Test
  void berthSeesWhatADockerContainerSees() throws Exception {
    Path layer1 = tar(rootfs(tmp.resolve("l1")), tmp.resolve("layer1.tar"));
    Path layer2 = tar(secondLayer(tmp.resolve("l2")), tmp.resolve("layer2.tar"));
    Digest diff1 = Digest.sha256(Files.readAllBytes(layer1));
    Digest diff2 = Digest.sha256(Files.readAllBytes(layer2));
    Path archive = dockerArchive(layer1, layer2, diff1, diff2);

    Snapshots snapshots = new Snapshots(tmp.resolve("snapshots"));
    LayerUnpacker unpacker = new LayerUnpacker(ops, true);
    String chain1 = diff1.toString();
    String chain2 = Digest.sha256((diff1 + " " + diff2).getBytes()).toString();
    snapshots.prepare(chain1, null, dir -> unpack(unpacker, layer1, dir, diff1));
    snapshots.prepare(chain2, chain1, dir -> unpack(unpacker, layer2, dir, diff2));
    snapshots.createContainer("parity", chain2);
    Path merged = Files.createDirectory(tmp.resolve("merged"));

    String berthListing;
    Map<String, String> berthXattrs;
    snapshots.mount("parity", merged);
    try {
      berthListing = Sh.run("chroot", merged.toString(), "/bin/sh", "-c", LISTING);
      berthXattrs = xattrs(merged);
    } finally {
      snapshots.unmount(merged);
    }

    String dockerListing;
    Map<String, String> dockerXattrs;
    try (PrivateDockerd dockerd = PrivateDockerd.start(tmp.resolve("d"))) {
      dockerd.docker("load", "-i", archive.toString());
      dockerListing = dockerd.docker("run", "--rm", "--network", "none", "parity:two", "/bin/sh", "-c", LISTING);
      String id = dockerd.docker("run", "-d", "--network", "none", "parity:two", "sleep", "600").trim();
      Path dockerRoot = Path.of(dockerd.docker("inspect", "-f", "{{.GraphDriver.Data.MergedDir}}", id).trim());
      dockerXattrs = xattrs(dockerRoot);
      dockerd.docker("rm", "-f", id);
    }

    Map<String, String> berth = normalise(berthListing);
    Map<String, String> docker = normalise(dockerListing);
    assertEquals(String.join("\n", docker.values()), String.join("\n", berth.values()));
    assertEquals(dockerXattrs, berthXattrs);
    // The comparison is about something: the facts the image was built to show.
    assertTrue(berth.get("/usr/bin/suid").contains("|4755|0|0|regular file|"), berth.get("/usr/bin/suid"));
    assertTrue(berth.get("/home/user/secret").contains("|600|1000|1000|"), berth.get("/home/user/secret"));
    assertTrue(berth.get("/devices/null").contains("character special file") && berth.get("/devices/null").contains("|1:3|"));
    assertTrue(berth.get("/devices/loop").contains("block special file"));
    assertTrue(berth.get("/run/fifo").contains("fifo"), berth.get("/run/fifo"));
    assertTrue(berth.get("/abs-link").contains("-> '/etc/passwd'"), berth.get("/abs-link"));
    assertTrue(berth.get("/sparse.img").contains("|" + (8 << 20) + "|"), berth.get("/sparse.img"));
    assertTrue(berth.containsKey("HARDLINKED"));
    assertTrue(berth.containsKey("/var/cache/new/f") && !berth.containsKey("/var/cache/old"), "opaque directory");
    assertTrue(!berth.containsKey("/etc/group") && berth.containsKey("/etc/passwd"), "whiteout");
    assertTrue(berthXattrs.get("/usr/bin/ping").contains("security.capability="), berthXattrs.toString());
    assertTrue(berthXattrs.get("/usr/bin/bin-xattr").contains("user.binary=" + HexFormat.of().formatHex(USER_XATTR)));
  }

  private static dev.berth.images.layer.UnpackedLayer unpack(LayerUnpacker unpacker, Path tar, Path dir, Digest diffId) {
    try (InputStream in = Files.newInputStream(tar)) {
      return unpacker.unpack(in, dir, null, diffId);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Listing lines by path, without what Docker adds and without directory mtimes (Docker's init layer touches /etc). */
  private static Map<String, String> normalise(String listing) {
    Map<String, String> lines = new TreeMap<>();
    for (String line : listing.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.equals("HARDLINKED")) {
        lines.put(line, line);
        continue;
      }
      String path = line.contains("|") ? line.substring(0, line.indexOf('|')) : line.substring(line.indexOf(' ') + 1).trim();
      if (DOCKER_ADDS.stream().anyMatch(p -> path.equals(p) || (!p.equals("/") && path.startsWith(p + "/")))) {
        continue;
      }
      String value = line.contains("|directory|") ? line.substring(0, line.lastIndexOf('|')) : line;
      lines.merge(line.contains("|") ? path : "sha256 " + path, value, (a, b) -> a + "\n" + b);
    }
    return lines;
  }

  /** path -> its xattrs (name=hex value), overlay's own left out. */
  private Map<String, String> xattrs(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        String path = "/" + root.relativize(p);
        if (DOCKER_ADDS.stream().anyMatch(d -> path.equals(d) || (!d.equals("/") && path.startsWith(d + "/")))) {
          continue;
        }
        List<String> values = new ArrayList<>();
        for (String name : ops.llistxattr(p).stream().sorted().toList()) {
          if (!name.startsWith("trusted.overlay.")) {
            values.add(name + "=" + HexFormat.of().formatHex(ops.lgetxattr(p, name)));
          }
        }
        if (!values.isEmpty()) {
          out.put(path, String.join(",", values));
        }
      }
    }
    return out;
  }

  private Path rootfs(Path r) throws Exception {
    for (String d : List.of("bin", "etc", "usr/bin", "run", "devices", "var/cache/old", "home/user", "tmp", "empty")) {
      Files.createDirectories(r.resolve(d));
    }
    Files.copy(Path.of("/bin/busybox"), r.resolve("bin/busybox"));
    for (String tool : List.of("sh", "find", "stat", "sort", "sha256sum", "test", "sleep", "cat")) {
      Files.createSymbolicLink(r.resolve("bin/" + tool), Path.of("busybox"));
    }
    Files.writeString(r.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
    Files.writeString(r.resolve("etc/group"), "root:x:0:\n");
    Files.writeString(r.resolve("etc/shadow"), "root:*:19000::::::\n");
    Sh.run("chown", "0:42", r.resolve("etc/shadow").toString());
    Sh.run("chmod", "640", r.resolve("etc/shadow").toString());
    Files.writeString(r.resolve("home/user/secret"), "mine");
    Sh.run("chown", "-R", "1000:1000", r.resolve("home/user").toString());
    Sh.run("chmod", "700", r.resolve("home/user").toString());
    Sh.run("chmod", "600", r.resolve("home/user/secret").toString());
    Files.writeString(r.resolve("usr/bin/suid"), "suid");
    Sh.run("chmod", "4755", r.resolve("usr/bin/suid").toString());
    Files.writeString(r.resolve("usr/bin/sgid"), "sgid");
    Sh.run("chown", "0:50", r.resolve("usr/bin/sgid").toString());
    Sh.run("chmod", "2755", r.resolve("usr/bin/sgid").toString());
    Files.writeString(r.resolve("usr/bin/ping"), "ping");
    Sh.run("setcap", "cap_net_raw+ep", r.resolve("usr/bin/ping").toString());
    Files.writeString(r.resolve("usr/bin/bin-xattr"), "x");
    ops.lsetxattr(r.resolve("usr/bin/bin-xattr"), "user.binary", USER_XATTR);
    Files.writeString(r.resolve("usr/bin/hard1"), "shared inode");
    Files.createLink(r.resolve("usr/bin/hard2"), r.resolve("usr/bin/hard1"));
    Files.createSymbolicLink(r.resolve("usr/bin/link"), Path.of("../../bin/busybox"));
    Files.createSymbolicLink(r.resolve("abs-link"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(r.resolve("dangling"), Path.of("/nonexistent"));
    Sh.run("mkfifo", "-m", "620", r.resolve("run/fifo").toString());
    Sh.run("mknod", "-m", "666", r.resolve("devices/null").toString(), "c", "1", "3");
    Sh.run("mknod", "-m", "660", r.resolve("devices/loop").toString(), "b", "7", "9");
    Sh.run("chmod", "1777", r.resolve("tmp").toString());
    Sh.run("chmod", "711", r.resolve("empty").toString());
    Files.writeString(r.resolve("var/cache/old/stale"), "stale");
    Sh.run("truncate", "-s", "8M", r.resolve("sparse.img").toString());
    Sh.run("sh", "-c", "printf data | dd of=" + r.resolve("sparse.img") + " bs=1M seek=4 conv=notrunc status=none");
    Sh.run("touch", "-h", "-d", "2001-02-03 04:05:06", r.resolve("abs-link").toString(), r.resolve("etc/passwd").toString());
    return r;
  }

  private static Path secondLayer(Path r) throws Exception {
    Files.createDirectories(r.resolve("etc"));
    Files.createDirectories(r.resolve("var/cache/new"));
    Files.createFile(r.resolve("etc/.wh.group"));
    Files.createFile(r.resolve("var/cache/.wh..wh..opq"));
    Files.writeString(r.resolve("var/cache/new/f"), "fresh");
    Files.writeString(r.resolve("etc/motd"), "second layer");
    return r;
  }

  private static Path tar(Path dir, Path out) {
    Sh.run("tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--sparse", "--sort=name", "--format=pax",
        "-C", dir.toString(), "-cf", out.toString(), ".");
    return out;
  }

  /** A docker-archive (what `docker save` writes) holding the two layers as they are. */
  private Path dockerArchive(Path layer1, Path layer2, Digest diff1, Digest diff2) throws Exception {
    ObjectMapper json = new ObjectMapper();
    byte[] config = json.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux",
        "created", "2024-01-01T00:00:00Z", "config", Map.of("Cmd", List.of("/bin/sh")),
        "rootfs", Map.of("type", "layers", "diff_ids", List.of(diff1.toString(), diff2.toString())),
        "history", List.of(Map.of("created", "2024-01-01T00:00:00Z"), Map.of("created", "2024-01-01T00:00:01Z"))));
    String configName = Digest.sha256(config).hex() + ".json";
    byte[] manifest = json.writeValueAsBytes(List.of(Map.of("Config", configName, "RepoTags", List.of("parity:two"),
        "Layers", List.of(diff1.hex() + "/layer.tar", diff2.hex() + "/layer.tar"))));
    Path archive = tmp.resolve("parity.tar");
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      TarMembers.add(t, configName, config);
      TarMembers.add(t, "manifest.json", manifest);
      for (Path layer : List.of(layer1, layer2)) {
        String name = (layer == layer1 ? diff1 : diff2).hex() + "/layer.tar";
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(Files.size(layer));
        t.putArchiveEntry(e);
        Files.copy(layer, t);
        t.closeArchiveEntry();
      }
    }
    return archive;
  }


}
