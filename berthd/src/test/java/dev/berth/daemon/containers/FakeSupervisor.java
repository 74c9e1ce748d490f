package dev.berth.daemon.containers;

import com.google.protobuf.Timestamp;
import dev.berth.supervisor.api.v1.Container;
import dev.berth.supervisor.api.v1.ContainersGrpc;
import dev.berth.supervisor.api.v1.CreateTaskRequest;
import dev.berth.supervisor.api.v1.DeleteContainerRequest;
import dev.berth.supervisor.api.v1.DeleteContainerResponse;
import dev.berth.supervisor.api.v1.Empty;
import dev.berth.supervisor.api.v1.ExecProcess;
import dev.berth.supervisor.api.v1.ExecRequest;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.api.v1.GetContainerRequest;
import dev.berth.supervisor.api.v1.KillRequest;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskRequest;
import dev.berth.supervisor.api.v1.TaskStatus;
import dev.berth.supervisor.api.v1.TasksGrpc;
import dev.berth.supervisor.api.v1.WaitRequest;
import dev.berth.supervisor.client.SupervisorClient;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The supervisor's container and task services without processes, served in-process: a task runs
 * from its start until a kill (or, with {@link #exitOnStart}, ends as soon as it starts). Every call
 * is recorded, and {@link #beforeCreate} lets a test hold a task's creation.
 */
final class FakeSupervisor implements AutoCloseable {
  /** One task's life: running from start until its exit completes. */
  private static final class Run {
    final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    volatile boolean started;
  }

  private final Path stateDirs;
  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  /** Calls as "verb id", in order. */
  final List<String> calls = new CopyOnWriteArrayList<>();
  /** Whether a started task exits at once, with code 1 (a container a restart policy keeps bringing back). */
  volatile boolean exitOnStart;
  /** Runs in the supervisor before each task is created (the caller is blocked meanwhile). */
  volatile Runnable beforeCreate = () -> {};
  private final Server server;
  private final ManagedChannel channel;

  FakeSupervisor(Path stateDirs) throws IOException {
    this.stateDirs = stateDirs;
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(new Containers()).addService(new Tasks()).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  SupervisorClient client() {
    return new SupervisorClient(channel);
  }

  long count(String verb) {
    return calls.stream().filter(c -> c.startsWith(verb + " ")).count();
  }

  @Override
  public void close() throws InterruptedException {
    runs.values().forEach(r -> r.exit.complete(exit(137)));
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ExitStatus exit(int code) {
    Instant now = Instant.now();
    return ExitStatus.newBuilder().setExitCode(code)
        .setExitedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano())).build();
  }

  private Task task(String id, Run run) {
    TaskStatus status = run.exit.isDone() ? TaskStatus.TASK_STATUS_STOPPED
        : run.started ? TaskStatus.TASK_STATUS_RUNNING : TaskStatus.TASK_STATUS_CREATED;
    Task.Builder t = Task.newBuilder().setContainerId(id).setPid(run.started ? 4242 : 0).setStatus(status)
        .setStateDir(stateDirs.resolve(id).toString());
    if (run.exit.isDone()) t.setExit(run.exit.join());
    return t.build();
  }

  private <T> void reply(StreamObserver<T> out, String verb, String id, java.util.function.Supplier<T> answer) {
    calls.add(verb + " " + id);
    T value;
    try {
      value = answer.get();
    } catch (io.grpc.StatusRuntimeException e) {
      out.onError(e);
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  private Run run(String id) {
    Run r = runs.get(id);
    if (r == null) throw Status.NOT_FOUND.withDescription("no task for container " + id).asRuntimeException();
    return r;
  }

  private final class Containers extends ContainersGrpc.ContainersImplBase {
    @Override
    public void get(GetContainerRequest req, StreamObserver<Container> out) {
      // No spec: a health probe's exec cannot be built, and fails at once.
      reply(out, "getContainer", req.getId(), () -> Container.newBuilder().setId(req.getId()).build());
    }

    @Override
    public void delete(DeleteContainerRequest req, StreamObserver<DeleteContainerResponse> out) {
      reply(out, "deleteContainer", req.getId(), () -> {
        if (runs.containsKey(req.getId())) {
          throw Status.FAILED_PRECONDITION.withDescription("container has a task").asRuntimeException();
        }
        return DeleteContainerResponse.getDefaultInstance();
      });
    }
  }

  private final class Tasks extends TasksGrpc.TasksImplBase {
    @Override
    public void create(CreateTaskRequest req, StreamObserver<Task> out) {
      String id = req.getContainerId();
      beforeCreate.run();
      reply(out, "create", id, () -> {
        Run r = new Run();
        if (runs.putIfAbsent(id, r) != null) {
          throw Status.ALREADY_EXISTS.withDescription("task exists").asRuntimeException();
        }
        return task(id, r);
      });
    }

    @Override
    public void start(TaskRequest req, StreamObserver<Task> out) {
      String id = req.getContainerId();
      reply(out, "start", id, () -> {
        Run r = run(id);
        r.started = true;
        if (exitOnStart) r.exit.complete(exit(1));
        return task(id, r);
      });
    }

    @Override
    public void get(TaskRequest req, StreamObserver<Task> out) {
      String id = req.getContainerId();
      reply(out, "getTask", id, () -> task(id, run(id)));
    }

    @Override
    public void kill(KillRequest req, StreamObserver<Empty> out) {
      String id = req.getContainerId();
      reply(out, "kill", id, () -> {
        Run r = run(id);
        if (!r.started || !r.exit.complete(exit(128 + req.getSignal()))) {
          throw Status.FAILED_PRECONDITION.withDescription("task is not running").asRuntimeException();
        }
        return Empty.getDefaultInstance();
      });
    }

    @Override
    public void delete(TaskRequest req, StreamObserver<ExitStatus> out) {
      String id = req.getContainerId();
      reply(out, "deleteTask", id, () -> {
        Run r = run(id);
        if (r.started && !r.exit.isDone()) {
          throw Status.FAILED_PRECONDITION.withDescription("task is running").asRuntimeException();
        }
        runs.remove(id);
        return r.exit.getNow(exit(0));
      });
    }

    @Override
    public void wait(WaitRequest req, StreamObserver<ExitStatus> out) {
      String id = req.getContainerId();
      Run r = runs.get(id);
      if (r == null) {
        out.onError(Status.NOT_FOUND.withDescription("no task for container " + id).asRuntimeException());
        return;
      }
      r.exit.thenAccept(e -> reply(out, "exited", id, () -> e));
    }

    @Override
    public void exec(ExecRequest req, StreamObserver<ExecProcess> out) {
      reply(out, "exec", req.getContainerId(), () -> ExecProcess.newBuilder().setContainerId(req.getContainerId())
          .setExecId(req.getExecId()).setPid(4243).setRunning(true).build());
    }
  }
}
