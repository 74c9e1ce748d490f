package dev.berth.images.snapshot;

import dev.berth.images.fs.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's dockerd with everything of its own under one directory (data root, exec root, pid file,
 * socket), no bridge and no iptables. Stopped by its own pid; mounts it left under the directory go.
 */
final class PrivateDockerd implements AutoCloseable {
  private final Path dir;
  private final Process process;

  private PrivateDockerd(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  static PrivateDockerd start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("dockerd", "--data-root", dir.resolve("data").toString(), "--exec-root",
        dir.resolve("exec").toString(), "--pidfile", dir.resolve("docker.pid").toString(), "-H",
        "unix://" + dir.resolve("docker.sock"), "--bridge=none", "--iptables=false", "--ip-masq=false",
        "--storage-driver=overlay2")
        .redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
    PrivateDockerd d = new PrivateDockerd(dir, p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        d.close();
        throw new AssertionError("dockerd exited: " + d.log());
      }
      if (Files.exists(dir.resolve("docker.sock")) && d.exec("version").exit() == 0) {
        return d;
      }
      Thread.sleep(200);
    }
    d.close();
    throw new AssertionError("dockerd was not ready within 60 s: " + d.log());
  }

  Sh.Result exec(String... args) {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker"));
    cmd.addAll(List.of(args));
    return Sh.exec(cmd, Map.of("DOCKER_HOST", "unix://" + dir.resolve("docker.sock")), 300);
  }

  String docker(String... args) {
    Sh.Result r = exec(args);
    if (r.exit() != 0) {
      throw new AssertionError("docker " + String.join(" ", args) + " exited " + r.exit() + ": " + r.out());
    }
    return r.out();
  }

  String log() {
    try {
      return Files.readString(dir.resolve("dockerd.log"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      for (String id : exec("ps", "-aq").out().split("\\s+")) {
        if (!id.isBlank()) {
          exec("rm", "-f", id);
        }
      }
    }
    process.destroy(); // SIGTERM to our dockerd only; it stops its own containerd
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    MountHygiene.cleanUp(dir);
  }
}
