package dev.berth.supervisor.client;

import com.google.protobuf.ByteString;
import dev.berth.supervisor.api.v1.Container;
import dev.berth.supervisor.api.v1.ContainersGrpc;
import dev.berth.supervisor.api.v1.CreateContainerRequest;
import dev.berth.supervisor.api.v1.CreateTaskRequest;
import dev.berth.supervisor.api.v1.DeleteContainerRequest;
import dev.berth.supervisor.api.v1.Event;
import dev.berth.supervisor.api.v1.EventsGrpc;
import dev.berth.supervisor.api.v1.ExecRequest;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.api.v1.GetContainerRequest;
import dev.berth.supervisor.api.v1.KillRequest;
import dev.berth.supervisor.api.v1.ResizeRequest;
import dev.berth.supervisor.api.v1.Stdio;
import dev.berth.supervisor.api.v1.SubscribeRequest;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskRequest;
import dev.berth.supervisor.api.v1.TasksGrpc;
import dev.berth.supervisor.api.v1.WaitRequest;
import dev.berth.supervisor.service.GrpcErrors;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The supervisor as its clients (berthd) see it: blocking calls that throw Berth's own errors, so
 * callers never handle gRPC statuses.
 */
public final class SupervisorClient {
  private final ContainersGrpc.ContainersBlockingStub containers;
  private final TasksGrpc.TasksBlockingStub tasks;
  private final EventsGrpc.EventsBlockingStub events;

  public SupervisorClient(Channel channel) {
    this.containers = ContainersGrpc.newBlockingStub(channel);
    this.tasks = TasksGrpc.newBlockingStub(channel);
    this.events = EventsGrpc.newBlockingStub(channel);
  }

  /** Container and task events from now (and the kept ones after {@code since}, if given), until closed. */
  public EventStream subscribe(java.time.Instant since, java.util.Collection<String> containerIds) {
    SubscribeRequest.Builder req = SubscribeRequest.newBuilder().addAllContainerIds(containerIds);
    if (since != null) {
      req.setSince(com.google.protobuf.Timestamp.newBuilder().setSeconds(since.getEpochSecond()).setNanos(since.getNano()));
    }
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    // The call belongs to the context it starts in: cancelling that context ends it.
    io.grpc.Context previous = context.attach();
    try {
      return new EventStream(call(() -> events.subscribe(req.build())), context);
    } finally {
      context.detach(previous);
    }
  }

  /** A live event subscription: {@link #next()} blocks for the next event; close to end it. */
  public static final class EventStream implements AutoCloseable {
    private final java.util.Iterator<Event> events;
    private final io.grpc.Context.CancellableContext context;

    EventStream(java.util.Iterator<Event> events, io.grpc.Context.CancellableContext context) {
      this.events = events;
      this.context = context;
    }

    public Event next() {
      return call(events::next);
    }

    @Override
    public void close() {
      context.cancel(null);
    }
  }

  public Container createContainer(String id, String image, String runtime, byte[] spec, Map<String, String> labels) {
    return call(() -> containers.create(CreateContainerRequest.newBuilder().setId(id).setImage(image)
        .setRuntime(runtime).setSpec(ByteString.copyFrom(spec)).putAllLabels(labels).build()));
  }

  /** The ids of the containers the supervisor holds (also a cheap check that it answers). */
  public java.util.List<String> containerIds() {
    return call(() -> containers.list(dev.berth.supervisor.api.v1.ListContainersRequest.getDefaultInstance()))
        .getContainersList().stream().map(Container::getId).toList();
  }

  public Container container(String id) {
    return call(() -> containers.get(GetContainerRequest.newBuilder().setId(id).build()));
  }

  public void deleteContainer(String id) {
    call(() -> containers.delete(DeleteContainerRequest.newBuilder().setId(id).build()));
  }

  public Task createTask(String id, boolean terminal, boolean stdin, long logMaxSize, int logMaxFiles) {
    Stdio stdio = Stdio.newBuilder().setTerminal(terminal).setStdin(stdin).setLogMaxSize(logMaxSize)
        .setLogMaxFiles(logMaxFiles).build();
    return call(() -> tasks.create(CreateTaskRequest.newBuilder().setContainerId(id).setStdio(stdio).build()));
  }

  public Task start(String id) {
    return call(() -> tasks.start(task(id)));
  }

  public Task getTask(String id) {
    return call(() -> tasks.get(task(id)));
  }

  public void kill(String id, int signal) {
    call(() -> tasks.kill(KillRequest.newBuilder().setContainerId(id).setSignal(signal).build()));
  }

  public ExitStatus waitExit(String id) {
    return call(() -> tasks.wait(WaitRequest.newBuilder().setContainerId(id).build()));
  }

  public ExitStatus deleteTask(String id) {
    return call(() -> tasks.delete(task(id)));
  }

  /**
   * Starts an exec process (OCI process JSON) in the running task; returns its pid. A non-empty
   * {@code user} (Docker's --user) is resolved in the container's own files.
   */
  public long exec(String id, String execId, byte[] process, String user, boolean terminal, boolean stdin) {
    ExecRequest req = ExecRequest.newBuilder().setContainerId(id).setExecId(execId).setUser(user)
        .setProcess(ByteString.copyFrom(process)).setStdio(Stdio.newBuilder().setTerminal(terminal).setStdin(stdin))
        .build();
    return call(() -> tasks.exec(req)).getPid();
  }

  /** New limits for a running task, as OCI linux.resources JSON. */
  public void update(String id, byte[] resources) {
    call(() -> tasks.update(dev.berth.supervisor.api.v1.UpdateRequest.newBuilder().setContainerId(id)
        .setResources(ByteString.copyFrom(resources)).build()));
  }

  public void pause(String id) {
    call(() -> tasks.pause(task(id)));
  }

  public void resume(String id) {
    call(() -> tasks.resume(task(id)));
  }

  public java.util.List<Integer> pids(String id) {
    return call(() -> tasks.listPids(task(id))).getPidsList();
  }

  public dev.berth.supervisor.api.v1.TaskMetrics metrics(String id) {
    return call(() -> tasks.metrics(task(id)));
  }

  public void resize(String id, int rows, int cols) {
    call(() -> tasks.resizePty(ResizeRequest.newBuilder().setContainerId(id).setRows(rows).setCols(cols).build()));
  }

  private static TaskRequest task(String id) {
    return TaskRequest.newBuilder().setContainerId(id).build();
  }

  private static <T> T call(Supplier<T> rpc) {
    try {
      return rpc.get();
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.fromStatus(e);
    }
  }
}
