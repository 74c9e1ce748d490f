package dev.berth.supervisor.shim;

import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Unavailable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts one berth-shim per container. The program forks the shim proper (detached: its own session,
 * a subreaper, stdio on /dev/null and shim.log) and exits once {@code runtime create} has succeeded or
 * failed, so this call is synchronous: it returns a running shim holding a created container, or
 * throws with the runtime's own message.
 */
public final class ShimLauncher {
  private final Path binary;
  private final Duration createTimeout;

  public ShimLauncher() {
    this(ShimBinary.locate(), Duration.ofMinutes(2));
  }

  public ShimLauncher(Path binary, Duration createTimeout) {
    this.binary = binary;
    this.createTimeout = createTimeout;
  }

  public Shim launch(ShimOptions options) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(options.arguments());
    Process process;
    try {
      Files.createDirectories(options.stateDir());
      process = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
    } catch (IOException e) {
      throw new Unavailable("cannot start " + binary + " for container " + options.id() + ": " + e.getMessage(), e);
    }
    try {
      // Both reports are one short line, well within a pipe's buffer: waiting first cannot deadlock.
      if (!process.waitFor(createTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new Unavailable("the shim of container " + options.id() + " did not report within " + createTimeout
            + "; see " + options.stateDir().resolve("shim.log"));
      }
      String out = read(process.getInputStream());
      String err = read(process.getErrorStream());
      return outcome(options, process.exitValue(), out, err);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted while starting the shim of container " + options.id(), e);
    } catch (IOException e) {
      throw new Internal("cannot read the shim's report for container " + options.id() + ": " + e.getMessage(), e);
    }
  }

  static Shim outcome(ShimOptions options, int exitCode, String out, String err) {
    if (exitCode == 0 && out.startsWith("ok ")) {
      String[] words = out.strip().split(" ");
      if (words.length == 3) {
        return new Shim(options.id(), options.stateDir().toAbsolutePath(), Long.parseLong(words[1]),
            Long.parseLong(words[2]), options.terminal());
      }
    }
    String message = err.isBlank() ? out.strip() : err.strip();
    if (message.startsWith("error ")) message = message.substring("error ".length());
    message = message.lines().findFirst().orElse("the shim exited with " + exitCode);
    if (exitCode == 2) throw new InvalidArgument("berth-shim: " + message);
    throw new Internal("cannot create container " + options.id() + ": " + message);
  }

  private static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
