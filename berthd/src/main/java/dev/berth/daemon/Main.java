package dev.berth.daemon;

import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.images.ImageUsers;
import dev.berth.daemon.server.ApiServer;
import dev.berth.daemon.server.Router;
import dev.berth.daemon.system.SystemRoutes;
import dev.berth.daemon.containers.ContainerArchive;
import dev.berth.daemon.containers.ContainerCreator;
import dev.berth.daemon.containers.ContainerEvents;
import dev.berth.daemon.containers.ContainerFilesystem;
import dev.berth.daemon.events.EventRoutes;
import dev.berth.daemon.events.Events;
import dev.berth.daemon.containers.ContainerLifecycle;
import dev.berth.daemon.containers.ContainerRoutes;
import dev.berth.daemon.containers.ContainerStore;
import dev.berth.daemon.containers.SpecBuilder;
import dev.berth.runtime.cgroups.CgroupFs;
import dev.berth.runtime.cgroups.Cgroups;
import dev.berth.daemon.exec.ExecRoutes;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.supervisor.Supervisor;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.runtime.Runtimes;
import io.grpc.ManagedChannel;
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

  @Option(names = "--exec-root", description = "where state that dies with the machine is kept: bundles, "
      + "runtime state (default ${DEFAULT-VALUE})")
  Path execRoot = Path.of("/run/berth");

  @Option(names = "--default-runtime", description = "runtime for containers that name none: berth, runc, crun "
      + "or a path (default ${DEFAULT-VALUE})")
  String defaultRuntime = Runtimes.BERTH;

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
    Snapshots snapshots = new Snapshots(dataRoot.resolve("snapshots"));
    Runtimes runtimes = new Runtimes(execRoot.resolve("runtime"), Runtimes.defaultBerthRuntime());
    runtimes.get(defaultRuntime); // fail now, not at the first container, if it is missing
    try (Supervisor supervisor = new Supervisor(images, snapshots, dataRoot, execRoot, runtimes).start();
        ApiServer server = new ApiServer(socket)) {
      ManagedChannel channel = supervisor.channel();
      SupervisorClient client = new SupervisorClient(channel);
      ContainerStore containers = new ContainerStore(dataRoot.resolve("containers"));
      Events events = new Events();
      ContainerEvents containerEvents = new ContainerEvents(events);
      ContainerLifecycle lifecycle = new ContainerLifecycle(containers, client, containerEvents);
      lifecycle.restore();
      Router router = new Router();
      new SystemRoutes(images, dataRoot, containers).register(router);
      new ImageRoutes(images, dataRoot.resolve("images"), id -> containers.all().stream()
          .filter(c -> c.image().equals(id))
          .map(c -> new ImageUsers.User(c.id(), c.state().running())).toList(), events).register(router);
      new ContainerRoutes(containers, new ContainerCreator(containers, images, client, defaultRuntime,
          containerEvents), lifecycle,
          client, new ContainerFilesystem(containers, snapshots, images),
          new ContainerArchive(containers, snapshots)).register(router);
      new ExecRoutes(containers, client).register(router);
      new EventRoutes(events).register(router);
      NotYetRoutes.register(router);
      server.start(router);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.close();
        // Running containers keep it busy (live restore); once none is left, the parent goes too.
        Cgroups.removeIfUnused(SpecBuilder.CGROUP_PARENT, Cgroups.hostLayout(), CgroupFs.REAL);
      }));
      System.err.println("berthd: API listening on " + socket);
      server.awaitClose();
      channel.shutdownNow();
    }
    return 0;
  }
}
