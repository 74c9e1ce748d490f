package dev.berth.supervisor;

import dev.berth.common.error.BerthException;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.supervisor.runtime.Runtimes;
import java.nio.file.Path;

/**
 * {@code berth-supervisor}: the supervisor as its own process, serving its gRPC API on a unix socket
 * for a berthd started with {@code --supervisor unix://…}. Both use the same data and exec roots.
 */
public final class Main {
  static final String USAGE = "usage: berth-supervisor [--address unix:///run/berth/supervisor.sock]"
      + " [--data-root /var/lib/berth] [--exec-root /run/berth]";

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args));
  }

  static int run(String[] args) throws InterruptedException {
    String address = "unix:///run/berth/supervisor.sock";
    Path dataRoot = Path.of("/var/lib/berth");
    Path execRoot = Path.of("/run/berth");
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--help", "-h" -> {
          System.out.println(USAGE);
          return 0;
        }
        case "--address" -> address = required(args[i], value);
        case "--data-root" -> dataRoot = Path.of(required(args[i], value));
        case "--exec-root" -> execRoot = Path.of(required(args[i], value));
        default -> {
          System.err.println("berth-supervisor: unknown argument " + args[i] + "\n" + USAGE);
          return 2;
        }
      }
      i++;
    }
    if (address == null || !address.startsWith("unix://") || address.length() == "unix://".length()) {
      System.err.println("berth-supervisor: --address must be unix:///path\n" + USAGE);
      return 2;
    }
    Path socket = Path.of(address.substring("unix://".length()));
    try {
      Supervisor supervisor = new Supervisor(new ImageStore(dataRoot.resolve("images")),
          new Snapshots(dataRoot.resolve("snapshots")), dataRoot, execRoot,
          new Runtimes(execRoot.resolve("runtime"), Runtimes.defaultBerthRuntime())).listen(socket);
      // Stopping the supervisor stops no container: the shims hold them, and a new one finds them.
      Runtime.getRuntime().addShutdownHook(new Thread(supervisor::close));
      System.err.println("berth-supervisor: serving on " + address);
      supervisor.awaitTermination();
      return 0;
    } catch (BerthException e) {
      System.err.println("berth-supervisor: " + e.getMessage());
      return 1;
    }
  }

  private static String required(String option, String value) {
    return value == null || value.startsWith("--") ? null : value;
  }
}
