package dev.berth.supervisor.shim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What tests read about a process from /proc/<pid>/stat, and waiting for one to end. */
public final class ProcStat {
  private ProcStat() {}

  public static long parentOf(long pid) throws IOException {
    return field(pid, 1);
  }

  public static long sessionOf(long pid) throws IOException {
    return field(pid, 3);
  }

  /** Fails the test if the process is still alive after 20 s. */
  public static void awaitGone(long pid) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      if (System.nanoTime() > deadline) throw new AssertionError("process " + pid + " is still alive");
      Thread.sleep(20);
    }
  }

  /** Fields after the command name, which may itself contain spaces and parentheses. */
  private static long field(long pid, int index) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[index]);
  }
}
