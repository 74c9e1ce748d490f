package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.ShimClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Attaches to a container's stdio, holding the ones that come before its start until its task exists. */
final class Attaches {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerLocks locks;
  private final Map<String, List<PendingAttach>> pending = new ConcurrentHashMap<>();

  Attaches(ContainerStore store, SupervisorClient supervisor, ContainerLocks locks) {
    this.store = store;
    this.supervisor = supervisor;
    this.locks = locks;
  }

  /** An attach: now if the container runs, else once it starts. */
  CompletableFuture<Attachment> attach(String ref, boolean stdin, boolean stdout, boolean stderr) {
    Container c = store.get(ref);
    synchronized (locks.of(c.id())) {
      c = store.get(c.id());
      if (c.state().running()) {
        Task task = supervisor.getTask(c.id());
        return CompletableFuture.completedFuture(new ShimClient(Path.of(task.getStateDir()))
            .attach(stdin, stdout, stderr, c.config().path("StdinOnce").asBoolean(false), c.tty()));
      }
      if (!c.state().status().equals("created") && !c.state().status().equals("exited")) {
        throw new Conflict("You cannot attach to a " + c.state().status() + " container");
      }
      PendingAttach p = new PendingAttach(stdin, stdout, stderr, new CompletableFuture<>());
      pending.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(p);
      return p.attachment();
    }
  }

  /** The container's task exists, its process not yet: the attaches waiting for it connect now. */
  void connect(Container c, Path stateDir) {
    List<PendingAttach> waiting = pending.remove(c.id());
    if (waiting == null) return;
    ShimClient shim = new ShimClient(stateDir);
    boolean stdinOnce = c.config().path("StdinOnce").asBoolean(false);
    for (PendingAttach p : waiting) {
      try {
        p.attachment().complete(shim.attach(p.stdin(), p.stdout(), p.stderr(), stdinOnce, c.tty()));
      } catch (BerthException e) {
        p.attachment().completeExceptionally(e);
      }
    }
  }

  /** The start failed or the container went: the attaches waiting for it fail with {@code e}. */
  void fail(String id, BerthException e) {
    List<PendingAttach> waiting = pending.remove(id);
    if (waiting != null) waiting.forEach(p -> p.attachment().completeExceptionally(e));
  }
}
