package dev.berth.daemon.containers;

import dev.berth.common.error.Internal;
import dev.berth.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the hostname, hosts and resolv.conf a container sees, into its own directory: the daemon
 * owns these files (Docker rewrites them when networks change) and bind-mounts them into the container.
 */
final class EtcFilesWriter {
  private static final Path HOST_RESOLV = Path.of("/etc/resolv.conf");
  private static final Path HOST_HOSTS = Path.of("/etc/hosts");

  private EtcFilesWriter() {}

  static SpecBuilder.EtcFiles write(Path dir, Container c) {
    SpecBuilder.EtcFiles files = new SpecBuilder.EtcFiles(dir.resolve("hostname"), dir.resolve("hosts"),
        dir.resolve("resolv.conf"));
    String hostname = c.config().path("Hostname").asText(c.shortId());
    boolean hostNet = c.hostConfig().path("NetworkMode").asText("").equals("host");
    try {
      Files.createDirectories(dir);
      // Written atomically but not fsynced, as Docker writes them: they hold nothing the container's
      // config cannot give again, and six fsyncs cost a `docker run` milliseconds on a disk.
      AtomicFiles.replace(files.hostname(), (hostname + "\n").getBytes(StandardCharsets.UTF_8));
      String hosts = hostNet && Files.isReadable(HOST_HOSTS) ? Files.readString(HOST_HOSTS)
          : "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
              + "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";
      AtomicFiles.replace(files.hosts(), hosts.getBytes(StandardCharsets.UTF_8));
      byte[] resolv = Files.isReadable(HOST_RESOLV) ? Files.readAllBytes(HOST_RESOLV) : new byte[0];
      AtomicFiles.replace(files.resolvConf(), resolv);
    } catch (IOException e) {
      throw new Internal("cannot write the etc files of container " + c.id() + ": " + e.getMessage(), e);
    }
    return files;
  }
}
