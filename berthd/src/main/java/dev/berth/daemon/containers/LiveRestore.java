package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.NotFound;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskStatus;
import dev.berth.supervisor.client.SupervisorClient;
import java.time.Instant;

/**
 * The daemon's start-up over the containers it finds: running ones are followed again, exits missed
 * while it was down are recorded, work it died in the middle of (a create, start or removal) is
 * finished or undone, and restart policies bring back what was running.
 */
final class LiveRestore {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final Restarts restarts;
  private final Starts starts;
  private final Exits exits;
  private final HealthMonitor health;
  private final Removals removals;

  LiveRestore(ContainerStore store, SupervisorClient supervisor, Restarts restarts, Starts starts, Exits exits,
      HealthMonitor health, Removals removals) {
    this.store = store;
    this.supervisor = supervisor;
    this.restarts = restarts;
    this.starts = starts;
    this.exits = exits;
    this.health = health;
    this.removals = removals;
  }

  void restore() {
    for (Container c : store.all()) {
      if (c.state().status().equals("removing")) {
        // The daemon died during a remove: finish it.
        removals.remove(c.id(), true);
        System.err.println("berthd: finished removing container " + c.id());
        continue;
      }
      try {
        supervisor.container(c.id());
      } catch (NotFound e) {
        // The daemon records a container before the supervisor makes it: a create cut short leaves this.
        store.remove(c.id());
        System.err.println("berthd: dropped container " + c.id() + ", whose creation did not complete");
        continue;
      }
      if (c.state().status().equals("restarting")) restarts.schedule(c.id(), RestartPolicy.FIRST_DELAY);
      if (!c.state().running()) {
        dropStaleTask(c.id());
        if (c.autoRemove()) {
          // As dockerd: a --rm container that stopped while no daemon could remove it goes now.
          removals.remove(c.id(), true);
          System.err.println("berthd: removed container " + c.id() + " (--rm), which had stopped");
          continue;
        }
        startIfPolicyWants(c);
        continue;
      }
      reattach(c);
    }
  }

  /** A container recorded running: followed again if its task still runs, else its exit is recorded. */
  private void reattach(Container c) {
    try {
      Task task = supervisor.getTask(c.id());
      if (task.getStatus() == TaskStatus.TASK_STATUS_STOPPED) {
        exits.exited(c.id(), task.getExit());
      } else {
        exits.follow(c.id());
        health.watch(c);
      }
    } catch (NotFound e) {
      store.save(c.withState(c.state().exited(255, Instant.now())));
      if (c.autoRemove()) removals.remove(c.id(), true);
    }
  }

  /**
   * A container berthd does not hold running may still have a task: berthd died in the middle of its
   * start (before recording it) or its creation. As dockerd does, that task is ended and deleted, so
   * that nothing runs, is mounted or has a cgroup without the daemon knowing.
   */
  private void dropStaleTask(String id) {
    try {
      Task task = supervisor.getTask(id);
      if (task.getStatus() == TaskStatus.TASK_STATUS_RUNNING || task.getStatus() == TaskStatus.TASK_STATUS_PAUSED) {
        supervisor.kill(id, 9);
        supervisor.waitExit(id);
      }
    } catch (NotFound e) {
      // none, or only leftovers: the delete below removes those
    }
    try {
      supervisor.deleteTask(id);
      System.err.println("berthd: deleted the leftover task of container " + id + ", which is not running");
    } catch (NotFound e) {
      // nothing was left
    } catch (BerthException e) {
      System.err.println("berthd: cannot delete the stale task of " + id + ": " + e.getMessage());
    }
  }

  /**
   * A container that was running when the daemon (or the machine) went down and whose policy is
   * always, or unless-stopped without a user's stop, is started again, as dockerd does at start-up.
   */
  private void startIfPolicyWants(Container c) {
    String policy = RestartPolicy.of(c.hostConfig()).name();
    boolean wanted = c.state().startedAt() != null && !c.manuallyStopped()
        && (policy.equals("always") || policy.equals("unless-stopped"));
    if (!wanted) return;
    Thread.ofVirtual().name("restore-" + c.id().substring(0, 12)).start(() -> {
      try {
        starts.start(c.id());
      } catch (BerthException e) {
        System.err.println("berthd: cannot start " + c.id() + " again: " + e.getMessage());
      }
    });
  }
}
