package dev.berth.images.base;

import dev.berth.common.error.InvalidArgument;
import dev.berth.images.importer.RootfsImporter;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Base images made on this machine, without a registry: {@code busybox} from Debian's static busybox
 * and {@code hello-world} from a static program built here (berth-images/base/hello-world).
 */
public final class BaseImages {
  public static final Path BUSYBOX = Path.of("/bin/busybox");

  private BaseImages() {}

  public static ImageRecord busybox(ImageStore store) {
    if (!Files.isExecutable(BUSYBOX)) {
      throw new InvalidArgument(BUSYBOX + " not found: install Debian's busybox-static");
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (String d : List.of("bin/", "dev/", "etc/", "home/", "proc/", "root/", "sys/", "tmp/", "var/")) {
          directory(tar, d, d.equals("tmp/") ? 01777 : 0755);
        }
        file(tar, "bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
        for (String applet : applets()) {
          TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
          link.setLinkName("busybox");
          tar.putArchiveEntry(link);
          tar.closeArchiveEntry();
        }
        file(tar, "etc/passwd", ("root:x:0:0:root:/root:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").getBytes(StandardCharsets.UTF_8), 0644);
        file(tar, "etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
      }
      return new RootfsImporter(store).importTarball(new ByteArrayInputStream(out.toByteArray()),
          List.of("CMD [\"sh\"]", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
          "busybox from " + BUSYBOX, Reference.parse("busybox:latest"));
    } catch (IOException e) {
      throw new InvalidArgument("cannot make the busybox image: " + e.getMessage(), e);
    }
  }

  /** {@code program} is the static hello binary (scripts/make-base-images.sh builds it). */
  public static ImageRecord helloWorld(ImageStore store, Path program) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
        file(tar, "hello", Files.readAllBytes(program), 0755);
      }
      return new RootfsImporter(store).importTarball(new ByteArrayInputStream(out.toByteArray()),
          List.of("CMD [\"/hello\"]"), "hello-world built from berth-images/base/hello-world",
          Reference.parse("hello-world:latest"));
    } catch (IOException e) {
      throw new InvalidArgument("cannot make the hello-world image from " + program + ": " + e.getMessage(), e);
    }
  }

  private static List<String> applets() throws IOException {
    Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
    try (InputStream in = p.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .filter(a -> !a.isBlank() && !a.equals("busybox")).toList();
    }
  }

  private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(040000 | mode);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(content.length);
    e.setMode(0100000 | mode);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }
}
