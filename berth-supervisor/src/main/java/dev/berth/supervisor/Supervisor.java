package dev.berth.supervisor;

import dev.berth.images.fs.LinuxFileSystemOps;
import dev.berth.images.layer.LayerUnpacker;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.supervisor.container.ContainerManager;
import dev.berth.supervisor.container.ContainerRecords;
import dev.berth.supervisor.runtime.Runtimes;
import dev.berth.supervisor.service.ContainersService;
import dev.berth.supervisor.service.TasksService;
import dev.berth.supervisor.shim.ShimLauncher;
import dev.berth.supervisor.task.TaskLayout;
import dev.berth.supervisor.task.TaskManager;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor, wired: its services over the image library, the snapshots and the shims. In berthd
 * it is served on an in-process gRPC channel (no socket, no serialisation cost worth a thought).
 */
public final class Supervisor implements AutoCloseable {
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  private final Server server;
  private final String name;

  /**
   * @param dataRoot persistent state: container records under {@code supervisor/}, task dirs under {@code tasks/}
   * @param execRoot state that dies with the machine: bundles and the runtimes' roots
   */
  public Supervisor(ImageStore images, Snapshots snapshots, Path dataRoot, Path execRoot, Runtimes runtimes) {
    ContainerRecords records = new ContainerRecords(dataRoot.resolve("supervisor").resolve("containers"));
    TaskManager tasks = new TaskManager(records, snapshots, runtimes,
        new TaskLayout(execRoot.resolve("bundles"), dataRoot.resolve("tasks")), new ShimLauncher());
    ImageUnpacker unpacker = new ImageUnpacker(images, snapshots, new LayerUnpacker(new LinuxFileSystemOps(), true));
    ContainerManager containers = new ContainerManager(records, images, unpacker, snapshots, runtimes, tasks);
    containers.settleInterrupted();
    this.name = "berth-supervisor-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(this);
    this.server = InProcessServerBuilder.forName(name).executor(calls)
        .addService(new ContainersService(containers))
        .addService(new TasksService(tasks))
        .build();
  }

  public Supervisor start() {
    try {
      server.start();
      return this;
    } catch (IOException e) {
      throw new dev.berth.common.error.Internal("cannot start the in-process supervisor: " + e.getMessage(), e);
    }
  }

  /** A channel to this supervisor that never leaves the process. */
  public ManagedChannel channel() {
    return InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    calls.shutdown();
  }
}
