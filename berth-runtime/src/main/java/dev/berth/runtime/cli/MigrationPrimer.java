package dev.berth.runtime.cli;

import dev.berth.runtime.cgroups.CgroupFs;
import dev.berth.runtime.cgroups.CgroupLayout;
import dev.berth.runtime.cgroups.Cgroups;

/**
 * Keeps the kernel's cgroup migration lock ready while a create runs (see {@link
 * Cgroups#primeMigration}). The first migration after a quiet spell waits out an RCU grace period
 * (10-20 ms here, runc waits it too), and the lock stays ready only about one grace period after the
 * last migration; when the container's first cgroup.procs write comes in a cold JVM cannot be told in
 * advance. So a daemon thread re-joins this process's own cgroup every few milliseconds until the
 * command is done, and that write, whenever it comes, finds the lock ready.
 */
final class MigrationPrimer implements AutoCloseable {
  private static final long INTERVAL_MS = 3;
  /** Long enough for a create in a cold JVM on a busy machine; a `run` then waits for its container. */
  private static final long LIMIT_MS = 1_000;

  private volatile boolean done;

  private MigrationPrimer() {}

  static MigrationPrimer start() {
    MigrationPrimer p = new MigrationPrimer();
    Thread.ofPlatform().daemon().name("cgroup-migration-primer").start(p::run);
    return p;
  }

  private void run() {
    try {
      CgroupLayout layout = Cgroups.hostLayout();
      long deadline = System.nanoTime() + LIMIT_MS * 1_000_000;
      while (!done && System.nanoTime() < deadline) {
        Cgroups.primeMigration(layout, CgroupFs.REAL);
        Thread.sleep(INTERVAL_MS);
      }
    } catch (RuntimeException | InterruptedException e) {
      // only a missed speed-up: the container's migration waits as it would have
    }
  }

  @Override
  public void close() {
    done = true;
  }
}
