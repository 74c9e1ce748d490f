package dev.berth.daemon;

import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.server.ApiServer;
import dev.berth.daemon.server.Router;
import dev.berth.daemon.system.SystemRoutes;
import dev.berth.images.store.ImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** berthd: the Docker Engine API daemon, in the foreground. */
@Command(name = "berthd", mixinStandardHelpOptions = true, version = "berthd 0.1.0",
    description = "Serves the Docker Engine API (v1.50) on a unix socket.")
public final class Main implements Callable<Integer> {
  @Option(names = {"-H", "--host"}, description = "unix socket to listen on (default ${DEFAULT-VALUE})")
  String host = "unix:///run/berth/berth.sock";

  @Option(names = "--data-root", description = "where images and containers are kept (default ${DEFAULT-VALUE})")
  Path dataRoot = Path.of("/var/lib/berth");

  @Option(names = "--log-level", description = "debug, info, warn or error")
  String logLevel = "info";

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (!host.startsWith("unix://")) {
      System.err.println("berthd: only unix sockets are supported (-H unix:///path); TCP needs TLS, which is not there yet");
      return 1;
    }
    Path socket = Path.of(host.substring("unix://".length()));
    Files.createDirectories(dataRoot);
    ImageStore images = new ImageStore(dataRoot.resolve("images"));
    Router router = new Router();
    new SystemRoutes(images, dataRoot).register(router);
    new ImageRoutes(images, dataRoot.resolve("images")).register(router);
    NotYetRoutes.register(router);
    try (ApiServer server = new ApiServer(socket)) {
      server.start(router);
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
      System.err.println("berthd: API listening on " + socket);
      server.awaitClose();
    }
    return 0;
  }
}
