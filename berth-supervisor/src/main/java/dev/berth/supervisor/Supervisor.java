package dev.berth.supervisor;

import dev.berth.common.error.Internal;
import dev.berth.common.io.ProcessLock;
import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.supervisor.container.ContainerManager;
import dev.berth.supervisor.container.ContainerRecords;
import dev.berth.supervisor.event.TaskEvents;
import dev.berth.supervisor.runtime.Runtimes;
import dev.berth.supervisor.service.ContainersService;
import dev.berth.supervisor.service.EventsService;
import dev.berth.supervisor.service.TasksService;
import dev.berth.supervisor.shim.ShimLauncher;
import dev.berth.supervisor.task.TaskLayout;
import dev.berth.supervisor.task.TaskManager;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor, wired: its services over the image library, the snapshots and the shims. In berthd
 * it is served on an in-process gRPC channel (no socket, no serialisation cost worth a thought);
 * standalone ({@link Main}) on a unix socket that berthd connects to.
 */
public final class Supervisor implements AutoCloseable {
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final List<BindableService> services;
  private final TaskManager tasks;
  private final String name;
  private final ProcessLock lock;
  private Server server;
  private EpollEventLoopGroup loop;
  private Path socket;

  /**
   * @param dataRoot persistent state: container records under {@code supervisor/}, task dirs under {@code tasks/}
   * @param execRoot state that dies with the machine: bundles and the runtimes' roots
   */
  public Supervisor(ImageStore images, Snapshots snapshots, Path dataRoot, Path execRoot, Runtimes runtimes) {
    // One supervisor per data root, whether in berthd or standalone.
    this.lock = ProcessLock.acquire(dataRoot.resolve("supervisor").resolve("supervisor.lock"), "supervisor",
        "data root " + dataRoot);
    TaskEvents events = new TaskEvents();
    ContainerRecords records = new ContainerRecords(dataRoot.resolve("supervisor").resolve("containers"));
    this.tasks = new TaskManager(records, snapshots, runtimes,
        new TaskLayout(execRoot.resolve("bundles"), dataRoot.resolve("tasks")), new ShimLauncher(), events);
    ImageUnpacker unpacker = new ImageUnpacker(images, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true));
    ContainerManager containers = new ContainerManager(records, images, unpacker, snapshots, runtimes, tasks, events);
    containers.settleInterrupted();
    this.name = "berth-supervisor-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this);
    this.services = List.of(new ContainersService(containers), new TasksService(tasks), new EventsService(events));
  }

  /** Serves on an in-process channel ({@link #channel()}). */
  public Supervisor start() {
    return serve(InProcessServerBuilder.forName(name), "in-process");
  }

  /** Serves on a unix socket (mode 0600: the supervisor is root's only). */
  public Supervisor listen(Path socket) {
    try {
      Files.createDirectories(socket.toAbsolutePath().getParent());
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      throw new Internal("cannot prepare " + socket + ": " + e.getMessage(), e);
    }
    this.loop = new EpollEventLoopGroup(1);
    this.socket = socket;
    serve(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
        .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop),
        socket.toString());
    try {
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      close();
      throw new Internal("cannot restrict " + socket + ": " + e.getMessage(), e);
    }
    return this;
  }

  private Supervisor serve(ServerBuilder<?> builder, String where) {
    builder.executor(calls);
    services.forEach(builder::addService);
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new Internal("cannot serve the supervisor on " + where + ": " + e.getMessage(), e);
    }
    tasks.watchRunning();
    return this;
  }

  /** A channel to this supervisor that never leaves the process. */
  public ManagedChannel channel() {
    return InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** Until the server is shut down (standalone mode). */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      try {
        server.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (loop != null) loop.shutdownGracefully();
    calls.shutdown();
    if (socket != null) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException ignored) {
        // the next start replaces it
      }
    }
    lock.close();
  }
}
