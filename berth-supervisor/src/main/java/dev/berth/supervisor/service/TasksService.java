package dev.berth.supervisor.service;

import dev.berth.supervisor.api.v1.CreateTaskRequest;
import dev.berth.supervisor.api.v1.Empty;
import dev.berth.supervisor.api.v1.ExecProcess;
import dev.berth.supervisor.api.v1.ExecRequest;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.api.v1.KillRequest;
import dev.berth.supervisor.api.v1.ListPidsResponse;
import dev.berth.supervisor.api.v1.ResizeRequest;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskMetrics;
import dev.berth.supervisor.api.v1.TaskRequest;
import dev.berth.supervisor.api.v1.TasksGrpc;
import dev.berth.supervisor.api.v1.UpdateRequest;
import dev.berth.supervisor.api.v1.WaitRequest;
import dev.berth.supervisor.task.TaskManager;
import dev.berth.supervisor.task.TaskStdio;
import io.grpc.stub.StreamObserver;

/**
 * The Tasks gRPC service over {@link TaskManager}. Calls may block (wait blocks until the process
 * exits): the server runs them on virtual threads.
 */
public final class TasksService extends TasksGrpc.TasksImplBase {
  private final TaskManager tasks;

  public TasksService(TaskManager tasks) {
    this.tasks = tasks;
  }

  @Override
  public void create(CreateTaskRequest req, StreamObserver<Task> out) {
    var s = req.getStdio();
    GrpcCalls.unary(out, () -> Protos.task(tasks.create(req.getContainerId(),
        new TaskStdio(s.getTerminal(), s.getStdin(), s.getLogMaxSize(), s.getLogMaxFiles()))));
  }

  @Override
  public void start(TaskRequest req, StreamObserver<Task> out) {
    GrpcCalls.unary(out, () -> {
      tasks.start(req.getContainerId());
      return Protos.task(tasks.get(req.getContainerId()));
    });
  }

  @Override
  public void get(TaskRequest req, StreamObserver<Task> out) {
    GrpcCalls.unary(out, () -> Protos.task(tasks.get(req.getContainerId()), tasks.exitReason(req.getContainerId())));
  }

  @Override
  public void kill(KillRequest req, StreamObserver<Empty> out) {
    GrpcCalls.unary(out, () -> {
      tasks.kill(req.getContainerId(), req.getSignal());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void delete(TaskRequest req, StreamObserver<ExitStatus> out) {
    GrpcCalls.unary(out, () -> Protos.exit(tasks.delete(req.getContainerId()), tasks.exitReason(req.getContainerId())));
  }

  @Override
  public void wait(WaitRequest req, StreamObserver<ExitStatus> out) {
    GrpcCalls.unary(out, () -> Protos.exit(tasks.waitExit(req.getContainerId()), tasks.exitReason(req.getContainerId())));
  }

  @Override
  public void exec(ExecRequest req, StreamObserver<ExecProcess> out) {
    GrpcCalls.unary(out, () -> {
      long pid = tasks.exec(req.getContainerId(), req.getExecId(), req.getProcess().toByteArray(), req.getUser(),
          req.getStdio().getTerminal(), req.getStdio().getStdin());
      return ExecProcess.newBuilder().setContainerId(req.getContainerId()).setExecId(req.getExecId())
          .setPid((int) pid).setRunning(true).build();
    });
  }

  @Override
  public void pause(TaskRequest req, StreamObserver<Empty> out) {
    GrpcCalls.unary(out, () -> {
      tasks.pause(req.getContainerId());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void resume(TaskRequest req, StreamObserver<Empty> out) {
    GrpcCalls.unary(out, () -> {
      tasks.resume(req.getContainerId());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void listPids(TaskRequest req, StreamObserver<ListPidsResponse> out) {
    GrpcCalls.unary(out, () -> ListPidsResponse.newBuilder().addAllPids(tasks.pids(req.getContainerId())).build());
  }

  @Override
  public void update(UpdateRequest req, StreamObserver<Empty> out) {
    GrpcCalls.unary(out, () -> {
      tasks.update(req.getContainerId(), req.getResources().toByteArray());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void metrics(TaskRequest req, StreamObserver<TaskMetrics> out) {
    GrpcCalls.unary(out, () -> tasks.metrics(req.getContainerId()));
  }

  @Override
  public void resizePty(ResizeRequest req, StreamObserver<Empty> out) {
    GrpcCalls.unary(out, () -> {
      tasks.resize(req.getContainerId(), req.getRows(), req.getCols());
      return Empty.getDefaultInstance();
    });
  }
}
