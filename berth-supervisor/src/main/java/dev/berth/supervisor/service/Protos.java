package dev.berth.supervisor.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.berth.supervisor.api.v1.Container;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskStatus;
import dev.berth.supervisor.container.ContainerRecord;
import java.time.Instant;

/** Conversions between the supervisor's domain records and its gRPC messages. */
final class Protos {
  private Protos() {}

  static Container container(ContainerRecord r, byte[] spec) {
    return Container.newBuilder().setId(r.id()).setImage(r.image()).setRuntime(r.runtime())
        .setSpec(ByteString.copyFrom(spec)).setSnapshotKey(r.id()).putAllLabels(r.labels())
        .setCreatedAt(timestamp(r.createdAt())).build();
  }

  static Task task(dev.berth.supervisor.task.TaskStatus t) {
    return task(t, java.util.Optional.empty());
  }

  static Task task(dev.berth.supervisor.task.TaskStatus t, java.util.Optional<String> exitError) {
    Task.Builder b = Task.newBuilder().setContainerId(t.containerId()).setPid((int) t.pid())
        .setStatus(status(t.status())).setStateDir(t.stateDir().toString())
        .setShimSocket(t.stateDir().resolve("shim.sock").toString())
        .setLogPath(t.stateDir().resolve(dev.berth.supervisor.shim.ContainerLog.FILE_NAME).toString()).setTerminal(t.terminal());
    t.exit().ifPresent(e -> b.setExit(exit(e, exitError)));
    return b.build();
  }

  static ExitStatus exit(dev.berth.supervisor.shim.ExitStatus e) {
    return exit(e, java.util.Optional.empty());
  }

  static ExitStatus exit(dev.berth.supervisor.shim.ExitStatus e, java.util.Optional<String> error) {
    ExitStatus.Builder b = ExitStatus.newBuilder().setExitCode(e.exitCode()).setPid((int) e.pid())
        .setExitedAt(timestamp(e.exitedAt()));
    error.ifPresent(b::setError);
    return b.build();
  }

  static TaskStatus status(String s) {
    return switch (s) {
      case "created" -> TaskStatus.TASK_STATUS_CREATED;
      case "running" -> TaskStatus.TASK_STATUS_RUNNING;
      case "stopped" -> TaskStatus.TASK_STATUS_STOPPED;
      case "paused" -> TaskStatus.TASK_STATUS_PAUSED;
      default -> TaskStatus.TASK_STATUS_UNKNOWN;
    };
  }

  static Timestamp timestamp(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
