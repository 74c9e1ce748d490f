package dev.berth.daemon;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import dev.berth.daemon.config.DaemonConfig;
import dev.berth.daemon.containers.Container;
import dev.berth.daemon.containers.ContainerArchive;
import dev.berth.daemon.containers.ContainerCreator;
import dev.berth.daemon.containers.ContainerEvents;
import dev.berth.daemon.containers.ContainerFilesystem;
import dev.berth.daemon.containers.ContainerLifecycle;
import dev.berth.daemon.containers.ContainerRoutes;
import dev.berth.daemon.containers.ContainerStore;
import dev.berth.daemon.containers.SpecBuilder;
import dev.berth.daemon.events.EventRoutes;
import dev.berth.daemon.events.Events;
import dev.berth.daemon.exec.ExecRoutes;
import dev.berth.daemon.images.ImageRoutes;
import dev.berth.daemon.server.ApiServer;
import dev.berth.daemon.server.Listener;
import dev.berth.daemon.server.Router;
import dev.berth.daemon.system.SystemRoutes;
import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.service.ImageUsers;
import dev.berth.images.service.Images;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.images.store.ImageStore;
import dev.berth.runtime.cgroups.CgroupFs;
import dev.berth.runtime.cgroups.Cgroups;
import dev.berth.supervisor.Supervisor;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.client.SupervisorConnection;
import dev.berth.supervisor.runtime.Runtimes;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The daemon's parts wired together: stores, the supervisor, the routes, the listeners. */
final class Daemon {
  private final DaemonConfig config;

  Daemon(DaemonConfig config) {
    this.config = config;
  }

  int run() throws InterruptedException {
    Path dataRoot = config.dataRoot();
    ImageStore images = new ImageStore(dataRoot.resolve("images"));
    Snapshots snapshots = new Snapshots(dataRoot.resolve("snapshots"));
    Runtimes runtimes = new Runtimes(config.execRoot().resolve("runtime"), Runtimes.defaultBerthRuntime());
    runtimes.get(config.defaultRuntime()); // fail now, not at the first container, if it is missing
    // In-process by default; a standalone supervisor is reached on its socket (either may be null).
    try (Supervisor inProcess = config.supervisor() == null
            ? new Supervisor(images, snapshots, dataRoot, config.execRoot(), runtimes).start() : null;
        SupervisorConnection standalone = config.supervisor() == null ? null
            : new SupervisorConnection(config.supervisor());
        ApiServer server = new ApiServer(listeners())) {
      ManagedChannel channel = inProcess != null ? inProcess.channel() : standalone.channel();
      SupervisorClient client = new SupervisorClient(channel);
      if (standalone != null) {
        try {
          client.containerIds();
        } catch (BerthException e) {
          throw new Unavailable("cannot reach the supervisor at " + config.supervisor() + ": " + e.getMessage(), e);
        }
      }
      ContainerStore containers = new ContainerStore(dataRoot.resolve("containers"));
      Events events = new Events();
      ContainerEvents containerEvents = new ContainerEvents(events);
      GarbageCollector gc = new GarbageCollector(images, snapshots);
      ContainerLifecycle lifecycle = new ContainerLifecycle(containers, client, containerEvents,
          removed -> collectIfImageDeleted(removed, images, gc, containers));
      lifecycle.restore();
      Router router = new Router();
      ContainerFilesystem files = new ContainerFilesystem(containers, snapshots, images);
      Images imageOps = new Images(images, id -> containers.all().stream()
          .filter(c -> c.image().equals(id))
          .map(c -> new ImageUsers.User(c.id(), c.state().running())).toList(),
          released -> gc.collect(containerIds(containers), released));
      new SystemRoutes(images, imageOps, dataRoot, containers, files).register(router);
      ImageUnpacker unpacker = new ImageUnpacker(images, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true));
      new ImageRoutes(imageOps, images, unpacker, dataRoot.resolve("images"), events).register(router);
      new ContainerRoutes(containers, new ContainerCreator(containers, images, client, config.defaultRuntime(),
          containerEvents), lifecycle,
          client, files,
          new ContainerArchive(containers, snapshots), images).register(router);
      new ExecRoutes(containers, client).register(router);
      new EventRoutes(events).register(router);
      NotYetRoutes.register(router);
      server.start(router);
      Thread shutdown = new Thread(() -> {
        server.close();
        if (!config.liveRestore()) lifecycle.stopAllForShutdown();
        // Running containers keep it busy (live restore); once none is left, the parent goes too.
        Cgroups.removeIfUnused(SpecBuilder.CGROUP_PARENT, Cgroups.hostLayout(), CgroupFs.REAL);
      });
      Runtime.getRuntime().addShutdownHook(shutdown);
      System.err.println("berthd: API listening on " + String.join(", ", config.hosts())
          + (config.liveRestore() ? "" : " (live restore off: containers stop with the daemon)"));
      server.awaitClose();
      // The hook may still be stopping containers through the supervisor, which closes after this.
      shutdown.join();
      channel.shutdownNow();
    }
    return 0;
  }

  /**
   * A container whose image was deleted (rmi -f) held that image's layers: once it is removed they
   * are nobody's, and go, as dockerd releases them with the container's layer.
   */
  private static void collectIfImageDeleted(Container removed, ImageStore images, GarbageCollector gc,
      ContainerStore containers) {
    try {
      images.get(removed.image());
      return;
    } catch (NotFound deleted) {
      // collect below
    } catch (BerthException e) {
      return; // no image (or no valid id) to have lost
    }
    try {
      gc.collect(containerIds(containers));
    } catch (BerthException e) {
      System.err.println("berthd: cannot collect the layers of removed container " + removed.id() + ": "
          + e.getMessage());
    }
  }

  static java.util.Set<String> containerIds(ContainerStore containers) {
    return containers.all().stream().map(c -> c.id()).collect(java.util.stream.Collectors.toSet());
  }

  private List<Listener> listeners() {
    List<Listener> listeners = new ArrayList<>();
    boolean groupAsked = config.group() != null;
    String group = groupAsked ? config.group() : DaemonConfig.DEFAULT_GROUP;
    for (Path socket : config.unixSockets()) listeners.add(new Listener.Unix(socket, group, groupAsked));
    for (String hostPort : config.tcpHosts()) {
      DaemonConfig.Tls tls = config.tls();
      listeners.add(new Listener.Tcp(Listener.Tcp.parse(hostPort), tls.caCert(), tls.cert(), tls.key()));
    }
    return listeners;
  }
}
