package dev.berth.runtime.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about a host process from /proc, used to tell our container process from a reused pid. */
public final class ProcessInfo {
  private ProcessInfo() {}

  /** Field 22 of /proc/pid/stat (start time in clock ticks), or -1 if the process is gone. */
  public static long startTime(int pid) {
    String[] fields = statFields(pid);
    return fields == null ? -1 : Long.parseLong(fields[19]);
  }

  /** True when the process exists, is not a zombie, and started at {@code startTime}. */
  public static boolean alive(int pid, long startTime) {
    if (pid <= 0) {
      return false;
    }
    String[] fields = statFields(pid);
    if (fields == null || fields[0].equals("Z") || fields[0].equals("X")) {
      return false;
    }
    return startTime <= 0 || Long.parseLong(fields[19]) == startTime;
  }

  /** The fields after the command name: [0] is the state letter, [19] the start time. */
  private static String[] statFields(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (IOException e) {
      return null;
    }
  }
}
